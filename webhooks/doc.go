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
// normalised Event. When the callback fails the handler answers 500, so that Bitbucket retries.
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
// # Duplicates
//
// Bitbucket retries a delivery that failed or timed out, with the same delivery id. A Deduper
// remembers processed delivery ids for a while, within a fixed memory bound. The handler marks a
// delivery as processed only after its callback succeeded, so a failed delivery is processed
// again when Bitbucket retries it. A Deduper is the in-memory DeliveryStore; replicas behind a
// load balancer share one in a database (package sqlstore), and a store that fails is answered
// 503, never processed unreserved.
//
// Data Center never resends a failed delivery, so the handler's 200 must follow a durable
// hand-off: see NewHandler for what a 5xx costs on each provider.
package webhooks
