package bitbuckettest

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// cloudState is what only the Cloud fake keeps. It is guarded by Server.mu.
type cloudState struct {
	apiTokens   map[apiTokenKey]*token // Basic email + API token
	members     map[memberKey]bool     // workspace membership; the value is the administrator flag
	removedHits int                    // requests that reached a CHANGE-2770 endpoint
	cursors     map[string]int         // opaque page token → offset of the page it starts
	// adminsUnlisted leaves workspace administrators' implicit rights out of
	// /user/workspaces/{workspace}/permissions/repositories (SetAdminRightsUnlisted).
	adminsUnlisted bool

	// OAuth (oauth.go).
	consumers map[string]*consumer
	codes     map[string]*authCode
	refresh   map[string]*refreshGrant
	expiry    map[string]time.Time // OAuth access token → expiry
	lifetime  time.Duration
	refreshes int
	oauthUser string
}

type apiTokenKey struct{ email, secret string }

type memberKey struct{ username, workspace string }

// The X-Credential-Type values the Cloud fake reports.
const (
	credOAuth2    = "oauth2"
	credAPIToken  = "apikey"
	credRepo      = "repo_access_token"
	credProject   = "project_access_token"
	credWorkspace = "workspace_access_token"
)

// NewCloud starts a fake Bitbucket Cloud: the REST 2.0 API under URL() (origin + "/2.0") and the
// OAuth 2.0 endpoints under OAuthSiteURL() + "/site/oauth2/". Close it when done.
//
// Credentials: Bearer tokens from AddToken (X-Credential-Type "oauth2"), AddAccessToken
// (repository, project and workspace access tokens) and OAuth access tokens issued by the fake;
// HTTP Basic with an email and an API token from AddAPIToken. Requests without credentials see
// public repositories only.
//
// Deliberate choices where the real service is not documented or cannot be mirrored exactly:
//   - GET /user with an access token answers 403 with the Cloud error envelope (the token has no
//     account); /user/workspaces and the permission endpoints answer 403 for them too.
//   - pagelen above 100 is capped at 100 (SetPageLimit lowers the cap); pagelen below 1 or not a
//     number is a 400. Page links carry an opaque, unpredictable page token, and the envelope has
//     no "page" number; "size" is given unless q filters the list.
//   - A token seeded with no scopes holds every classic scope (an API token: every granular one).
//   - Clone links use ssh:// URLs so that they are URIs, as the spec requires of links.
//   - The removed CHANGE-2770 endpoints answer 410; RemovedEndpointHits counts the requests.
func NewCloud() *Server {
	s := newServer(bitbucket.Cloud, "/2.0")
	s.cloud = &cloudState{
		apiTokens: map[apiTokenKey]*token{},
		members:   map[memberKey]bool{},
		cursors:   map[string]int{},
		consumers: map[string]*consumer{},
		codes:     map[string]*authCode{},
		refresh:   map[string]*refreshGrant{},
		expiry:    map[string]time.Time{},
		lifetime:  2 * time.Hour,
	}
	s.start(http.HandlerFunc(s.serveCloud))
	return s
}

// AddAPIToken makes HTTP Basic email:secret authenticate as username, as an Atlassian API token
// does, with the given granular scopes (for example "read:repository:bitbucket"). No scopes means
// every scope.
func (s *Server) AddAPIToken(email, secret, username string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cloudLocked().apiTokens[apiTokenKey{email, secret}] = &token{username: username, scopes: scopes, kind: credAPIToken}
}

