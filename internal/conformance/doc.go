// Package conformance is one table of neutral behaviours that every bitbucket.Connector must
// show, run against each provider on its bitbuckettest fake. A behaviour that differs between the
// providers is a bug in one of them, not a row to special-case.
//
// A provider's test gives Run a Harness: how to start an empty fake and how to connect to it
// with a token. DataCenter and Cloud are the two providers' harnesses; the contract module runs
// the same tables through them with a validating transport added to every connector. The table seeds one namespace of repositories and three users (an admin, a
// reader and a stranger) and checks pagination, resuming from a cursor on a new Connector,
// break stopping the fetches, not-found and forbidden errors, permissions, EnsureWebhook's
// idempotence and a bad token.
package conformance
