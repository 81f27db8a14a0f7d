package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
	"golang.org/x/oauth2"
)

var testRepo = bitbucket.RepoRef{Namespace: "ws", Slug: "repo"}

const (
	branchesRoute = "GET /2.0/repositories/ws/repo/refs/branches"
	repoRoute     = "GET /2.0/repositories/ws/repo"
	hashA         = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

// branchPages serves n branches b-00001.. (and "main") in pages of the asked pagelen, with next
// links carrying the page number.
func branchPages(t *testing.T, n int) handler {
	names := []string{"main"}
	for i := 1; i <= n; i++ {
		names = append(names, fmt.Sprintf("b-%05d", i))
	}
	return func(r *http.Request, _ string) *http.Response {
		q := r.URL.Query()
		size := 10
		fmt.Sscan(q.Get("pagelen"), &size)
		page := 1
		fmt.Sscan(q.Get("page"), &page)
		from := min((page-1)*size, len(names))
		to := min(from+size, len(names))
		var values []any
		for _, name := range names[from:to] {
			values = append(values, map[string]any{"type": "branch", "name": name, "target": map[string]any{"type": "commit", "hash": hashA}})
		}
		body := map[string]any{"values": values}
		if to < len(names) {
			q.Set("page", fmt.Sprint(page+1))
			body["next"] = testOrigin + r.URL.Path + "?" + q.Encode()
		}
		return respond(200, body)
	}
}

func TestListBranchesDefaultAndResume(t *testing.T) {
	m := newMock(t)
	m.on(branchesRoute, branchPages(t, 24))
	var repoReads atomic.Int64
	m.on(repoRoute, func(r *http.Request, _ string) *http.Response {
		repoReads.Add(1)
		if r.URL.Query().Get("fields") != "mainbranch.name" {
			t.Errorf("repository read without the fields filter: %s", r.URL)
		}
		return respond(200, map[string]any{"mainbranch": map[string]any{"name": "main"}})
	})
	c := m.client(nil)
	all, err := bitbucket.Collect(c.ListBranches(t.Context(), testRepo, bitbucket.ListBranchesOptions{PageSize: 10}))
	if err != nil || len(all) != 25 {
		t.Fatalf("%d branches, %v", len(all), err)
	}
	defaults := 0
	for _, b := range all {
		if b.Default {
			defaults++
			if b.Name != "main" {
				t.Errorf("default branch %q, want main", b.Name)
			}
		}
		if b.Commit != hashA {
			t.Errorf("%s: commit %q", b.Name, b.Commit)
		}
	}
	if defaults != 1 || repoReads.Load() != 1 || len(m.Calls()) != 4 {
		t.Errorf("%d defaults, %d repository reads, %d requests; want 1, 1, 4", defaults, repoReads.Load(), len(m.Calls()))
	}

	// Page by page: the cursor carries the default, so no page after the first reads the repository.
	var names []string
	var cursor string
	for pages := 0; ; pages++ {
		p, err := c.ListBranchesPage(t.Context(), testRepo, bitbucket.ListBranchesOptions{PageSize: 10, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range p.Items {
			names = append(names, b.Name)
			if b.Default != (b.Name == "main") {
				t.Errorf("page %d: %s Default %v", pages, b.Name, b.Default)
			}
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if len(names) != 25 || repoReads.Load() != 2 {
		t.Errorf("%d branches over pages, %d repository reads; want 25, 2", len(names), repoReads.Load())
	}
}

func TestListBranchesQueryAndCursorChecks(t *testing.T) {
	m := newMock(t)
	m.on(branchesRoute, fixed(200, map[string]any{"values": []any{}}))
	m.on(repoRoute, fixed(200, map[string]any{"mainbranch": map[string]any{"name": "main"}}))
	c := m.client(nil)
	if _, err := c.ListBranchesPage(t.Context(), testRepo, bitbucket.ListBranchesOptions{Query: `fe"at`}); err != nil {
		t.Fatal(err)
	}
	var q string
	for _, call := range m.Calls() {
		if strings.HasSuffix(call.Path, "/refs/branches") {
			q = call.Query.Get("q")
		}
	}
	if want := `name ~ "fe\"at"`; q != want {
		t.Errorf("q = %s, want %s", q, want)
	}
	before := len(m.Calls())
	other := paging.EncodeCursor(refCursor{Kind: kindBranches, Namespace: "ws", Slug: "other", PageSize: 10, Next: testBase + "/repositories/ws/other/refs/branches?page=2"})
	evil := paging.EncodeCursor(refCursor{Kind: kindBranches, Namespace: "ws", Slug: "repo", PageSize: 10, Next: testBase + "/repositories/ws/repo/refs/branches/../../../../x"})
	tags := paging.EncodeCursor(refCursor{Kind: kindTags, Namespace: "ws", Slug: "repo", PageSize: 10, Next: testBase + "/repositories/ws/repo/refs/tags?page=2"})
	for name, cur := range map[string]string{"other repository": other, "dot segments": evil, "tag cursor": tags, "garbage": "x!"} {
		if _, err := c.ListBranchesPage(t.Context(), testRepo, bitbucket.ListBranchesOptions{Cursor: cur}); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
		}
	}
	if n := len(m.Calls()) - before; n != 0 {
		t.Errorf("refused cursors sent %d requests", n)
	}
}

func TestGetFile(t *testing.T) {
	m := newMock(t)
	content := []byte("line 1\nline 2\n")
	m.on("GET /2.0/repositories/ws/repo/src/main/dir%20one/a%3Fb.txt", func(r *http.Request, _ string) *http.Response {
		return respond(200, string(content))
	})
	m.on("GET /2.0/repositories/ws/repo/refs/branches/feature%2Fx", fixed(200, map[string]any{"name": "feature/x", "target": map[string]any{"hash": hashA}}))
	m.on("GET /2.0/repositories/ws/repo/refs/branches/v1%2F0", fixed(404, cloudError("Branch not found")))
	m.on("GET /2.0/repositories/ws/repo/refs/tags/v1%2F0", fixed(200, map[string]any{"name": "v1/0", "target": map[string]any{"hash": strings.Repeat("b", 40)}}))
	m.on("GET /2.0/repositories/ws/repo/src/"+hashA+"/README.md", fixed(200, "from the branch"))
	m.on("GET /2.0/repositories/ws/repo/src/"+strings.Repeat("b", 40)+"/README.md", fixed(200, "from the tag"))
	m.on("GET /2.0/repositories/ws/repo/src/main/missing", fixed(404, cloudError("No such file or directory: missing")))
	m.on("GET /2.0/repositories/ws/repo/src/main/big.bin", fixed(200, strings.Repeat("x", 4096)))
	c := m.client(nil, bitbucket.WithMaxFileBytes(1024))

	if got, err := c.GetFile(t.Context(), testRepo, "main", "dir one/a?b.txt"); err != nil || string(got) != string(content) {
		t.Errorf("escaped path: %q, %v", got, err)
	}
	if got, err := c.GetFile(t.Context(), testRepo, "feature/x", "README.md"); err != nil || string(got) != "from the branch" {
		t.Errorf("branch with a slash: %q, %v", got, err)
	}
	if got, err := c.GetFile(t.Context(), testRepo, "v1/0", "README.md"); err != nil || string(got) != "from the tag" {
		t.Errorf("tag with a slash: %q, %v", got, err)
	}
	if _, err := c.GetFile(t.Context(), testRepo, "main", "missing"); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("missing: got %v, want ErrNotFound", err)
	}
	if got, err := c.GetFile(t.Context(), testRepo, "main", "big.bin"); !errors.Is(err, bitbucket.ErrInvalidInput) || got != nil {
		t.Errorf("over the cap: got %d bytes, %v; want ErrInvalidInput", len(got), err)
	}
	before := len(m.Calls())
	for _, tc := range []struct{ ref, path string }{
		{"main", "../secret"}, {"main", "a/../../b"}, {"main", "a/./b"}, {"main", "a//b"}, {"main", ""},
		{"..", "README.md"}, {".", "README.md"}, {"", "README.md"}, {"a/../b", "README.md"},
	} {
		if _, err := c.GetFile(t.Context(), testRepo, tc.ref, tc.path); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("ref %q path %q: got %v, want ErrInvalidInput", tc.ref, tc.path, err)
		}
	}
	if n := len(m.Calls()) - before; n != 0 {
		t.Errorf("refused paths sent %d requests", n)
	}
}

func TestSetCommitStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var attempts atomic.Int64
		var body map[string]any
		m.on("POST /2.0/repositories/ws/repo/commit/"+hashA+"/statuses/build", func(r *http.Request, b string) *http.Response {
			if attempts.Add(1) == 1 {
				return respond(503, cloudError("try again"))
			}
			if err := json.Unmarshal([]byte(b), &body); err != nil {
				t.Error(err)
			}
			return respond(201, map[string]any{"key": "ci", "state": "STOPPED"})
		})
		c, err := New(auth.Bearer("tok"), bitbucket.WithBaseURL(testBase), bitbucket.WithTransport(m.tr), bitbucket.WithRetry(2, time.Second))
		if err != nil {
			t.Fatal(err)
		}
		st := bitbucket.CommitStatus{Key: "ci", State: bitbucket.BuildStopped, Name: "CI", Description: "cancelled", URL: "https://ci.example/1"}
		if err := c.SetCommitStatus(t.Context(), testRepo, hashA, st); err != nil {
			t.Fatal(err)
		}
		if attempts.Load() != 2 {
			t.Errorf("%d attempts; a status POST is an upsert and must be retried", attempts.Load())
		}
		want := map[string]any{"key": "ci", "state": "STOPPED", "name": "CI", "description": "cancelled", "url": "https://ci.example/1"}
		for k, v := range want {
			if body[k] != v {
				t.Errorf("body %s = %v, want %v", k, body[k], v)
			}
		}
		for state, wire := range buildStates {
			if !state.Valid() || wire == "" {
				t.Errorf("state %q maps to %q", state, wire)
			}
		}
		before := len(m.Calls())
		for name, run := range map[string]error{
			"bad state": c.SetCommitStatus(t.Context(), testRepo, hashA, bitbucket.CommitStatus{Key: "k", State: "nope", URL: "https://x"}),
			"no commit": c.SetCommitStatus(t.Context(), testRepo, "", st),
			"not hex":   c.SetCommitStatus(t.Context(), testRepo, "../../x", st),
		} {
			if !errors.Is(run, bitbucket.ErrInvalidInput) {
				t.Errorf("%s: got %v, want ErrInvalidInput", name, run)
			}
		}
		if len(m.Calls()) != before {
			t.Error("invalid statuses were sent")
		}
	})
}

