package bitbuckettest

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// consumer is a seeded OAuth consumer.
type consumer struct {
	id, secret, callback string
	scopes               []string
	owner                string // who client-credentials tokens act as
}

// authCode is an authorization code waiting for its exchange.
type authCode struct {
	clientID, username, redirectURI string
}

// refreshGrant is a live refresh token. Using it consumes it (rotation).
type refreshGrant struct {
	clientID, username string
}

// AddOAuthConsumer seeds an OAuth consumer (key clientID, secret), with its callback URL and the
// scopes ticked on it. Tokens issued to it hold those scopes.
func (s *Server) AddOAuthConsumer(clientID, secret, callbackURL string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cloudLocked().consumers[clientID] = &consumer{id: clientID, secret: secret, callback: callbackURL, scopes: scopes}
}

// SetOAuthConsumerOwner makes username the account client-credentials tokens of clientID act as.
// Without an owner those tokens act as the user set by SetOAuthUser.
func (s *Server) SetOAuthConsumerOwner(clientID, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cloudLocked().consumers[clientID]; c != nil {
		c.owner = username
	}
}

// SetOAuthUser sets who is signed in to the fake's consent page: the user who approves when the
// authorize URL has no ?user= parameter.
func (s *Server) SetOAuthUser(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cloudLocked().oauthUser = username
}

// SetTokenLifetime sets the lifetime of access tokens issued from now on (2 hours by default, as
// on Bitbucket Cloud). expires_in is reported in whole seconds.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cloudLocked().lifetime = d
}

// ExpireAccessTokens makes every OAuth access token issued so far expire now; refresh tokens stay
// valid.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for tok := range s.cloudLocked().expiry {
		s.cloud.expiry[tok] = now
	}
}

// Refreshes returns how many refresh_token grants succeeded.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cloudLocked().refreshes
}

// OAuthSiteURL is the origin the OAuth endpoints hang under, standing in for https://bitbucket.org.
func (s *Server) OAuthSiteURL() string { return s.ts.URL }

// OAuthAuthorizeURL is the fake's https://bitbucket.org/site/oauth2/authorize.
func (s *Server) OAuthAuthorizeURL() string { return s.ts.URL + "/site/oauth2/authorize" }

// OAuthTokenURL is the fake's https://bitbucket.org/site/oauth2/access_token.
func (s *Server) OAuthTokenURL() string { return s.ts.URL + "/site/oauth2/access_token" }

// Authorize approves clientID's access as username without a browser, as if the user pressed
// "Grant access", and returns the authorization code the callback would receive.
func (s *Server) Authorize(clientID, username, state string) (code string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cloudLocked().consumers[clientID]
	if c == nil {
		return "", errors.New("bitbuckettest: unknown OAuth consumer")
	}
	return s.issueCodeLocked(c, username, ""), nil
}

// Approve takes the authorize URL an application built (for example with AuthCodeURL), approves
// it as username and returns the callback URL, with code and state, the browser would be sent to.
func (s *Server) Approve(authorizeURL, username string) (redirectURL string, err error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return "", errors.New("bitbuckettest: bad authorize URL")
	}
	q := u.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, redirect, msg := s.checkAuthorizeLocked(q)
	if msg != "" {
		return "", errors.New("bitbuckettest: " + msg)
	}
	if q.Get("response_type") != "code" {
		return "", errors.New("bitbuckettest: response_type must be code")
	}
	code := s.issueCodeLocked(c, username, q.Get("redirect_uri"))
	return withQuery(redirect, url.Values{"code": {code}, "state": {q.Get("state")}}), nil
}

func (s *Server) issueCodeLocked(c *consumer, username, redirectURI string) string {
	code := newSecret(18)
	s.cloud.codes[code] = &authCode{clientID: c.id, username: username, redirectURI: redirectURI}
	return code
}

// checkAuthorizeLocked validates client_id and redirect_uri; it returns the consumer, where to
// redirect, and an error message for the page when the request cannot be redirected at all.
func (s *Server) checkAuthorizeLocked(q url.Values) (*consumer, string, string) {
	c := s.cloud.consumers[q.Get("client_id")]
	if c == nil {
		return nil, "", "Invalid client_id"
	}
	redirect := c.callback
	if ru := q.Get("redirect_uri"); ru != "" {
		if !underCallback(ru, c.callback) {
			return nil, "", "redirect_uri does not match the consumer's callback URL"
		}
		redirect = ru
	}
	return c, redirect, ""
}

// underCallback reports whether redirect sits under the configured callback URL.
func underCallback(redirect, callback string) bool {
	r, err1 := url.Parse(redirect)
	c, err2 := url.Parse(callback)
	if err1 != nil || err2 != nil || r.Fragment != "" || r.User != nil {
		return false
	}
	if !strings.EqualFold(r.Scheme, c.Scheme) || !strings.EqualFold(r.Host, c.Host) {
		return false
	}
	cp := strings.TrimSuffix(c.Path, "/")
	return r.Path == c.Path || r.Path == cp || strings.HasPrefix(r.Path, cp+"/")
}

