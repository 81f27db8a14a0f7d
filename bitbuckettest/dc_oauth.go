package bitbuckettest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Data Center's default OAuth 2.0 lifetimes ("OAuth 2.0 provider system properties", 8.2–10.1).
const (
	dcAccessLifetime  = 3600 * time.Second
	dcRefreshLifetime = 90 * 24 * time.Hour
)

// dcOAuthState is the Data Center fake's OAuth 2.0 provider. It is guarded by Server.mu.
type dcOAuthState struct {
	clients map[string]*dcOAuthClient
	codes   map[string]*dcAuthCode
	refresh map[string]*dcRefreshGrant
	expiry  map[string]time.Time // access token → expiry

	accessLifetime, refreshLifetime time.Duration
	refreshes                       int
	user                            string // who is signed in to the consent page
	// keepRefresh answers a refresh without a new refresh token, the used one staying valid;
	// otherwise every refresh rotates it (SetServerOAuthRotation).
	keepRefresh bool
	// refreshRedirectOptional accepts a refresh grant without redirect_uri
	// (SetServerOAuthRefreshNeedsRedirectURI).
	refreshRedirectOptional bool
}

// dcOAuthClient is an incoming application link.
type dcOAuthClient struct {
	id, secret, redirect string
	scopes               []string
}

// dcAuthCode is an authorization code waiting for its exchange.
type dcAuthCode struct {
	clientID, username, redirectURI, challenge string
	scopes                                     []string
}

// dcRefreshGrant is a live refresh token.
type dcRefreshGrant struct {
	clientID, username string
	scopes             []string
	expires            time.Time
}

// dcOAuthLocked returns the OAuth 2.0 provider's state, made on first use, failing loudly when a
// Data Center-only method is called on a Cloud fake.
func (s *Server) dcOAuthLocked() *dcOAuthState {
	if s.dc == nil {
		panic("bitbuckettest: Data Center-only method called on a Cloud fake")
	}
	if s.dc.oauth == nil {
		s.dc.oauth = &dcOAuthState{clients: map[string]*dcOAuthClient{}, codes: map[string]*dcAuthCode{},
			refresh: map[string]*dcRefreshGrant{}, expiry: map[string]time.Time{},
			accessLifetime: dcAccessLifetime, refreshLifetime: dcRefreshLifetime}
	}
	return s.dc.oauth
}

// dcOAuthExpiredLocked reports whether cred is an access token of the OAuth 2.0 provider that has
// expired.
func (s *Server) dcOAuthExpiredLocked(cred string) bool {
	if s.dc == nil || s.dc.oauth == nil {
		return false
	}
	exp, ok := s.dc.oauth.expiry[cred]
	return ok && !time.Now().Before(exp)
}

// AddServerOAuthClient seeds a client of the Data Center fake's OAuth 2.0 provider (an incoming
// application link): its client id, its secret ("" for a public client, which must use PKCE), its
// redirect URL and the scopes it may be granted (REPO_READ, REPO_WRITE, REPO_ADMIN, …). The
// provider serves URL()+"/rest/oauth2/latest/authorize" and ".../token", which is what
// auth.ServerOAuth2Config(fake.URL(), …) points at; the client authenticates with client_id and
// client_secret as form parameters. Access tokens issued to it authenticate API calls as the user
// who approved, as Bearer tokens, capped by their REPO_* scopes as AddToken's are, until they
// expire.
func (s *Server) AddServerOAuthClient(clientID, secret, redirectURL string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dcOAuthLocked().clients[clientID] = &dcOAuthClient{id: clientID, secret: secret, redirect: redirectURL,
		scopes: slices.Clone(scopes)}
}

// SetServerOAuthUser sets who is signed in to the fake's consent page: the user who approves when
// the authorize URL has no ?user= parameter.
func (s *Server) SetServerOAuthUser(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dcOAuthLocked().user = username
}

// SetServerOAuthTokenLifetimes sets the lifetimes of the access and refresh tokens issued from now
// on: 3600 s and 90 days by default, as on Data Center. expires_in is reported in whole seconds.
func (s *Server) SetServerOAuthTokenLifetimes(access, refresh time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.dcOAuthLocked()
	o.accessLifetime, o.refreshLifetime = access, refresh
}

// ServerOAuthTokenLifetimes returns the lifetimes of the access and refresh tokens the fake issues.
func (s *Server) ServerOAuthTokenLifetimes() (access, refresh time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.dcOAuthLocked()
	return o.accessLifetime, o.refreshLifetime
}

// ExpireServerOAuthAccessTokens makes every access token the OAuth 2.0 provider issued so far
// expire now; refresh tokens stay valid.
func (s *Server) ExpireServerOAuthAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.dcOAuthLocked()
	now := time.Now()
	for tok := range o.expiry {
		o.expiry[tok] = now
	}
}

// ServerOAuthRefreshes returns how many refresh_token grants succeeded.
func (s *Server) ServerOAuthRefreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dcOAuthLocked().refreshes
}

