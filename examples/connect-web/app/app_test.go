package app

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// harness runs the application on a loopback httptest server, on the demo fakes.
type harness struct {
	t      *testing.T
	demo   *Demo
	app    *App
	srv    *httptest.Server
	client *http.Client // a browser: cookie jar, follows redirects
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	var handler atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	demo := StartDemo(srv.URL)
	t.Cleanup(demo.Close)
	cfg := demo.Config()
	if mutate != nil {
		mutate(&cfg)
	}
	a, h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	handler.Store(h)
	return &harness{t: t, demo: demo, app: a, srv: srv, client: newBrowser(t)}
}

func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// noRedirect returns a client sharing c's cookies that does not follow redirects.
func noRedirect(c *http.Client) *http.Client {
	return &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type response struct {
	status int
	body   string
	url    *url.URL // the final URL after redirects
	loc    string   // Location, when not followed
}

func do(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, body: string(b), url: resp.Request.URL, loc: resp.Header.Get("Location")}
}

func (h *harness) get(c *http.Client, path string) response {
	h.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = h.srv.URL + path
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(h.t, c, req)
}

func (h *harness) post(c *http.Client, path string, form url.Values) response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(h.t, c, req)
}

// connCount returns how many connections the application holds.
func (h *harness) connCount() int {
	h.app.mu.Lock()
	defer h.app.mu.Unlock()
	return len(h.app.conns)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf opens the self-hosted form with c and returns the session's CSRF token.
func (h *harness) csrf(c *http.Client) string {
	h.t.Helper()
	r := h.get(c, "/server")
	m := csrfRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		h.t.Fatalf("home page: status %d, no CSRF token", r.status)
	}
	return m[1]
}

// startCloud posts "Connect Bitbucket Cloud" and returns the consent URL it redirects to.
func (h *harness) startCloud(c *http.Client) string {
	h.t.Helper()
	r := h.post(noRedirect(c), "/cloud/connect", url.Values{"csrf": {h.csrf(c)}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.loc, h.demo.Cloud.OAuthAuthorizeURL()+"?") {
		h.t.Fatalf("connect cloud: status %d, Location %q; want 303 to the consent page", r.status, r.loc)
	}
	return r.loc
}

var connRE = regexp.MustCompile(`^/c/([A-Za-z0-9_-]+)/repos$`)

// connectCloud runs the whole Cloud flow as the demo user and returns the connection id and the
// repository page.
func (h *harness) connectCloud(c *http.Client) (string, response) {
	h.t.Helper()
	callback, err := h.demo.Cloud.Approve(h.startCloud(c), h.demo.CloudUser)
	if err != nil {
		h.t.Fatal(err)
	}
	if !strings.HasPrefix(callback, h.srv.URL+"/cloud/callback?") {
		h.t.Fatalf("the consent page sends the browser to %q, want this app's callback", callback)
	}
	r := h.get(c, callback)
	m := connRE.FindStringSubmatch(r.url.Path)
	if r.status != http.StatusOK || m == nil {
		h.t.Fatalf("callback: status %d at %s; want the repository page\n%s", r.status, r.url, r.body)
	}
	if r.url.RawQuery != "" {
		h.t.Errorf("the repository page URL keeps a query %q: the code must not stay in the address bar", r.url.RawQuery)
	}
	return m[1], r
}

// connectServer submits the self-hosted form.
func (h *harness) connectServer(c *http.Client, base, token string) response {
	h.t.Helper()
	return h.post(c, "/server", url.Values{"csrf": {h.csrf(c)}, "url": {base}, "token": {token}})
}

var rowRE = regexp.MustCompile(`(?s)<tr data-repo="([^"]+)" data-admin="(true|false)">(.*?)</tr>`)

type row struct {
	repo  string
	admin bool
	html  string
}

func rows(body string) []row {
	var out []row
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, row{repo: m[1], admin: m[2] == "true", html: m[3]})
	}
	return out
}

var nextRE = regexp.MustCompile(`href="([^"]+)" id="next-page"`)

func refs(rs []bitbucket.RepoRef) map[string]bool {
	m := map[string]bool{}
	for _, r := range rs {
		m[r.String()] = true
	}
	return m
}

