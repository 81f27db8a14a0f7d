package bitbuckettest

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// dcContextPath is the context path the Data Center fake serves under, as a real instance behind
// https://host/bitbucket does.
const dcContextPath = "/bitbucket"

// dcDefaultVersion is the version the Data Center fake reports unless SetVersion changes it.
const dcDefaultVersion = "9.4.3"

// Data Center exception names the fake puts in errors[].exceptionName.
const (
	excAuthentication   = "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"
	excAuthorisation    = "com.atlassian.bitbucket.AuthorisationException"
	excNoSuchProject    = "com.atlassian.bitbucket.project.NoSuchProjectException"
	excNoSuchRepo       = "com.atlassian.bitbucket.repository.NoSuchRepositoryException"
	excNoSuchUser       = "com.atlassian.bitbucket.user.NoSuchUserException"
	excNoSuchWebhook    = "com.atlassian.bitbucket.webhook.NoSuchWebhookException"
	excValidation       = "com.atlassian.bitbucket.validation.ArgumentValidationException"
	excBadRequest       = "com.atlassian.bitbucket.rest.exception.BadRequestException"
	excNoSuchResource   = "com.atlassian.bitbucket.rest.exception.NoSuchResourceException"
	msgNotPermitted     = "You are not permitted to access this resource"
	msgBadCredentials   = "Authentication failed. Please check your credentials and try again."
	dcAnonymousUsername = "anonymous"
	dcWebhookCreatedBy  = "bitbucket"
)

// PagingQuirk makes the Data Center fake's paged lists misbehave the way some real servers do.
type PagingQuirk int

const (
	// PagingNormal pages correctly. It is the default.
	PagingNormal PagingQuirk = iota
	// PagingStalled answers the last page of every list with isLastPage false and a nextPageStart
	// equal to the start it was asked for, so a client that follows it loops on the same page
	// (BSERV-12725).
	PagingStalled
	// PagingMissingNext answers the last page of every list with isLastPage false and no
	// nextPageStart.
	PagingMissingNext
)

// dcState is what only the Data Center fake keeps.
type dcState struct {
	version    string
	quirk      PagingQuirk
	nextHookID int
	hookSSL    map[string]bool // sslVerificationRequired by webhook id
	hookExtras map[string]dcHookExtras
	requestSeq atomic.Int64
	oauth      *dcOAuthState // the OAuth 2.0 provider (dc_oauth.go), made on first use
}

// NewServer starts a fake Bitbucket Data Center 9.4 on loopback. Its URL has the context path
// /bitbucket; pass it to server.New with the options from Options.
//
// It serves, under /rest/api/1.0 and /rest/api/latest, every resource the server package calls:
// application properties, users, projects and repositories, their branches, tags, commits, raw
// files and builds, and repository and project webhooks; plus the build-status 1.0 root,
// /plugins/servlet/applinks/whoami and the OAuth 2.0 endpoints. Each resource file of the fake
// registers its routes (dc_repos.go, dc_git.go, dc_webhooks.go, dc_tokens.go, dc_oauth.go).
//
// Authentication is a token seeded with AddToken, sent as "Authorization: Bearer <token>" or as the
// password of Basic auth with the token's username. A request with no Authorization header is
// anonymous and sees public projects and repositories only; one with credentials the fake does not
// know gets 401 (IncorrectPasswordAuthenticationException), on every path. Token scopes named
// REPO_READ, REPO_WRITE or REPO_ADMIN cap what the token may do below its user's permissions, on
// every endpoint; a token with none of them acts with its user's full permissions.
//
// Lists are paged as Data Center pages them: limit 25 by default, capped at 1000 (or SetPageLimit),
// and a nextPageStart that is not start+limit, so a client that computes the next start itself gets
// the wrong items.
func NewServer() *Server {
	s := newServer(bitbucket.Server, dcContextPath)
	s.dc = &dcState{version: dcDefaultVersion, hookSSL: map[string]bool{}, hookExtras: map[string]dcHookExtras{}}
	s.start(s.dcHandler())
	return s
}

// SetVersion makes the Data Center fake report version v (such as "7.21.0") from
// application-properties, and behave as that version where the fake knows a difference: webhook
// events introduced later are refused; before 8.0 the repos filters projectkey and archived are
// ignored; before 7.0 there is no default-branch resource (branches/default answers); before 7.4
// build statuses go to the build-status 1.0 root only; before 9.2 CANCELLED is not a build state;
// and from 10.0 webhook and commit dates are ISO-8601 strings instead of epoch milliseconds.
// Versions 5.x to 10.x are modelled.
func (s *Server) SetVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dc.version = v
}

// SetPagingQuirk makes every paged list of the Data Center fake misbehave as q says.
func (s *Server) SetPagingQuirk(q PagingQuirk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dc.quirk = q
}

