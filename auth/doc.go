// Package auth provides the credentials of bbconnect clients: Bearer tokens, HTTP Basic, OAuth 2.0
// token sources, and no credentials at all.
//
// Credentials decorate an http.RoundTripper. The client's retry layer sits outside them, so each
// attempt asks for credentials again. No credential value ever prints its secret: fmt with any
// verb, slog and json.Marshal show the scheme only.
package auth
