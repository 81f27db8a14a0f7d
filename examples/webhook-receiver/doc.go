// Command webhook-receiver is the smallest correct receiver of Bitbucket webhook deliveries built
// on bbconnect, for a product with many tenants: webhooks.NewHandler serves /hooks/{tenant},
// verifies each delivery's X-Hub-Signature over the raw body with that tenant's secrets (picked
// from the path by webhooks.Options.Secrets before any JSON is decoded; two while a secret is
// rotated, either accepted), normalises Cloud and Data Center payloads into one webhooks.Event,
// answers Data Center pings, and, with a webhooks.Deduper, drops a delivery Bitbucket sends twice.
// Each event is logged with log/slog: tenant, provider, type, repository, delivery id, and the ref
// changes or pull-request id.
//
// Usage:
//
//	go run ./examples/webhook-receiver
//	WEBHOOK_TENANTS='acme=old-secret,new-secret;globex=secret' go run ./examples/webhook-receiver -listen :8080
//	WEBHOOK_SECRET=<secret> go run ./examples/webhook-receiver -listen :8080
//
// With no -listen it runs a self-demo and exits: it serves two tenants on a loopback port, acme in
// the middle of a secret rotation and globex, posts signed sample Data Center pushes to each, the
// first again (dropped as a duplicate), one to globex signed with acme's secret and one to an
// unknown tenant (both refused with 401).
//
// With -listen it serves until SIGINT or SIGTERM, then shuts down gracefully. WEBHOOK_TENANTS
// lists each tenant's secrets, the values entered as the webhooks' secrets in Bitbucket.
// WEBHOOK_SECRET is the secret of the tenant "default", which is also served on /. When neither is
// set, a random secret is generated for the default tenant and printed once, with a curl command
// that sends a signed test delivery.
//
// A Deduper serves one process. Several replicas behind a load balancer share a database instead:
// see package sqlstore (its DeliveryStore for Options.Dedupe, and its Intake, which records each
// delivery before answering 200 so that no Data Center event is lost).
package main