// countingSource hands out a new token on every call, as a refreshing source would.
type countingSource struct{ n atomic.Int64 }

func (s *countingSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: fmt.Sprintf("oauth-%d", s.n.Add(1)), Expiry: time.Now().Add(time.Hour)}, nil
}

func TestGitCredentials(t *testing.T) {
	ts := &countingSource{}
	for _, tc := range []struct {
		name       string
		creds      auth.Credentials
		user, pass string
	}{
		{"access token", auth.Bearer("repo-token"), "x-token-auth", "repo-token"},
		{"oauth", auth.OAuth2(ts), "x-token-auth", "oauth-1"},
		{"api token", auth.Basic("jane@example.com", "api-token"), "x-bitbucket-api-token-auth", "api-token"},
		{"app password", auth.Basic("jane", "app-password"), "jane", "app-password"},
	} {
		m := newMock(t) // no routes: GitCredentials sends nothing
		g, err := m.client(tc.creds).GitCredentials(t.Context())
		if err != nil || g.Username != tc.user || g.Password != tc.pass {
			t.Errorf("%s: got %s (password %v), %v; want %s", tc.name, g, g.Password == tc.pass, err, tc.user)
		}
		if len(m.Calls()) != 0 {
			t.Errorf("%s: %d requests", tc.name, len(m.Calls()))
		}
	}
	// The token comes from the source each time: a refreshed token is what git gets.
	c := newMock(t).client(auth.OAuth2(ts))
	if g, _ := c.GitCredentials(t.Context()); g.Password != "oauth-2" {
		t.Errorf("second call: password is not the source's fresh token")
	}
	if _, err := newMock(t).client(auth.None()).GitCredentials(t.Context()); !errors.Is(err, bitbucket.ErrNotSupported) {
		t.Errorf("no credentials: got %v, want ErrNotSupported", err)
	}
}

