package bitbuckettest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Server is an in-process fake of Bitbucket Cloud (NewCloud) or Data Center (NewServer), listening
// on loopback. Seed it with users, namespaces, repositories and permissions; inject faults; count
// requests. All methods are safe for concurrent use.
type Server struct {
	provider bitbucket.Provider
	ts       *httptest.Server
	// prefix is the path the API hangs under: a context path such as "/bitbucket" on Data Center,
	// "/2.0" on Cloud.
	prefix string

	mu         sync.Mutex
	nextID     int
	users      map[string]*user // by username
	tokens     map[string]*token
	namespaces map[string]*namespace // by key
	nsOrder    []string
	repos      map[bitbucket.RepoRef]*repository
	perms      map[grantKey]bitbucket.Permission
	hooks      map[bitbucket.RepoRef][]*hook
	nsHooks    map[string][]*hook // inherited hooks: Data Center project hooks, Cloud workspace hooks
	// legacyStatuses are Data Center statuses reported through build-status 1.0, by commit.
	legacyStatuses map[string][]StatusInfo
	faults         []*fault
	latency        time.Duration
	counts         map[string]int // "METHOD /path" (path without the prefix and query)
	pageLimit      int            // the most items a page may hold; the provider's maximum by default

	cloud *cloudState // Cloud-only state (access tokens, OAuth, workspace members); nil on Data Center
	dc    *dcState    // Data Center-only state (version, paging quirk, webhook ids); nil on Cloud

	delivery deliveryState // webhook delivery side: clock, circuit breakers (deliver_state.go)
}

// User is an account seeded on a fake.
type User struct {
	Username    string // Cloud nickname; Data Center user slug
	DisplayName string
	Email       string
}

// Namespace is a Cloud workspace or a Data Center project seeded on a fake.
type Namespace struct {
	Key      string // workspace slug or project key ("~user" for a personal project)
	Name     string
	Personal bool
	Public   bool // Data Center: every user may read the project's repositories
}

// Repository is a repository seeded on a fake.
type Repository struct {
	Namespace     string
	Slug          string
	Name          string // defaults to Slug
	Description   string
	Archived      bool
	DefaultBranch string // defaults to "main"
	Project       string // Cloud project key; Data Center: always the namespace
	// Public makes the repository readable by everyone who can log in (Data Center) or by anyone
	// (Cloud, where is_private is its opposite). Repositories are private by default.
	Public bool
}

type user struct {
	User
	id   int
	uuid string
}

type token struct {
	username string   // "" for a Cloud access token, which has no user
	scopes   []string // granted scopes, reported in X-OAuth-Scopes on Cloud
	// ns and repo restrict a Cloud workspace, project or repository access token.
	ns   string
	repo bitbucket.RepoRef
	kind string // X-Credential-Type on Cloud
	// limited tokens act with at most maxPerm, whatever their user holds (AddLimitedToken).
	limited bool
	maxPerm bitbucket.Permission
}

type namespace struct {
	Namespace
	id   int
	uuid string
}

type repository struct {
	Repository
	id      int
	uuid    string
	created time.Time
	updated time.Time
	git     *gitData // branches, files and statuses; made on first use (gitLocked)
}

type grantKey struct {
	username string
	repo     bitbucket.RepoRef // Slug "" grants on the whole namespace
}

type hook struct {
	id          string
	url         string
	description string
	events      []string
	active      bool
	secret      string
	created     time.Time
	updated     time.Time
}

type fault struct {
	remaining  int
	status     int
	retryAfter string // header value, "" for none
	reset      bool
	match      string // path substring the fault applies to; "" for any
}

func newServer(p bitbucket.Provider, prefix string) *Server {
	s := &Server{
		provider:       p,
		prefix:         prefix,
		users:          map[string]*user{},
		tokens:         map[string]*token{},
		namespaces:     map[string]*namespace{},
		repos:          map[bitbucket.RepoRef]*repository{},
		perms:          map[grantKey]bitbucket.Permission{},
		hooks:          map[bitbucket.RepoRef][]*hook{},
		nsHooks:        map[string][]*hook{},
		legacyStatuses: map[string][]StatusInfo{},
		counts:         map[string]int{},
	}
	return s
}

// start serves h behind the fault-injection and counting middleware.
func (s *Server) start(h http.Handler) {
	s.ts = httptest.NewServer(s.middleware(h))
}

// URL is what to pass to cloud's WithBaseURL or to server.New: the API root of the fake, with its
// context path.
func (s *Server) URL() string { return s.ts.URL + s.prefix }

// Origin is the fake's scheme, host and port, with no path.
func (s *Server) Origin() string { return s.ts.URL }

// Close shuts the fake down.
func (s *Server) Close() { s.ts.Close() }

// Options returns the client options a test needs to reach the fake: loopback allowed by the host
// policy, plus, on Cloud, the base URL.
func (s *Server) Options() []bitbucket.Option {
	opts := []bitbucket.Option{bitbucket.WithAllowedHosts(
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))}
	if s.provider == bitbucket.Cloud {
		opts = append(opts, bitbucket.WithBaseURL(s.URL()))
	}
	return opts
}

// AddUser seeds an account. Give it a token with AddToken.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.users[u.Username] = &user{User: u, id: s.nextID, uuid: fakeUUID(s.nextID)}
}

// AddToken makes tok authenticate as username with the given scopes.
func (s *Server) AddToken(tok, username string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = &token{username: username, scopes: scopes}
}

// AddNamespace seeds a workspace or project.
func (s *Server) AddNamespace(ns Namespace) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.namespaces[ns.Key]; !ok {
		s.nsOrder = append(s.nsOrder, ns.Key)
	}
	s.nextID++
	s.namespaces[ns.Key] = &namespace{Namespace: ns, id: s.nextID, uuid: fakeUUID(s.nextID)}
}

