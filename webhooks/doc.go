// Package webhooks receives Bitbucket webhook deliveries from Bitbucket Cloud and Bitbucket
// Server / Data Center: it verifies their signature, normalises them into one Event type, and
// serves them through one http.Handler that works for both providers.
//
// # Receiving deliveries
//
// NewHandler is the usual entry point: mount it on a route, give it the webhook's secret and a
// callback. The handler accepts POST only, checks the X-Hub-Signature header over the raw body
// before any JSON is decoded, answers Data Center's "Test connection" ping itself, drops
// deliveries already processed when a Deduper is configured, and calls the callback with a
// normalised Event. When the callback fails the handler answers 500; what that costs depends on
// the provider (see Delivery semantics).
//
// Parse does the same work for a single *http.Request without writing a response, and
// ParsePayload normalises a body that was already read and verified elsewhere (a queue, a log).
//
// # Signatures
//
// Both providers sign with HMAC-SHA256 over the raw body and send "sha256=<hex>" in
// X-Hub-Signature (Cloud uses the GitHub header name with SHA-256). Verify checks such a header in
// constant time and Sign produces one. A missing header is ErrMissingSignature, any other problem
// (wrong digest, another algorithm, bad hex, wrong length) is ErrInvalidSignature; no header value
// makes Verify panic.
//
// A product with many tenants sets Options.Secrets instead of Options.Secret: it picks the secrets
// of the tenant a delivery belongs to from the request (its path or headers) before any JSON is
// decoded, and VerifyAny accepts a delivery signed with any of them, so that a secret can be
// rotated without refusing deliveries signed with the old one.
//
// # The neutral model
//
// Event.Type is the neutral event (bitbucket.EventPush, bitbucket.EventPullRequestOpened, ...) as
// bitbucket.EventForKey maps the provider's X-Event-Key. A delivery whose key has no neutral name
// (pullrequest:approved, repo:fork, ...) is not an error: it comes back with Type == "", the
// fields its payload lets the package fill, and Raw, the original body.
//
// An Event of a neutral type always carries the object its type promises: Push for
// bitbucket.EventPush, PullRequest for the pull-request events, and PullRequest and Comment for
// bitbucket.EventPullRequestComment. A payload that lacks it is ErrMalformedPayload.
//
// # Payloads
//
// A body is read once, up to Options.MaxBodyBytes, verified, then decoded once with
// github.com/go-json-experiment/json (encoding/json/v2) into wire structs that name only the
// members the neutral model uses. The body must be one JSON document: data after it is
// ErrMalformedPayload, and so is an object with a duplicate member name, anywhere in the body (a
// signed body with two values for one member is ambiguous between readers). Member names match
// case-sensitively; unknown members are ignored; invalid UTF-8 in a string reads as U+FFFD
// instead of failing the delivery. Dates are read from epoch milliseconds or ISO 8601 strings,
// with or without the colon in the offset (Data Center 10 sends commit timestamps as strings). A
// Data Center body's own eventKey must agree with X-Event-Key, which is not signed: a signed
// pr:opened replayed as pr:merged is ErrMalformedPayload. Error texts say where a body went wrong,
// never what it held.
//
// # Delivery semantics
//
// The providers do not redeliver alike, so an answer other than 2xx costs differently:
//
//   - Bitbucket Cloud sends a delivery answered with 5xx again at once, at most twice more (with
//     X-Attempt-Number 2 and 3 and the same X-Request-UUID), and ignores Retry-After. A receiver
//     that does not answer within 10 s is not sent the delivery again.
//   - Bitbucket Data Center never sends a delivery again. A webhook whose deliveries failed 5
//     times in a row is skipped, first for 10 s, then for longer, up to 10 h; every event in that
//     window is lost.
//
// So a receiver acknowledges a delivery once it is durably handed off (recorded in a table, put
// on a queue), not once it is processed: the callback records the event and returns, and the slow
// work happens elsewhere. Returning an error is for a hand-off that failed. On Data Center that
// event is lost; a product that must not lose one records it before answering 200 and reconciles
// from the REST API after an outage.
//
// # Duplicates
//
// Cloud's resends keep the delivery id, and a proxy may repeat a delivery on either provider. A
// Deduper remembers processed delivery ids for a while, within a fixed memory bound. The handler
// marks a delivery as processed only after its callback succeeded, so a delivery whose callback
// failed is processed again when it is resent. A Deduper is the in-memory DeliveryStore; replicas
// behind a load balancer share one in a database (package sqlstore), and a store that fails is
// answered 503, never processed unreserved.
package webhooks
