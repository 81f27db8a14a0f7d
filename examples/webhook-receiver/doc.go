// Command webhook-receiver is the smallest correct receiver of Bitbucket webhook deliveries built
// on bbconnect: webhooks.NewHandler verifies each delivery's X-Hub-Signature over the raw body,
// normalises Cloud and Data Center payloads into one webhooks.Event, answers Data Center pings,
// and, with a webhooks.Deduper, drops a delivery Bitbucket sends twice. Each event is logged with
// log/slog: provider, type, repository, delivery id, and the ref changes or pull-request id.
//
// Usage:
//
//	go run ./examples/webhook-receiver
//	WEBHOOK_SECRET=<secret> go run ./examples/webhook-receiver -listen :8080
//
// With no -listen it runs a self-demo and exits: it serves the handler on a loopback port, signs
// and posts one sample Data Center push delivery to itself, logs the normalised event, posts the
// same delivery again (dropped as a duplicate) and one with a wrong signature (refused with 401).
//
// With -listen it serves until SIGINT or SIGTERM, then shuts down gracefully. The secret is read
// from WEBHOOK_SECRET, the value entered as the webhook's secret in Bitbucket; when it is unset, a
// random secret is generated for the run and printed once, with a curl command that sends a signed
// test delivery.
package main