func withQuery(base string, v url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {{.Client}}</title></head>
<body>
<h1>{{.Client}} wants access to your Bitbucket account</h1>
<p>Signed in as <strong>{{.User}}</strong>. It asks for: {{.Scopes}}.</p>
<form method="post" action="/site/oauth2/authorize">
<input type="hidden" name="client_id" value="{{.Client}}">
<input type="hidden" name="response_type" value="code">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="redirect_uri" value="{{.Redirect}}">
<input type="hidden" name="user" value="{{.User}}">
<button type="submit" name="decision" value="grant">Grant access</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>
</body></html>
`))

// serveOAuth serves /site/oauth2/authorize and /site/oauth2/access_token.
func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/site/oauth2/authorize":
		s.oauthAuthorize(w, r)
	case "/site/oauth2/access_token":
		s.oauthToken(w, r)
	default:
		http.NotFound(w, r)
	}
}

func oauthPageError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<!DOCTYPE html><html><body><h1>Error</h1><p>" + template.HTMLEscapeString(msg) + "</p></body></html>\n"))
}

// oauthAuthorize shows the consent page (GET) and handles its form (POST).
func (s *Server) oauthAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		oauthPageError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthPageError(w, http.StatusBadRequest, "Bad request")
		return
	}
	q := r.Form
	s.mu.Lock()
	c, redirect, msg := s.checkAuthorizeLocked(q)
	username := q.Get("user")
	if username == "" {
		username = s.cloud.oauthUser
	}
	var code string
	if msg == "" && q.Get("response_type") == "code" && username != "" && r.Method == http.MethodPost && q.Get("decision") != "deny" {
		code = s.issueCodeLocked(c, username, q.Get("redirect_uri"))
	}
	s.mu.Unlock()
	switch {
	case msg != "":
		oauthPageError(w, http.StatusBadRequest, msg)
	case q.Get("response_type") != "code":
		http.Redirect(w, r, withQuery(redirect, url.Values{"error": {"unsupported_response_type"}, "state": {q.Get("state")}}), http.StatusFound)
	case username == "":
		oauthPageError(w, http.StatusUnauthorized, "Nobody is signed in: set one with SetOAuthUser or ?user=")
	case r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = consentPage.Execute(w, map[string]string{"Client": c.id, "User": username, "State": q.Get("state"),
			"Redirect": q.Get("redirect_uri"), "Scopes": strings.Join(c.scopes, ", ")})
	case code == "":
		http.Redirect(w, r, withQuery(redirect, url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}), http.StatusFound)
	default:
		http.Redirect(w, r, withQuery(redirect, url.Values{"code": {code}, "state": {q.Get("state")}}), http.StatusFound)
	}
}

// oauthToken serves the token endpoint. The client authenticates with HTTP Basic only: a
// client_secret in the body is refused (the real service accepts it), so that a client configured
// with the wrong auth style fails here rather than in production.
func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "unreadable form body")
		return
	}
	if r.PostForm.Has("client_secret") {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request",
			"send the client credentials in the Authorization header (HTTP Basic), not in the body")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic encoding.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	f := r.PostForm
	s.mu.Lock()
	resp, status := s.tokenGrantLocked(ok, id, secret, f)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, resp)
}

func oauthErr(code, desc string) map[string]any {
	return map[string]any{"error": code, "error_description": desc}
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, oauthErr(code, desc))
}

// tokenGrantLocked runs one grant and returns the JSON answer and its status.
func (s *Server) tokenGrantLocked(basic bool, id, secret string, f url.Values) (map[string]any, int) {
	c := s.cloud.consumers[id]
	if !basic || c == nil || c.secret != secret {
		return oauthErr("invalid_client", "Invalid OAuth client credentials"), http.StatusUnauthorized
	}
	var username string
	issueRefresh := true
	switch f.Get("grant_type") {
	case "authorization_code":
		code := f.Get("code")
		ac := s.cloud.codes[code]
		if ac == nil || ac.clientID != c.id {
			return oauthErr("invalid_grant", "The authorization code is invalid or has been used"), http.StatusBadRequest
		}
		delete(s.cloud.codes, code) // single use, even when the rest of the request is wrong
		if ac.redirectURI != "" && f.Get("redirect_uri") != ac.redirectURI {
			return oauthErr("invalid_grant", "redirect_uri does not match the one authorized"), http.StatusBadRequest
		}
		username = ac.username
	case "refresh_token":
		rt := f.Get("refresh_token")
		g := s.cloud.refresh[rt]
		if g == nil || g.clientID != c.id {
			return oauthErr("invalid_grant", "Invalid refresh_token"), http.StatusBadRequest
		}
		delete(s.cloud.refresh, rt) // rotation: a refresh token works once
		s.cloud.refreshes++
		username = g.username
	case "client_credentials":
		username = c.owner
		if username == "" {
			username = s.cloud.oauthUser
		}
		if username == "" {
			return oauthErr("unauthorized_client", "the consumer has no owner to act as"), http.StatusBadRequest
		}
		issueRefresh = false
	case "":
		return oauthErr("invalid_request", "grant_type is required"), http.StatusBadRequest
	default:
		return oauthErr("unsupported_grant_type", "Unsupported grant type: "+f.Get("grant_type")), http.StatusBadRequest
	}
	access := newSecret(30)
	scopes := c.scopes
	if len(scopes) == 0 {
		scopes = classicScopes
	}
	s.tokens[access] = &token{username: username, scopes: scopes, kind: credOAuth2}
	s.cloud.expiry[access] = time.Now().Add(s.cloud.lifetime)
	scope := strings.Join(scopes, " ")
	out := map[string]any{
		"access_token": access,
		"token_type":   "bearer",
		"expires_in":   int(s.cloud.lifetime / time.Second),
		"scopes":       scope,
		"scope":        scope,
	}
	if issueRefresh {
		rt := newSecret(24)
		s.cloud.refresh[rt] = &refreshGrant{clientID: c.id, username: username}
		out["refresh_token"] = rt
	}
	return out, http.StatusOK
}