// checkRows checks the admin marking of every row against what the demo seeded.
func checkRows(t *testing.T, got []row, admin, notAdmin []bitbucket.RepoRef) {
	t.Helper()
	isAdmin, isNot := refs(admin), refs(notAdmin)
	for _, r := range got {
		switch {
		case isAdmin[r.repo]:
			if !r.admin || !strings.Contains(r.html, `class="connect"`) || strings.Contains(r.html, "admin permission is needed") {
				t.Errorf("%s: admin repository not offered for connection:\n%s", r.repo, r.html)
			}
		case isNot[r.repo]:
			if r.admin || strings.Contains(r.html, `class="connect"`) || !strings.Contains(r.html, "admin permission is needed to create webhooks") {
				t.Errorf("%s: repository without admin not marked:\n%s", r.repo, r.html)
			}
		default:
			t.Errorf("unexpected repository %s", r.repo)
		}
	}
}

func TestCloudFlowListsRepositoriesByWorkspaceWithPaging(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client
	id, first := h.connectCloud(c)
	if !strings.Contains(first.body, "Jane Doe") {
		t.Errorf("the repository page does not say who is connected")
	}
	if !strings.Contains(first.body, `Workspace <span class="ns">acme</span>`) {
		t.Errorf("no acme workspace group on the first page")
	}
	sawNorthwind := false
	got := rows(first.body)
	pages := 1
	for body := first.body; ; pages++ {
		if n := len(rows(body)); n == 0 || n > defaultPageSize {
			t.Fatalf("page %d has %d rows, want 1 to %d", pages, n, defaultPageSize)
		}
		m := nextRE.FindStringSubmatch(body)
		if m == nil {
			break
		}
		if pages == 5 {
			t.Fatal("more than 5 pages for 12 repositories")
		}
		next := h.get(c, strings.ReplaceAll(m[1], "&amp;", "&"))
		if next.status != http.StatusOK {
			t.Fatalf("page %d: status %d", pages+1, next.status)
		}
		if !strings.Contains(next.body, `id="first-page"`) {
			t.Errorf("page %d has no link back to the first page", pages+1)
		}
		body = next.body
		got = append(got, rows(body)...)
		if strings.Contains(body, `Workspace <span class="ns">northwind</span>`) {
			sawNorthwind = true
		}
	}
	if pages < 2 {
		t.Errorf("%d page for 12 repositories in two workspaces", pages)
	}
	if !sawNorthwind && !strings.Contains(first.body, `Workspace <span class="ns">northwind</span>`) {
		t.Errorf("no northwind workspace group on any page")
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.repo] {
			t.Errorf("%s listed twice", r.repo)
		}
		seen[r.repo] = true
	}
	if len(seen) != len(cloudDemoRepos) {
		t.Errorf("listed %d repositories over two pages, want %d", len(seen), len(cloudDemoRepos))
	}
	checkRows(t, got, h.demo.CloudAdminRepos, h.demo.CloudReadRepos)

	// The connection is this session's: another browser does not see it.
	if r := h.get(newBrowser(t), "/c/"+id+"/repos"); r.status != http.StatusNotFound {
		t.Errorf("another session opened the connection: status %d", r.status)
	}
	if strings.Contains(first.body, h.demo.clientSecret) {
		t.Error("a page shows the OAuth client secret")
	}
}

func TestCloudCallbackRefusesStateMismatch(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client
	callback, err := h.demo.Cloud.Approve(h.startCloud(c), h.demo.CloudUser)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(callback)
	q := u.Query()
	q.Set("state", "forged-state")
	u.RawQuery = q.Encode()
	r := h.get(c, u.String())
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "could not be verified") {
		t.Fatalf("forged state: status %d, want 400 with an explanation\n%s", r.status, r.body)
	}

	// A callback arriving in a session that started nothing is refused too, even with a state the
	// StateStore issued.
	other := newBrowser(t)
	callback2, err := h.demo.Cloud.Approve(h.startCloud(c), h.demo.CloudUser)
	if err != nil {
		t.Fatal(err)
	}
	if r := h.get(other, callback2); r.status != http.StatusBadRequest {
		t.Errorf("callback in another session: status %d, want 400", r.status)
	}
	// And a callback replayed after a successful one.
	callback3, err := h.demo.Cloud.Approve(h.startCloud(c), h.demo.CloudUser)
	if err != nil {
		t.Fatal(err)
	}
	if r := h.get(c, callback3); !connRE.MatchString(r.url.Path) {
		t.Fatalf("genuine callback: ended at %s, status %d", r.url.Path, r.status)
	}
	if r := h.get(c, callback3); r.status != http.StatusBadRequest {
		t.Errorf("replayed callback: status %d, want 400", r.status)
	}
	if n := h.connCount(); n != 1 {
		t.Errorf("%d connections made, want only the genuine one", n)
	}
}