// dcCaller is who a request acts as.
type dcCaller struct {
	username string // "" when anonymous
	u        *user  // nil when anonymous or not a seeded user
	cap      bitbucket.Permission
	// limit is the token's own ceiling (AddLimitedToken); admin for any other token.
	limit bitbucket.Permission
}

func (c dcCaller) anonymous() bool { return c.username == "" }

// dcHandlerFunc handles one authenticated (or anonymous) Data Center request.
type dcHandlerFunc func(w http.ResponseWriter, r *http.Request, c dcCaller)

// dcRouter registers h for method and path under both REST API versions (1.0 and latest); path
// is as the OpenAPI document writes it after /rest/api/1.0.
type dcRouter func(method, path string, h dcHandlerFunc)

// dcHandler routes the Data Center API. Each resource file registers its own routes, beside
// their handlers.
func (s *Server) dcHandler() http.Handler {
	mux := http.NewServeMux()
	api := func(method, path string, h dcHandlerFunc) {
		for _, v := range []string{"1.0", "latest"} {
			mux.Handle(method+" "+dcContextPath+"/rest/api/"+v+path, s.dcAuth(h))
		}
	}
	api("GET", "/application-properties", s.dcApplicationProperties)
	api("GET", "/users/{slug}", s.dcGetUser)
	mux.Handle("GET "+dcContextPath+"/plugins/servlet/applinks/whoami", s.dcAuth(s.dcWhoami))
	s.dcRepoRoutes(api)
	s.dcGitRoutes(api, mux)
	s.dcTokenRoutes(api)
	s.dcWebhookRoutes(api)
	s.dcOAuthRoutes(mux)
	mux.Handle("/", s.dcAuth(func(w http.ResponseWriter, r *http.Request, _ dcCaller) {
		s.writeError(w, http.StatusNotFound, "The requested resource does not exist.", excNoSuchResource)
	}))
	return mux
}

// dcAuth resolves the caller, refuses unknown credentials, and sets the response headers Data
// Center adds (X-AREQUESTID; X-AUSERNAME and X-AUSERID when authenticated).
func (s *Server) dcAuth(h dcHandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-AREQUESTID", "@FAKE"+itoa(int(s.dc.requestSeq.Add(1)))+"x0x1")
		c, ok := s.dcCallerOf(r)
		if !ok {
			w.Header().Set("X-AUSERNAME", dcAnonymousUsername)
			w.Header().Set("WWW-Authenticate", `Basic realm="Bitbucket"`)
			s.writeError(w, http.StatusUnauthorized, msgBadCredentials, excAuthentication)
			return
		}
		if !c.anonymous() {
			w.Header().Set("X-AUSERNAME", c.username)
			if c.u != nil {
				w.Header().Set("X-AUSERID", itoa(c.u.id))
			}
		}
		h(w, r, c)
	})
}

// dcCallerOf authenticates r; ok is false for credentials the fake does not accept.
func (s *Server) dcCallerOf(r *http.Request) (dcCaller, bool) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return dcCaller{cap: bitbucket.PermissionRead, limit: bitbucket.PermissionRead}, true
	}
	scheme, cred, _ := strings.Cut(authz, " ")
	cred = strings.TrimSpace(cred)
	s.mu.Lock()
	defer s.mu.Unlock()
	var tok *token
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if !s.dcOAuthExpiredLocked(cred) {
			tok = s.tokens[cred]
		}
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return dcCaller{}, false
		}
		name, pass, ok := strings.Cut(string(raw), ":")
		if t := s.tokens[pass]; ok && t != nil && t.username != "" && strings.EqualFold(t.username, name) {
			tok = t
		}
	}
	if tok == nil || tok.username == "" {
		return dcCaller{}, false
	}
	c := dcCaller{username: tok.username, u: s.users[tok.username], cap: dcTokenCap(tok.scopes), limit: bitbucket.PermissionAdmin}
	if tok.limited {
		c.limit = tok.maxPerm
	}
	return c, true
}

// dcTokenCap is the highest repository permission a Data Center token's scopes allow: the highest of
// REPO_READ, REPO_WRITE and REPO_ADMIN it holds, or admin when it names none of them.
func dcTokenCap(scopes []string) bitbucket.Permission {
	levels := map[string]bitbucket.Permission{"REPO_READ": bitbucket.PermissionRead,
		"REPO_WRITE": bitbucket.PermissionWrite, "REPO_ADMIN": bitbucket.PermissionAdmin}
	c, named := bitbucket.PermissionNone, false
	for _, sc := range scopes {
		if p, ok := levels[strings.ToUpper(sc)]; ok {
			c, named = max(c, p), true
		}
	}
	if !named {
		return bitbucket.PermissionAdmin
	}
	return c
}

// dcEffectiveLocked is what c may do on ref: its user's permission capped by its token's scopes
// and, for a limited token, by the token's own ceiling.
func (s *Server) dcEffectiveLocked(c dcCaller, ref bitbucket.RepoRef) bitbucket.Permission {
	return min(s.permissionLocked(c.username, ref), c.cap, c.limit)
}