// SetServerOAuthRotation chooses one answer to a point the reference leaves unconfirmed: with rotate
// (the default) every refresh answers a new refresh token and the used one stops working at once,
// as on Bitbucket Cloud; without it the answer carries no refresh token and the used one stays
// valid until it expires.
func (s *Server) SetServerOAuthRotation(rotate bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dcOAuthLocked().keepRefresh = !rotate
}

// SetServerOAuthRefreshNeedsRedirectURI chooses the other unconfirmed point: with require (the
// default) a refresh grant without redirect_uri is refused with invalid_request, and one with a
// redirect_uri other than the client's with invalid_grant; without it redirect_uri is ignored on
// refresh.
func (s *Server) SetServerOAuthRefreshNeedsRedirectURI(require bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dcOAuthLocked().refreshRedirectOptional = !require
}

// AuthorizeServerOAuth approves clientID's access as username without a browser, for the client's
// own redirect URL, its scopes and no PKCE, and returns the authorization code the callback would
// receive.
func (s *Server) AuthorizeServerOAuth(clientID, username string) (code string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.dcOAuthLocked().clients[clientID]
	if c == nil {
		return "", errors.New("bitbuckettest: unknown OAuth client")
	}
	if c.secret == "" {
		return "", errors.New("bitbuckettest: a public client must use PKCE: use ApproveServerOAuth")
	}
	return s.dcIssueCodeLocked(&dcAuthCode{clientID: c.id, username: username, redirectURI: c.redirect, scopes: c.scopes}), nil
}

// ApproveServerOAuth takes the authorize URL an application built (for example with AuthCodeURL,
// with or without oauth2.S256ChallengeOption), approves it as username and returns the callback
// URL, with code and state, the browser would be sent to.
func (s *Server) ApproveServerOAuth(authorizeURL, username string) (redirectURL string, err error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return "", errors.New("bitbuckettest: bad authorize URL")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ac, c, oauthErr, msg := s.dcCheckAuthorizeLocked(u.Query())
	switch {
	case msg != "":
		return "", errors.New("bitbuckettest: " + msg)
	case oauthErr != "":
		return "", errors.New("bitbuckettest: authorize refused: " + oauthErr)
	}
	ac.username = username
	code := s.dcIssueCodeLocked(ac)
	return withQuery(c.redirect, url.Values{"code": {code}, "state": {u.Query().Get("state")}}), nil
}

func (s *Server) dcIssueCodeLocked(ac *dcAuthCode) string {
	code := newSecret(18)
	s.dc.oauth.codes[code] = ac
	return code
}

// dcCheckAuthorizeLocked validates an authorize request. msg is set when the request cannot be
// redirected at all (unknown client, wrong redirect_uri); oauthErr is the error code to redirect
// with otherwise. On success it returns the code to issue, without its user.
func (s *Server) dcCheckAuthorizeLocked(q url.Values) (ac *dcAuthCode, c *dcOAuthClient, oauthErr, msg string) {
	c = s.dcOAuthLocked().clients[q.Get("client_id")]
	switch {
	case c == nil:
		return nil, nil, "", "Invalid client_id"
	case q.Get("redirect_uri") != c.redirect:
		return nil, nil, "", "redirect_uri must be the one registered for the client"
	case q.Get("response_type") != "code":
		return nil, c, "unsupported_response_type", ""
	}
	challenge := q.Get("code_challenge")
	switch {
	case challenge != "" && q.Get("code_challenge_method") != "S256":
		return nil, c, "invalid_request", "" // plain challenges are not modelled
	case challenge == "" && c.secret == "":
		return nil, c, "invalid_request", "" // a public client must use PKCE
	}
	scopes := c.scopes
	if requested := strings.Fields(q.Get("scope")); len(requested) > 0 {
		for _, sc := range requested {
			if !slices.Contains(c.scopes, sc) {
				return nil, c, "invalid_scope", ""
			}
		}
		scopes = requested
	}
	return &dcAuthCode{clientID: c.id, redirectURI: c.redirect, challenge: challenge, scopes: scopes}, c, "", ""
}

var dcConsentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {{.Client}}</title></head>
<body>
<h1>{{.Client}} wants access to Bitbucket</h1>
<p>Signed in as <strong>{{.User}}</strong>. It asks for: {{.Scopes}}.</p>
<form method="post" action="{{.Action}}">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>
`))

// dcOAuthRoutes registers the OAuth 2.0 provider's endpoints under the context path.
func (s *Server) dcOAuthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+dcContextPath+"/rest/oauth2/latest/authorize", s.dcOAuthAuthorize)
	mux.HandleFunc("POST "+dcContextPath+"/rest/oauth2/latest/authorize", s.dcOAuthAuthorize)
	mux.HandleFunc("POST "+dcContextPath+"/rest/oauth2/latest/token", s.dcOAuthToken)
}

// dcOAuthAuthorize shows the consent page (GET) and handles its form (POST).
func (s *Server) dcOAuthAuthorize(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthPageError(w, http.StatusBadRequest, "Bad request")
		return
	}
	q := r.Form
	s.mu.Lock()
	ac, c, oauthErr, msg := s.dcCheckAuthorizeLocked(q)
	username := q.Get("user")
	if username == "" {
		username = s.dc.oauth.user
	}
	var code string
	if ac != nil && username != "" && r.Method == http.MethodPost && q.Get("decision") == "allow" {
		ac.username = username
		code = s.dcIssueCodeLocked(ac)
	}
	s.mu.Unlock()
	state := q.Get("state")
	switch {
	case msg != "":
		oauthPageError(w, http.StatusBadRequest, msg)
	case oauthErr != "":
		http.Redirect(w, r, withQuery(c.redirect, url.Values{"error": {oauthErr}, "state": {state}}), http.StatusFound)
	case username == "":
		oauthPageError(w, http.StatusUnauthorized, "Nobody is signed in: set one with SetServerOAuthUser or ?user=")
	case r.Method == http.MethodGet:
		params := map[string]string{"user": username}
		for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"} {
			if q.Has(k) {
				params[k] = q.Get(k)
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = dcConsentPage.Execute(w, map[string]any{"Client": c.id, "User": username, "Scopes": strings.Join(ac.scopes, ", "),
			"Action": r.URL.Path, "Params": params})
	case code == "":
		http.Redirect(w, r, withQuery(c.redirect, url.Values{"error": {"access_denied"}, "state": {state}}), http.StatusFound)
	default:
		http.Redirect(w, r, withQuery(c.redirect, url.Values{"code": {code}, "state": {state}}), http.StatusFound)
	}
}

// dcOAuthToken serves the token endpoint. The client authenticates with client_id and
// client_secret in the form body, as Atlassian's examples show (oauth2.AuthStyleInParams);
// credentials in an Authorization header alone are refused, so that a client configured with the
// wrong auth style fails here rather than in production.
func (s *Server) dcOAuthToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "unreadable form body")
		return
	}
	s.mu.Lock()
	resp, status := s.dcTokenGrantLocked(r.PostForm)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, resp)
}

// dcTokenGrantLocked runs one grant and returns the JSON answer and its status.
func (s *Server) dcTokenGrantLocked(f url.Values) (map[string]any, int) {
	o := s.dcOAuthLocked()
	c := o.clients[f.Get("client_id")]
	if c == nil || subtle.ConstantTimeCompare([]byte(c.secret), []byte(f.Get("client_secret"))) != 1 {
		return oauthErr("invalid_client", "Client authentication failed: send client_id and client_secret as parameters"),
			http.StatusUnauthorized
	}
	now := time.Now()
	var username string
	var scopes []string
	switch f.Get("grant_type") {
	case "authorization_code":
		code := f.Get("code")
		ac := o.codes[code]
		if ac == nil || ac.clientID != c.id {
			return oauthErr("invalid_grant", "The authorization code is invalid or has been used"), http.StatusBadRequest
		}
		delete(o.codes, code) // single use, even when the rest of the request is wrong
		if f.Get("redirect_uri") != ac.redirectURI {
			return oauthErr("invalid_grant", "redirect_uri does not match the one authorized"), http.StatusBadRequest
		}
		if !pkceMatches(ac.challenge, f.Get("code_verifier")) {
			return oauthErr("invalid_grant", "code_verifier does not match the code_challenge"), http.StatusBadRequest
		}
		username, scopes = ac.username, ac.scopes
	case "refresh_token":
		if !o.refreshRedirectOptional {
			switch ru := f.Get("redirect_uri"); {
			case !f.Has("redirect_uri"):
				return oauthErr("invalid_request", "redirect_uri is required"), http.StatusBadRequest
			case ru != c.redirect:
				return oauthErr("invalid_grant", "redirect_uri does not match the client's"), http.StatusBadRequest
			}
		}
		rt := f.Get("refresh_token")
		g := o.refresh[rt]
		if g == nil || g.clientID != c.id || !now.Before(g.expires) {
			return oauthErr("invalid_grant", "The refresh token is invalid or expired"), http.StatusBadRequest
		}
		if !o.keepRefresh {
			delete(o.refresh, rt) // rotation: a refresh token works once
		}
		o.refreshes++
		username, scopes = g.username, g.scopes
	case "":
		return oauthErr("invalid_request", "grant_type is required"), http.StatusBadRequest
	default:
		return oauthErr("unsupported_grant_type", "Unsupported grant type"), http.StatusBadRequest
	}
	access := newSecret(30)
	s.tokens[access] = &token{username: username, scopes: scopes}
	o.expiry[access] = now.Add(o.accessLifetime)
	out := map[string]any{
		"access_token": access,
		"token_type":   "bearer",
		"expires_in":   int(o.accessLifetime / time.Second),
		"scope":        strings.Join(scopes, " "),
	}
	if f.Get("grant_type") == "authorization_code" || !o.keepRefresh {
		rt := newSecret(24)
		o.refresh[rt] = &dcRefreshGrant{clientID: c.id, username: username, scopes: scopes, expires: now.Add(o.refreshLifetime)}
		out["refresh_token"] = rt
	}
	return out, http.StatusOK
}

// pkceMatches checks a code_verifier against the S256 code_challenge of its code (RFC 7636): no
// challenge wants no verifier.
func pkceMatches(challenge, verifier string) bool {
	if challenge == "" {
		return verifier == ""
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}