func TestPostWithoutCSRFTokenIsRefused(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client
	token := h.csrf(c) // a session exists
	for _, tc := range []struct {
		name string
		c    *http.Client
		form url.Values
	}{
		{"missing token", c, url.Values{}},
		{"wrong token", c, url.Values{"csrf": {token + "x"}}},
		{"no session", newBrowser(t), url.Values{"csrf": {token}}},
	} {
		for _, path := range []string{"/cloud/connect", "/server", "/c/anything/connect", "/c/anything/push"} {
			form := url.Values{"url": {h.demo.Server.URL()}, "token": {h.demo.ServerToken}, "repo": {"acme/api"}}
			for k, v := range tc.form {
				form[k] = v
			}
			r := h.post(noRedirect(tc.c), path, form)
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "This form has expired") {
				t.Errorf("%s, POST %s: status %d, want 403 with an explanation", tc.name, path, r.status)
			}
		}
	}
	if n := h.connCount(); n != 0 {
		t.Errorf("%d connections made by refused forms", n)
	}
	if n := h.demo.Server.TotalRequests(); n != 0 {
		t.Errorf("the Data Center fake got %d requests from refused forms", n)
	}
}

func TestServerWrongTokenShowsError(t *testing.T) {
	h := newHarness(t, nil)
	const wrong = "not-the-token-123"
	r := h.connectServer(h.client, h.demo.Server.URL(), wrong)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "The token was refused") {
		t.Fatalf("wrong token: status %d, want 422 with an explanation\n%s", r.status, r.body)
	}
	if strings.Contains(r.body, wrong) {
		t.Error("the page shows the token that was typed")
	}
	if !strings.Contains(r.body, `value="`+h.demo.Server.URL()+`"`) {
		t.Error("the form does not keep the address that was typed")
	}
}

