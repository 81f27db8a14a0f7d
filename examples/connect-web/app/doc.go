// Package app is the web application of the connect-web example: the "Connect Bitbucket" screens
// of a product, built on bbconnect with net/http and html/template only.
//
// It offers two ways in. "Connect Bitbucket Cloud" runs the OAuth 2.0 authorization-code flow
// (auth.StateStore for state, auth.Exchange for the code, the token kept in an auth.TokenStore and
// served by auth.StoredTokenSource). "Connect self-hosted Bitbucket" takes a server URL and an HTTP
// access token, tests them with CheckConnection and explains a failure in words. Both lead to the
// same repository picker, one page at a time (the page cursor travels in the query string), which
// marks the repositories where the user is not an administrator: admin permission is needed to
// create webhooks. "Connect" on a repository ensures a webhook (bitbucket.EnsureWebhook) that
// points at this application's /webhook/{connection} endpoint, signed with a secret generated for
// the connection and kept on the server. Verified deliveries are listed on a deliveries page.
//
// Sessions live in memory, behind an HttpOnly, SameSite=Lax cookie; every form carries the
// session's CSRF token, checked on every POST. Secrets (client secret, tokens, webhook secrets)
// never appear in pages, logs or URLs.
//
// StartDemo starts in-process fakes of Bitbucket Cloud and Data Center seeded with sample data, and
// returns the Config that points the application at them; in that mode a "Push a commit" button
// makes the fake send a push delivery to the connected repository's webhook.
package app