// AddRepository seeds a repository; its namespace is created if missing.
func (s *Server) AddRepository(r Repository) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addRepositoryLocked(r)
}

// AddRepositories seeds n repositories named prefix-00001, prefix-00002, … in namespace ns.
func (s *Server) AddRepositories(ns, prefix string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 1; i <= n; i++ {
		s.addRepositoryLocked(Repository{Namespace: ns, Slug: prefix + "-" + pad5(i)})
	}
}

func (s *Server) addRepositoryLocked(r Repository) {
	if _, ok := s.namespaces[r.Namespace]; !ok {
		s.nextID++
		s.nsOrder = append(s.nsOrder, r.Namespace)
		s.namespaces[r.Namespace] = &namespace{Namespace: Namespace{Key: r.Namespace, Name: r.Namespace,
			Personal: strings.HasPrefix(r.Namespace, "~")}, id: s.nextID, uuid: fakeUUID(s.nextID)}
	}
	if r.Name == "" {
		r.Name = r.Slug
	}
	if r.DefaultBranch == "" {
		r.DefaultBranch = "main"
	}
	if r.Project == "" || s.provider == bitbucket.Server {
		r.Project = r.Namespace
	}
	s.nextID++
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.nextID) * time.Minute)
	s.repos[bitbucket.RepoRef{Namespace: r.Namespace, Slug: r.Slug}] = &repository{Repository: r, id: s.nextID,
		uuid: fakeUUID(s.nextID), created: t, updated: t}
}

// Grant gives username permission p on repo. A repo with an empty Slug grants p on every
// repository of the namespace.
func (s *Server) Grant(username string, repo bitbucket.RepoRef, p bitbucket.Permission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perms[grantKey{username, repo}] = p
}

// permissionLocked is the highest permission username holds on repo, by grant or publicity.
func (s *Server) permissionLocked(username string, ref bitbucket.RepoRef) bitbucket.Permission {
	r, ok := s.repos[ref]
	if !ok {
		return bitbucket.PermissionNone
	}
	p := max(s.perms[grantKey{username, ref}], s.perms[grantKey{username, bitbucket.RepoRef{Namespace: ref.Namespace}}])
	if r.Public || s.namespaces[ref.Namespace].Public {
		p = max(p, bitbucket.PermissionRead)
	}
	return p
}

// SetPageLimit caps how many items one page may hold, below the provider's maximum.
func (s *Server) SetPageLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageLimit = n
}

// SetLatency delays every response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// FailNext answers the next n requests with status and a provider-shaped error body.
func (s *Server) FailNext(n, status int) { s.addFault(&fault{remaining: n, status: status}) }

// FailNextMatching answers the next n requests whose path contains substr with status.
func (s *Server) FailNextMatching(n, status int, substr string) {
	s.addFault(&fault{remaining: n, status: status, match: substr})
}

// RateLimitNext answers the next n requests with 429; retryAfter 0 sends no Retry-After header.
func (s *Server) RateLimitNext(n int, retryAfter time.Duration) {
	f := &fault{remaining: n, status: http.StatusTooManyRequests}
	if retryAfter > 0 {
		f.retryAfter = itoa(int(retryAfter.Round(time.Second) / time.Second))
	}
	s.addFault(f)
}

// ResetNext drops the connection of the next n requests without an answer.
func (s *Server) ResetNext(n int) { s.addFault(&fault{remaining: n, reset: true}) }

func (s *Server) addFault(f *fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// Requests returns how many requests were made with method to path, the path given without the
// API prefix and without a query (for example "/rest/api/1.0/repos" or "/repositories/ws").
func (s *Server) Requests(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method+" "+path]
}

// RequestLog returns every "METHOD /path" seen and its count, sorted by path.
func (s *Server) RequestLog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.counts))
	for k, n := range s.counts {
		out = append(out, k+" x"+itoa(n))
	}
	sort.Strings(out)
	return out
}

// TotalRequests returns how many requests the fake has received.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// middleware counts each request, then applies latency and the first matching fault.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, s.prefix)
		s.mu.Lock()
		s.counts[r.Method+" "+path]++
		latency := s.latency
		var hit *fault
		for i, f := range s.faults {
			if f.match == "" || strings.Contains(path, f.match) {
				hit = f
				f.remaining--
				if f.remaining <= 0 {
					s.faults = append(s.faults[:i], s.faults[i+1:]...)
				}
				break
			}
		}
		s.mu.Unlock()
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		if hit == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch {
		case hit.reset:
			resetConnection(w)
		case hit.status == http.StatusTooManyRequests && s.provider == bitbucket.Cloud:
			if hit.retryAfter != "" {
				w.Header().Set("Retry-After", hit.retryAfter)
			}
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(hit.status)
			_, _ = w.Write([]byte("Rate limit for this resource has been exceeded"))
		default:
			if hit.retryAfter != "" {
				w.Header().Set("Retry-After", hit.retryAfter)
			}
			s.writeError(w, hit.status, http.StatusText(hit.status), "")
		}
	})
}

// resetConnection closes the client's connection without an HTTP answer.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // send RST rather than FIN
	}
	_ = conn.Close()
}

// writeError writes the provider's error envelope. exception is the Data Center exceptionName.
func (s *Server) writeError(w http.ResponseWriter, status int, message, exception string) {
	if s.provider == bitbucket.Cloud {
		writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"message": message}})
		return
	}
	var exc any
	if exception != "" {
		exc = exception
	}
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"context": nil, "message": message, "exceptionName": exc}}})
}