func TestServerRightTokenConnectsAndListsByProject(t *testing.T) {
	h := newHarness(t, nil)
	r := h.connectServer(h.client, h.demo.Server.URL()+"/", h.demo.ServerToken)
	if r.status != http.StatusOK || !connRE.MatchString(r.url.Path) {
		t.Fatalf("right token: status %d at %s\n%s", r.status, r.url.Path, r.body)
	}
	for _, want := range []string{"Alice Admin", "version 9.4", `Project <span class="ns">PLAT</span>`, `Project <span class="ns">MOB</span>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the repository page lacks %q", want)
		}
	}
	got := rows(r.body)
	if len(got) != len(serverDemoRepos) {
		t.Errorf("%d rows, want %d", len(got), len(serverDemoRepos))
	}
	checkRows(t, got, h.demo.ServerAdminRepos, h.demo.ServerReadRepos)
	if strings.Contains(r.body, h.demo.ServerToken) {
		t.Error("the page shows the token")
	}
}

func TestServerConnectionFailuresAreExplained(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	notBitbucket := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body>Welcome to nginx!</body></html>")
	}))
	defer notBitbucket.Close()
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	tlsSrv.StartTLS()
	defer tlsSrv.Close()

	for _, tc := range []struct {
		name      string
		noLoop    bool
		base      func(h *harness) string
		want      string
		wantFakes int // requests the Data Center fake may see
	}{
		{"plain http to loopback not allowed", true, func(h *harness) string { return h.demo.Server.URL() }, "This address is not allowed", 0},
		{"loopback not allowed", true, func(*harness) string { return tlsSrv.URL }, "This address is not allowed", 0},
		{"nothing listening", false, func(*harness) string { return closedURL }, "Nothing answers at this address", 0},
		{"not Bitbucket", false, func(*harness) string { return notBitbucket.URL }, "This is not a Bitbucket server", 0},
		{"unknown certificate authority", false, func(*harness) string { return tlsSrv.URL }, "The server&#39;s certificate is not trusted", 0},
		{"userinfo in the address", false, func(h *harness) string {
			return strings.Replace(h.demo.Server.URL(), "http://", "http://alice:hunter2@", 1)
		}, "Do not put a user name or password in the address", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				if tc.noLoop {
					c.ServerOptions = nil
				}
			})
			r := h.connectServer(h.client, tc.base(h), h.demo.ServerToken)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.want) {
				t.Fatalf("status %d, want 422 with %q\n%s", r.status, tc.want, r.body)
			}
			if strings.Contains(r.body, h.demo.ServerToken) || strings.Contains(r.body, "hunter2") {
				t.Error("the page shows a secret")
			}
			if n := h.demo.Server.TotalRequests(); n != tc.wantFakes {
				t.Errorf("the Data Center fake got %d requests, want %d", n, tc.wantFakes)
			}
			if n := h.connCount(); n != 0 {
				t.Errorf("%d connections kept after a failed test", n)
			}
		})
	}
}

var hookResultRE = regexp.MustCompile(`id="hook-result" data-result="([a-z]+)"`)

// connectRepo presses Connect on repo and returns the result shown.
func (h *harness) connectRepo(c *http.Client, id, repo string) (string, response) {
	h.t.Helper()
	r := h.post(c, "/c/"+id+"/connect", url.Values{"csrf": {h.csrf(c)}, "repo": {repo}})
	m := hookResultRE.FindStringSubmatch(r.body)
	if m == nil {
		return "", r
	}
	return m[1], r
}

func TestConnectCreatesTheWebhookOnce(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client
	id, _ := h.connectCloud(c)
	ref := h.demo.CloudAdminRepos[0]

	result, r := h.connectRepo(c, id, ref.String())
	if result != "created" {
		t.Fatalf("first connect: result %q (status %d), want created\n%s", result, r.status, r.body)
	}
	hooks := h.demo.Cloud.Hooks(ref)
	if len(hooks) != 1 {
		t.Fatalf("%d hooks on %s, want 1", len(hooks), ref)
	}
	if want := h.srv.URL + "/webhook/" + id; hooks[0].URL != want {
		t.Errorf("hook URL %q, want %q", hooks[0].URL, want)
	}
	if hooks[0].Secret == "" {
		t.Error("the hook has no secret")
	}
	if strings.Contains(r.body, hooks[0].Secret) {
		t.Error("the hook page shows the webhook secret")
	}
	if !strings.Contains(r.body, hooks[0].URL) || !strings.Contains(r.body, "push") {
		t.Error("the hook page does not show the hook's URL and events")
	}

	result, _ = h.connectRepo(c, id, ref.String())
	if result != "unchanged" {
		t.Errorf("second connect: result %q, want unchanged", result)
	}
	if n := len(h.demo.Cloud.Hooks(ref)); n != 1 {
		t.Errorf("%d hooks after connecting twice, want 1", n)
	}

	// A repository without admin: refused with the reason, and nothing written.
	notAdmin := h.demo.CloudReadRepos[0]
	result, r = h.connectRepo(c, id, notAdmin.String())
	if result != "" || !strings.Contains(r.body, "Admin permission is needed to create webhooks") {
		t.Errorf("connect without admin: result %q, status %d\n%s", result, r.status, r.body)
	}
	if n := len(h.demo.Cloud.Hooks(notAdmin)); n != 0 {
		t.Errorf("%d hooks on %s without admin", n, notAdmin)
	}
}

var deliveryRE = regexp.MustCompile(`<tr class="delivery" data-key="([^"]+)" data-repo="([^"]+)" data-id="([^"]*)">`)

