package bitbuckettest

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"
)

// caller is who a Cloud request acts as.
type caller struct {
	tok *token // nil for an anonymous request
}

// anonymous reports a request without credentials.
func (c *caller) anonymous() bool { return c.tok == nil }

// accessToken reports a repository, project or workspace access token, which has no user.
func (c *caller) accessToken() bool {
	return c.tok != nil && (c.tok.kind == credRepo || c.tok.kind == credProject || c.tok.kind == credWorkspace)
}

// username is the account the caller acts as; "" for anonymous requests and access tokens.
func (c *caller) username() string {
	if c.tok == nil || c.accessToken() {
		return ""
	}
	return c.tok.username
}

// classicScopes are what a token seeded without scopes holds.
var classicScopes = []string{"account", "email", "project", "repository", "repository:write", "repository:admin",
	"pullrequest", "pullrequest:write", "webhook"}

// granularScopes are what an API token seeded without scopes holds.
var granularScopes = []string{"read:user:bitbucket", "read:workspace:bitbucket", "read:repository:bitbucket",
	"write:repository:bitbucket", "admin:repository:bitbucket", "read:pullrequest:bitbucket",
	"read:webhook:bitbucket", "write:webhook:bitbucket", "delete:webhook:bitbucket", "read:permission:bitbucket"}

// scopes returns the scopes the caller holds.
func (c *caller) scopes() []string {
	switch {
	case c.tok == nil:
		return nil
	case len(c.tok.scopes) > 0:
		return c.tok.scopes
	case c.tok.kind == credAPIToken:
		return granularScopes
	}
	return classicScopes
}

// impliedBy lists, for each classic scope, the scopes that grant it.
var impliedBy = map[string][]string{
	"repository":       {"repository", "repository:write", "pullrequest", "pullrequest:write"},
	"repository:write": {"repository:write", "pullrequest:write"},
	"pullrequest":      {"pullrequest", "pullrequest:write"},
	"account":          {"account", "account:write"},
	"project":          {"project", "project:admin"},
}

// need is what an operation requires: classic scopes for OAuth and access tokens, granular scopes
// for API tokens.
type need struct{ classic, granular []string }

// missing returns the required scopes the caller lacks; anonymous callers lack nothing here (what
// they may see is decided by visibility).
func (c *caller) missing(n need) []string {
	if c.tok == nil {
		return nil
	}
	held := c.scopes()
	var out []string
	if c.tok.kind == credAPIToken {
		for _, g := range n.granular {
			if !slices.Contains(held, g) {
				out = append(out, g)
			}
		}
		return out
	}
	for _, sc := range n.classic {
		grants := impliedBy[sc]
		if grants == nil {
			grants = []string{sc}
		}
		if !slices.ContainsFunc(held, func(h string) bool { return slices.Contains(grants, h) }) {
			out = append(out, sc)
		}
	}
	return out
}

// scopeError is the 403 Cloud sends when credentials lack a scope, or nil when c holds n.
func (c *caller) scopeError(n need) *answer {
	m := c.missing(n)
	if len(m) == 0 {
		return nil
	}
	a := errorAnswer(http.StatusForbidden, "Your credentials lack one or more required privilege scopes.",
		"required: "+strings.Join(m, ", ")+"; granted: "+strings.Join(c.scopes(), ", "))
	return &a
}

// The operations' scope requirements ([CSPEC] security and x-atlassian-oauth2-scopes).
var (
	needAccount    = need{[]string{"account"}, []string{"read:user:bitbucket"}}
	needEmail      = need{[]string{"email"}, []string{"read:user:bitbucket"}}
	needWorkspaces = need{[]string{"account"}, []string{"read:workspace:bitbucket"}}
	needRepo       = need{[]string{"repository"}, []string{"read:repository:bitbucket"}}
	needPerms      = need{[]string{"account", "repository"}, []string{"read:repository:bitbucket"}}
	needHookRead   = need{[]string{"webhook"}, []string{"read:webhook:bitbucket"}}
	needHookWrite  = need{[]string{"webhook"}, []string{"read:webhook:bitbucket", "write:webhook:bitbucket"}}
	needHookDelete = need{[]string{"webhook"}, []string{"delete:webhook:bitbucket"}}
)

// cloudCaller authenticates r. It writes a 401 and returns false for credentials it does not
// know; otherwise it sets X-OAuth-Scopes and X-Credential-Type on the response.
func (s *Server) cloudCaller(w http.ResponseWriter, r *http.Request) (*caller, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return &caller{}, true
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	s.mu.Lock()
	var tok *token
	expired := false
	switch strings.ToLower(scheme) {
	case "bearer":
		tok = s.tokens[cred]
		if exp, ok := s.cloud.expiry[cred]; ok && tok != nil && !time.Now().Before(exp) {
			tok, expired = nil, true
		}
	case "basic":
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if email, secret, ok := strings.Cut(string(raw), ":"); ok {
				tok = s.cloud.apiTokens[apiTokenKey{email, secret}]
			}
		}
	}
	s.mu.Unlock()
	if tok == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api.bitbucket.org"`)
		if expired {
			writeCloudError(w, http.StatusUnauthorized, "Access token expired. Use your refresh token to obtain a new access token.", "")
		} else {
			writeCloudError(w, http.StatusUnauthorized, "Token is invalid, expired, or not supported for this endpoint.", "")
		}
		return nil, false
	}
	c := &caller{tok: tok}
	kind := tok.kind
	if kind == "" {
		kind = credOAuth2
	}
	w.Header().Set("X-OAuth-Scopes", strings.Join(c.scopes(), ", "))
	w.Header().Set("X-Credential-Type", kind)
	return c, true
}