func TestGetCommitAndListTags(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/repositories/ws/repo/commit/v1.0", fixed(200, map[string]any{"hash": hashA, "message": "release\n",
		"date": "2026-01-02T03:04:05+00:00", "author": map[string]any{"raw": "Jane <jane@example.com>"},
		"parents": []any{map[string]any{"hash": strings.Repeat("c", 40)}}}))
	m.on("GET /2.0/repositories/ws/repo/refs/tags", fixed(200, map[string]any{"values": []any{
		map[string]any{"name": "v1.0", "target": map[string]any{"hash": hashA, "date": "2026-01-02T03:04:05+00:00"}}}}))
	c := m.client(nil)
	cm, err := c.GetCommit(t.Context(), testRepo, "v1.0")
	if err != nil || cm.Hash != hashA || cm.Author != "Jane <jane@example.com>" || len(cm.Parents) != 1 || cm.Date.Year() != 2026 {
		t.Errorf("GetCommit: %+v, %v", cm, err)
	}
	tags, err := bitbucket.Collect(c.ListTags(t.Context(), testRepo, ListTagsOptions{}))
	if err != nil || len(tags) != 1 || tags[0].Name != "v1.0" || tags[0].Commit != hashA || tags[0].Date.IsZero() {
		t.Errorf("ListTags: %v, %v", tags, err)
	}
}