func TestPushAppearsOnDeliveriesPage(t *testing.T) {
	for _, provider := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		t.Run(string(provider), func(t *testing.T) {
			h := newHarness(t, nil)
			c := h.client
			var id string
			var ref bitbucket.RepoRef
			wantKey := "repo:push"
			if provider == bitbucket.Cloud {
				id, _ = h.connectCloud(c)
				ref = h.demo.CloudAdminRepos[0]
			} else {
				r := h.connectServer(c, h.demo.Server.URL(), h.demo.ServerToken)
				m := connRE.FindStringSubmatch(r.url.Path)
				if m == nil {
					t.Fatalf("self-hosted connect failed: status %d\n%s", r.status, r.body)
				}
				id, ref, wantKey = m[1], h.demo.ServerAdminRepos[0], "repo:refs_changed"
			}
			if result, r := h.connectRepo(c, id, ref.String()); result != "created" {
				t.Fatalf("connect: %q\n%s", result, r.body)
			}
			if r := h.get(c, "/c/"+id+"/deliveries"); !strings.Contains(r.body, `id="no-deliveries"`) {
				t.Errorf("deliveries page not empty before any push")
			}

			// A forged delivery to the endpoint is refused and not listed.
			body := []byte(`{}`)
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/webhook/"+id, bytes.NewReader(body))
			req.Header.Set("X-Event-Key", wantKey)
			req.Header.Set("X-Request-Id", "forged-1")
			req.Header.Set("X-Hub-Signature", bitbuckettest.Sign("not-the-secret", body))
			if r := do(t, http.DefaultClient, req); r.status != http.StatusUnauthorized {
				t.Errorf("forged delivery: status %d, want 401", r.status)
			}

			for i := range 2 {
				r := h.post(c, "/c/"+id+"/push", url.Values{"csrf": {h.csrf(c)}, "repo": {ref.String()}})
				if r.status != http.StatusOK || r.url.Path != "/c/"+id+"/deliveries" {
					t.Fatalf("push %d: status %d at %s\n%s", i, r.status, r.url.Path, r.body)
				}
				got := deliveryRE.FindAllStringSubmatch(r.body, -1)
				if len(got) != i+1 {
					t.Fatalf("after push %d: %d deliveries listed, want %d", i, len(got), i+1)
				}
				for _, d := range got {
					if d[1] != wantKey || d[2] != ref.String() {
						t.Errorf("delivery %q on %q, want %q on %q", d[1], d[2], wantKey, ref)
					}
				}
				// Newest first: the first row is the delivery received last.
				h.app.mu.Lock()
				conn := h.app.conns[id]
				h.app.mu.Unlock()
				conn.mu.Lock()
				last := conn.deliveries[len(conn.deliveries)-1].DeliveryID
				conn.mu.Unlock()
				if last == "" || got[0][3] != last {
					t.Errorf("first row is delivery %q, want the newest %q", got[0][3], last)
				}
			}
		})
	}
}

func TestNewRefusesBadPublicURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://x", "http://user:pw@host", "http://host/?q=1"} {
		if _, _, err := New(Config{PublicURL: u}); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("New(PublicURL %q): %v, want ErrInvalidInput", u, err)
		}
	}
}

func TestCloudNotConfigured(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.CloudClientID, c.CloudClientSecret = "", "" })
	if r := h.get(h.client, "/"); !strings.Contains(r.body, "Not configured") || strings.Contains(r.body, `id="connect-cloud"`) {
		t.Error("the home page offers Cloud without a consumer")
	}
	r := h.post(noRedirect(h.client), "/cloud/connect", url.Values{"csrf": {h.csrf(h.client)}})
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("connect cloud without a consumer: status %d", r.status)
	}
}

