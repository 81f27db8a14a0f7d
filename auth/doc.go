// Package auth provides the credentials of bbconnect clients and the OAuth 2.0 machinery around
// them: the authorization-code flow and token storage shared by several replicas.
//
// # Credentials
//
// Pass one of these to cloud.New or server.New:
//
//   - Bearer: Bitbucket Cloud repository, project and workspace access tokens, OAuth access
//     tokens, and Data Center HTTP access tokens.
//   - Basic: a Cloud API token with the Atlassian account email as the username, or a Data
//     Center username with a password or HTTP access token.
//   - OAuth2: tokens from an oauth2.TokenSource, asked before every attempt.
//   - None: no credentials, for public data.
//
// Credentials decorate an http.RoundTripper. The client's retry layer sits outside them, so each
// attempt asks for credentials again. No credential value ever shows its secret: String,
// GoString, fmt with any verb, slog and json.Marshal show the scheme only.
//
// # The authorization-code flow
//
// CloudOAuth2Config (or CloudOAuth2ConfigFor, against a fake) and ServerOAuth2Config return the
// *oauth2.Config of a Bitbucket Cloud OAuth consumer or a Data Center incoming application link.
// A StateStore issues the state sent with AuthCodeURL and accepts it once on the callback, which
// refuses forged and replayed callbacks. Exchange trades the code for a token; it follows no
// redirect, and its errors never carry the client secret, the code or the endpoint's body.
//
// Every token request (Exchange, the refreshes of StoredTokenSource, and oauth2 calls given
// TokenContext) goes through one HTTP client with the API's host policy: a token endpoint on
// loopback, a private or link-local address, or plain http, is refused unless
// ContextWithAllowedHosts allows it, a metadata address always, and no proxy from the
// environment is used.
//
// # Rotating refresh tokens
//
// Bitbucket Cloud rotates refresh tokens on every use: a refreshed token that is not saved at
// once locks the user out, and two replicas refreshing the same token race. Its access tokens
// last 2 hours. Data Center's last 3600 s and its refresh tokens 90 days by default; whether it
// rotates them, and whether its refresh grant needs redirect_uri, are unconfirmed, so
// StoredTokenSource keeps the old refresh token when an answer brings none and sends the
// configuration's redirect_uri with Data Center refresh grants. StoredTokenSource
// serves one connection's token from a TokenStore: it refreshes once for any number of
// concurrent callers, saves the new token with a compare-and-swap (TokenStore.Save) before anyone
// uses it, and, when another replica won the race, adopts the winner's token instead of failing.
// A store that also implements TokenLocker makes the replicas take turns. MemoryTokenStore is a
// store for one process and for tests; a product with several replicas keeps the token in a
// database row updated only where it still holds the token it replaces.
package auth