// dcOwnerLocked is what c's user may do on ref, capped by the token's scopes but not by a limited
// token's ceiling: what the permission filter of GET /repos answers, pessimistically assumed to
// speak for the token's owner.
func (s *Server) dcOwnerLocked(c dcCaller, ref bitbucket.RepoRef) bitbucket.Permission {
	return min(s.permissionLocked(c.username, ref), c.cap)
}

// dcApplicationProperties answers GET application-properties, which needs no authentication.
func (s *Server) dcApplicationProperties(w http.ResponseWriter, _ *http.Request, _ dcCaller) {
	s.mu.Lock()
	v := s.dc.version
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{
		"version":     v,
		"buildNumber": dcBuildNumber(v),
		"buildDate":   "1767225600000",
		"displayName": "Bitbucket",
	})
}

// dcBuildNumber turns "9.4.3" into "9004003", the way Data Center numbers its builds.
func dcBuildNumber(v string) string {
	maj, minor, patch := dcParseVersion(v)
	return itoa(maj*1000000 + minor*1000 + patch)
}

// dcParseVersion reads "major.minor.patch"; missing or bad parts are 0.
func dcParseVersion(v string) (maj, minor, patch int) {
	parts := strings.SplitN(v, ".", 3)
	nums := make([]int, 3)
	for i, p := range parts {
		n := 0
		for _, ch := range p {
			if ch < '0' || ch > '9' {
				break
			}
			n = n*10 + int(ch-'0')
			if n > 1000000 {
				break
			}
		}
		nums[i] = n
	}
	return nums[0], nums[1], nums[2]
}

// dcVersionAtLeastLocked reports whether the fake's version is at least maj.minor.
func (s *Server) dcVersionAtLeastLocked(maj, minor int) bool {
	a, b, _ := dcParseVersion(s.dc.version)
	return a > maj || (a == maj && b >= minor)
}

// dcWhoami answers the applinks whoami servlet: the caller's username as plain text, or 401 with
// X-AUSERNAME: anonymous when the request carries no credentials.
func (s *Server) dcWhoami(w http.ResponseWriter, _ *http.Request, c dcCaller) {
	w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	if c.anonymous() {
		w.Header().Set("X-AUSERNAME", dcAnonymousUsername)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	_, _ = w.Write([]byte(c.username))
}

// dcGetUser answers GET users/{slug} with a RestApplicationUser.
func (s *Server) dcGetUser(w http.ResponseWriter, r *http.Request, c dcCaller) {
	if c.anonymous() {
		s.writeError(w, http.StatusUnauthorized, msgNotPermitted, excAuthorisation)
		return
	}
	slug := r.PathValue("slug")
	s.mu.Lock()
	var found *user
	for name, u := range s.users {
		if strings.EqualFold(name, slug) {
			found = u
		}
	}
	var body dcUserJSON
	if found != nil {
		body = dcUser(found)
	}
	s.mu.Unlock()
	if found == nil {
		s.writeError(w, http.StatusNotFound, "User "+slug+" does not exist.", excNoSuchUser)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// dcUserJSON is a RestApplicationUser.
type dcUserJSON struct {
	Name         string `json:"name"`
	EmailAddress string `json:"emailAddress,omitempty"`
	ID           int    `json:"id"`
	DisplayName  string `json:"displayName"`
	Active       bool   `json:"active"`
	Slug         string `json:"slug"`
	Type         string `json:"type"`
}

func dcUser(u *user) dcUserJSON {
	display := u.DisplayName
	if display == "" {
		display = u.Username
	}
	return dcUserJSON{Name: u.Username, EmailAddress: u.Email, ID: u.id, DisplayName: display, Active: true,
		Slug: strings.ToLower(u.Username), Type: "NORMAL"}
}

// dcFindNamespaceLocked looks a project key up case-insensitively, as Data Center does.
func (s *Server) dcFindNamespaceLocked(key string) *namespace {
	if ns, ok := s.namespaces[key]; ok {
		return ns
	}
	for k, ns := range s.namespaces {
		if strings.EqualFold(k, key) {
			return ns
		}
	}
	return nil
}

// dcFindRepoLocked looks a repository up by project key (case-insensitive) and slug.
func (s *Server) dcFindRepoLocked(key, slug string) (*namespace, *repository) {
	ns := s.dcFindNamespaceLocked(key)
	if ns == nil {
		return nil, nil
	}
	r := s.repos[bitbucket.RepoRef{Namespace: ns.Key, Slug: slug}]
	if r == nil {
		for ref, cand := range s.repos {
			if ref.Namespace == ns.Key && strings.EqualFold(ref.Slug, slug) {
				r = cand
			}
		}
	}
	return ns, r
}

// dcSortedReposLocked returns every repository, by project key then slug.
func (s *Server) dcSortedReposLocked() []*repository {
	out := make([]*repository, 0, len(s.repos))
	for _, r := range s.repos {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *repository) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Slug, b.Slug)
	})
	return out
}