func TestSessionCookieIsHttpOnlyAndLax(t *testing.T) {
	h := newHarness(t, nil)
	resp, err := http.Get(h.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name != cookieName {
			continue
		}
		found = true
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || len(c.Value) < 40 {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/ and a long random value", c)
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("Referrer-Policy %q: the OAuth callback's code could leak in a Referer", rp)
	}
}

var builtRE = regexp.MustCompile(`id="build-result" data-commit="([0-9a-f]{40})"`)

func TestReportBuildLandsOnTheDefaultBranchHead(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client
	id, _ := h.connectCloud(c)
	ref := h.demo.CloudAdminRepos[0]
	if result, r := h.connectRepo(c, id, ref.String()); result != "created" {
		t.Fatalf("connect: %q (status %d)", result, r.status)
	}
	page := h.get(c, "/c/"+id+"/hook?"+url.Values{"repo": {ref.String()}}.Encode())
	if !strings.Contains(page.body, `data-branch="main"`) || !strings.Contains(page.body, `class="default"`) {
		t.Fatalf("the repository page lists no default branch:\n%s", page.body)
	}
	form := url.Values{"csrf": {h.csrf(c)}, "repo": {ref.String()}}
	r := h.post(noRedirect(c), "/c/"+id+"/build", form)
	if r.status != http.StatusSeeOther || !strings.Contains(r.loc, "/c/"+id+"/hook?") {
		t.Fatalf("report build: status %d, Location %q; want 303 back to the repository page", r.status, r.loc)
	}
	page = h.get(c, r.loc)
	m := builtRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no build result on the page:\n%s", page.body)
	}
	head := h.demo.Cloud.Head(ref, "main")
	if m[1] != head {
		t.Errorf("build reported on %s, want the head of main %s", m[1], head)
	}
	if st := h.demo.Cloud.Statuses(ref, head); len(st) != 1 || st[0].State != "SUCCESSFUL" || st[0].Key != "connect-web-test" {
		t.Errorf("statuses on the fake: %+v", st)
	}
	// Reloading the confirmation is a GET: nothing is reported again.
	h.get(c, r.loc)
	if st := h.demo.Cloud.Statuses(ref, head); len(st) != 1 {
		t.Errorf("a reload reported again: %+v", st)
	}
}

func TestPickerPageOf25CostsAFewRequests(t *testing.T) {
	for _, provider := range []string{"cloud", "server"} {
		t.Run(provider, func(t *testing.T) {
			h := newHarness(t, func(cfg *Config) { cfg.PageSize = maxPageSize })
			// Enough repositories for a full page of 25.
			h.demo.Cloud.AddRepositories("acme", "svc", 25)
			h.demo.Cloud.Grant(h.demo.CloudUser, bitbucket.RepoRef{Namespace: "acme"}, bitbucket.PermissionRead)
			h.demo.Server.AddRepositories("PLAT", "svc", 25)
			h.demo.Server.Grant("alice", bitbucket.RepoRef{Namespace: "PLAT"}, bitbucket.PermissionWrite)
			c := h.client
			var id string
			fake := h.demo.Cloud
			if provider == "cloud" {
				id, _ = h.connectCloud(c)
			} else {
				fake = h.demo.Server
				r := h.connectServer(c, h.demo.Server.URL(), h.demo.ServerToken)
				m := connRE.FindStringSubmatch(r.url.Path)
				if m == nil {
					t.Fatalf("self-hosted connect landed on %s", r.url)
				}
				id = m[1]
			}
			before := fake.TotalRequests()
			r := h.get(c, "/c/"+id+"/repos")
			if r.status != http.StatusOK {
				t.Fatalf("picker: status %d", r.status)
			}
			n := fake.TotalRequests() - before
			namespaces := strings.Count(r.body, `class="ns"`)
			t.Logf("%s picker page: %d rows in %d namespaces, %d requests", provider, len(rows(r.body)), namespaces, n)
			// Cloud: the listing, and one permission list per workspace on the page (the
			// administrator flags come with the listing). Data Center: the listing, per project
			// the permission filters (admin, read, write: fewer when every repository is placed
			// sooner), and one admin confirmation for the page. One request per row, as before,
			// was 26.
			want := 2 + namespaces // the workspace list, then per workspace its repositories and permissions
			if provider == "server" {
				want = 2 + 3*namespaces
			}
			if len(rows(r.body)) != maxPageSize {
				t.Fatalf("%d rows, want a full page of %d", len(rows(r.body)), maxPageSize)
			}
			if n > want {
				t.Errorf("a picker page with its permissions cost %d requests, want at most %d\n%v", n, want, fake.RequestLog())
			}
			for _, row := range rows(r.body) {
				if strings.Contains(row.html, "unknown") {
					t.Errorf("%s: permission unknown", row.repo)
				}
			}
		})
	}
}