func TestListInheritedWebhooks(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/workspaces/ws/hooks", fixed(200, map[string]any{"values": []any{hookJSON("{11111111-0000-0000-0000-000000000000}", []string{"repo:push"}, true)}}))
	m.on("GET /2.0/workspaces/other/hooks", fixed(403, cloudError("You must be an administrator of this workspace")))
	m.on("GET /2.0/workspaces/gone/hooks", fixed(404, cloudError("No workspace")))
	c := m.client(nil)
	hooks, err := c.ListInheritedWebhooks(t.Context(), testRepo)
	if err != nil || len(hooks) != 1 || !hooks[0].HasSecret {
		t.Errorf("got %v, %v", hooks, err)
	}
	for _, ws := range []string{"other", "gone"} {
		if _, err := c.ListInheritedWebhooks(t.Context(), bitbucket.RepoRef{Namespace: ws, Slug: "r"}); !errors.Is(err, bitbucket.ErrForbidden) {
			t.Errorf("%s: got %v, want ErrForbidden", ws, err)
		}
	}
}

// endlessBody is a response body that never ends and counts what was read of it.
type endlessBody struct{ read atomic.Int64 }

func (b *endlessBody) Read(p []byte) (int, error) { b.read.Add(int64(len(p))); return len(p), nil }
func (b *endlessBody) Close() error               { return nil }

// A file announced larger than the cap is refused without reading it; one that does not announce
// its size is read up to the cap and no further.
func TestGetFileCapReadsNoFurther(t *testing.T) {
	const limit = 1 << 10
	for _, announced := range []int64{1 << 40, -1} {
		m := newMock(t)
		body := &endlessBody{}
		m.on("GET /2.0/repositories/ws/repo/src/main/huge.bin", func(r *http.Request, _ string) *http.Response {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/octet-stream"}},
				ContentLength: announced, Body: body, Request: r}
		})
		got, err := m.client(nil, bitbucket.WithMaxFileBytes(limit)).GetFile(t.Context(), testRepo, "main", "huge.bin")
		if !errors.Is(err, bitbucket.ErrInvalidInput) || got != nil {
			t.Errorf("announced %d: %d bytes, %v; want ErrInvalidInput", announced, len(got), err)
		}
		// The client drains at most 64 KiB to reuse the connection.
		if n := body.read.Load(); (announced > 0 && n > 64<<10) || n > limit+64<<10+4096 {
			t.Errorf("announced %d: %d bytes read past a cap of %d", announced, n, limit)
		}
	}
}