// AddAccessToken seeds a Cloud access token of kind "repo", "project" or "workspace". It has no
// user and reaches only scope: for a repository token the repository scope.Namespace/scope.Slug,
// for a project token the repositories of project key scope.Slug in workspace scope.Namespace, for
// a workspace token every repository of workspace scope.Namespace. Its classic scopes (for
// example "repository", "webhook") decide what it may do; none means repository, repository:write,
// repository:admin, pullrequest, pullrequest:write and webhook. Any other kind panics.
func (s *Server) AddAccessToken(tok, kind string, scope bitbucket.RepoRef, scopes ...string) {
	var cred string
	switch kind {
	case "repo":
		cred = credRepo
	case "project":
		cred = credProject
	case "workspace":
		cred = credWorkspace
		scope.Slug = ""
	default:
		panic("bitbuckettest: AddAccessToken: kind must be repo, project or workspace")
	}
	if len(scopes) == 0 {
		scopes = []string{"repository", "repository:write", "repository:admin", "pullrequest", "pullrequest:write", "webhook"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = &token{scopes: scopes, ns: scope.Namespace, repo: scope, kind: cred}
}

// AddWorkspaceMember makes username a member of workspace ws; an administrator holds admin on
// every repository of it. A plain member gains no repository access by membership alone, but the
// workspace is listed by /user/workspaces.
func (s *Server) AddWorkspaceMember(username, ws string, admin bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.namespaces[ws]; !ok {
		s.nextID++
		s.nsOrder = append(s.nsOrder, ws)
		s.namespaces[ws] = &namespace{Namespace: Namespace{Key: ws, Name: ws}, id: s.nextID, uuid: fakeUUID(s.nextID)}
	}
	s.cloudLocked().members[memberKey{username, ws}] = admin
}

// RemovedEndpointHits returns how many requests reached an endpoint Bitbucket Cloud removed under
// CHANGE-2770 (GET /repositories, /workspaces, /user/permissions/repositories,
// /user/permissions/workspaces). A client that is up to date makes none.
func (s *Server) RemovedEndpointHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cloudLocked().removedHits
}

// cloudLocked returns the Cloud state, failing loudly when a Cloud-only method is called on a
// Data Center fake.
func (s *Server) cloudLocked() *cloudState {
	if s.cloud == nil {
		panic("bitbuckettest: Cloud-only method called on a Data Center fake")
	}
	return s.cloud
}

// serveCloud routes every request the Cloud fake receives.
func (s *Server) serveCloud(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/site/oauth2/") {
		s.serveOAuth(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), s.prefix+"/")
	if !ok {
		s.writeError(w, http.StatusNotFound, "Resource not found", "")
		return
	}
	seg, ok := splitPath(rest)
	if !ok {
		s.writeError(w, http.StatusNotFound, "Resource not found", "")
		return
	}
	if isRemovedCloudEndpoint(seg) {
		s.mu.Lock()
		s.cloud.removedHits++
		s.mu.Unlock()
		writeJSON(w, http.StatusGone, change2770Body())
		return
	}
	c, ok := s.cloudCaller(w, r)
	if !ok {
		return
	}
	for _, serve := range []func(http.ResponseWriter, *http.Request, *caller, []string) bool{
		s.serveCloudRepos, s.serveCloudGit, s.serveCloudHooks,
	} {
		if serve(w, r, c, seg) {
			return
		}
	}
	s.writeError(w, http.StatusNotFound, "Resource not found", "")
}

// onlyMethods calls h when the request's method is one of methods, and answers 405 otherwise.
func (s *Server) onlyMethods(w http.ResponseWriter, r *http.Request, c *caller,
	h func(http.ResponseWriter, *http.Request, *caller), methods ...string) {
	for _, m := range methods {
		if r.Method == m {
			h(w, r, c)
			return
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	s.writeError(w, http.StatusMethodNotAllowed, "Method not allowed", "")
}

// splitPath splits an escaped path into unescaped segments, ignoring one trailing slash.
func splitPath(escaped string) ([]string, bool) {
	escaped = strings.TrimSuffix(escaped, "/")
	if escaped == "" {
		return nil, true
	}
	parts := strings.Split(escaped, "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

// match reports whether seg has the shape of pattern, where "*" matches any one segment.
func match(seg []string, pattern ...string) bool {
	if len(seg) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		if p != "*" && p != seg[i] {
			return false
		}
	}
	return true
}

// isRemovedCloudEndpoint reports the endpoints that answer 410 since CHANGE-2770.
func isRemovedCloudEndpoint(seg []string) bool {
	return match(seg, "repositories") || match(seg, "workspaces") ||
		match(seg, "user", "permissions", "repositories") || match(seg, "user", "permissions", "workspaces")
}

func change2770Body() map[string]any {
	return map[string]any{"type": "error", "error": map[string]any{
		"message": "CHANGE-2770 - Functionality has been deprecated",
		"detail":  "Please read the changelog entry for more details.",
		"data":    map[string]any{"announcement_url": "https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"},
	}}
}

// writeCloudError writes the Cloud error envelope with a detail string.
func writeCloudError(w http.ResponseWriter, status int, message, detail string) {
	e := map[string]any{"message": message}
	if detail != "" {
		e["detail"] = detail
	}
	writeJSON(w, status, map[string]any{"type": "error", "error": e})
}
