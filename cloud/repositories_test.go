package cloud

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// pages serves items page by page, like a Cloud list: the first page from the route's own query,
// later ones through an opaque "page" token in the next link, which keeps the other parameters.
func pages(t *testing.T, path string, items []any) handler {
	return func(r *http.Request, _ string) *http.Response {
		q := r.URL.Query()
		n, err := strconv.Atoi(q.Get("pagelen"))
		if err != nil || n < 1 || n > 100 {
			t.Errorf("%s: pagelen %q", path, q.Get("pagelen"))
			return respond(400, cloudError("bad pagelen"))
		}
		start := 0
		if tok := q.Get("page"); tok != "" {
			if _, err := fmt.Sscanf(tok, "opaque-%d", &start); err != nil {
				return respond(400, cloudError("bad page"))
			}
		}
		end := min(start+n, len(items))
		body := map[string]any{"pagelen": n, "values": items[start:end]}
		if end < len(items) {
			q.Set("page", fmt.Sprintf("opaque-%d", end))
			body["next"] = testOrigin + path + "?" + q.Encode()
		}
		return respond(200, body)
	}
}

func repoList(ws string, n int) []any {
	out := make([]any, n)
	for i := range n {
		out[i] = repoJSON(ws, fmt.Sprintf("repo-%03d", i), i)
	}
	return out
}

func TestListRepositoriesOneWorkspace(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/repositories/ws", pages(t, "/2.0/repositories/ws", repoList("ws", 150)))
	repos, err := bitbucket.Collect(m.client(nil).ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 150 {
		t.Fatalf("got %d repositories, want 150", len(repos))
	}
	calls := m.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d requests, want 2", len(calls))
	}
	first := calls[0].Query
	if first.Get("pagelen") != "100" || first.Get("fields") != repoFields || first.Has("role") || first.Has("q") {
		t.Errorf("first page query = %v", first)
	}
	if calls[1].Query.Get("page") != "opaque-100" || calls[1].Query.Get("fields") != repoFields {
		t.Errorf("the next link was not followed as given: %s", calls[1].URL)
	}
	want := &bitbucket.Repository{
		Ref:           bitbucket.RepoRef{Namespace: "ws", Slug: "repo-001"},
		ID:            "{00000000-0000-4000-8000-000000000001}",
		Name:          "Repo-001",
		Description:   "repo repo-001",
		Private:       false,
		DefaultBranch: "main",
		Project:       "PRJ",
		WebURL:        "https://bitbucket.org/ws/repo-001",
		CloneHTTP:     "https://bitbucket.org/ws/repo-001.git",
		CloneSSH:      "git@bitbucket.org:ws/repo-001.git",
		UpdatedAt:     time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC),
	}
	got := *repos[1]
	if !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, want.UpdatedAt)
	}
	got.UpdatedAt = want.UpdatedAt
	if got != *want {
		t.Errorf("repo = %+v\nwant %+v", got, *want)
	}
	if !repos[0].Private {
		t.Errorf("repo-000 should be private")
	}
}

func TestListRepositoriesFieldsAreEncoded(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/repositories/ws", fixed(200, map[string]any{"values": []any{}}))
	_, err := m.client(nil).ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws", PageSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Calls()[0]
	raw, _ := url.Parse(c.URL)
	if v := raw.Query().Get("pagelen"); v != "7" {
		t.Errorf("pagelen = %q", v)
	}
	if strings.ContainsAny(raw.RawQuery, " ,") || raw.Query().Get("fields") != repoFields {
		t.Errorf("raw query %q", raw.RawQuery)
	}
}

func TestListRepositoriesAcrossWorkspaces(t *testing.T) {
	// Three workspaces with 0, 1 and 250 repositories; the workspace list comes in two pages.
	wsItems := []any{}
	for _, ws := range []string{"a-empty", "b-one", "c-big"} {
		wsItems = append(wsItems, map[string]any{"type": "workspace_access", "administrator": ws == "b-one",
			"workspace": map[string]any{"type": "workspace_base", "slug": ws, "uuid": "{" + ws + "}"}})
	}
	wsPages := func(t *testing.T) handler {
		inner := pages(t, "/2.0/user/workspaces", wsItems)
		return func(r *http.Request, body string) *http.Response {
			if r.URL.Query().Get("sort") != "slug" {
				t.Errorf("workspaces asked without sort=slug: %s", r.URL)
			}
			q := r.URL.Query()
			q.Set("pagelen", "2") // the service may answer with smaller pages than asked
			r2 := r.Clone(r.Context())
			r2.URL.RawQuery = q.Encode()
			return inner(r2, body)
		}
	}
	setup := func(t *testing.T) *mockAPI {
		m := newMock(t)
		m.on("GET /2.0/user/workspaces", wsPages(t))
		m.on("GET /2.0/repositories/a-empty", pages(t, "/2.0/repositories/a-empty", nil))
		m.on("GET /2.0/repositories/b-one", pages(t, "/2.0/repositories/b-one", repoList("b-one", 1)))
		m.on("GET /2.0/repositories/c-big", pages(t, "/2.0/repositories/c-big", repoList("c-big", 250)))
		return m
	}

	// Whole listing in one go.
	m := setup(t)
	all, err := bitbucket.Collect(m.client(nil).ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 251 || uniqueRefs(all) != 251 {
		t.Fatalf("got %d repositories (%d unique), want 251", len(all), uniqueRefs(all))
	}

	// Page by page on one replica, resumed mid-way on another.
	m1 := setup(t)
	first := m1.client(nil)
	var got []*bitbucket.Repository
	p, err := first.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, p.Items...) // b-one's single repository (a-empty skipped)
	p, err = first.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: p.Next})
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, p.Items...) // c-big's first 100
	if len(got) != 101 || p.Next == "" {
		t.Fatalf("after two pages: %d items, next %q", len(got), p.Next)
	}
	m2 := setup(t)
	second := m2.client(nil) // a new client, as on another replica
	rest, err := bitbucket.Collect(second.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: p.Next}))
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, rest...)
	if len(got) != 251 || uniqueRefs(got) != 251 {
		t.Fatalf("resumed listing: %d repositories (%d unique), want 251", len(got), uniqueRefs(got))
	}
	for _, c := range m2.Calls() {
		if c.Path == "/2.0/repositories/a-empty" || c.Path == "/2.0/repositories/b-one" {
			t.Errorf("the resumed listing went back to %s", c.Path)
		}
	}
}

func uniqueRefs(rs []*bitbucket.Repository) int {
	seen := map[bitbucket.RepoRef]bool{}
	for _, r := range rs {
		seen[r.Ref] = true
	}
	return len(seen)
}

func TestListRepositoriesAccessTokenNeedsNamespace(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/user/workspaces", fixed(403, cloudError("Access tokens cannot list workspaces"), "X-Credential-Type", "repo_access_token"))
	_, err := bitbucket.Collect(m.client(nil).ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{}))
	if !errors.Is(err, bitbucket.ErrNotSupported) || !errors.Is(err, bitbucket.ErrForbidden) {
		t.Fatalf("got %v, want ErrNotSupported (and the 403 APIError)", err)
	}
}

func TestListRepositoriesRefusesLinkToAnotherOrigin(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/repositories/ws", fixed(200, map[string]any{
		"values": repoList("ws", 2),
		"next":   "https://evil.invalid/2.0/repositories/ws?page=2",
	}))
	repos, err := bitbucket.Collect(m.client(nil).ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws"}))
	if !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Fatalf("got %v, want ErrInvalidInput", err)
	}
	if len(repos) != 0 {
		t.Errorf("a page whose next link is refused yielded %d items", len(repos))
	}
	if n := len(m.Calls()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestListRepositoriesRefusesForgedCursor(t *testing.T) {
	m := newMock(t) // no routes: nothing may be sent
	c := m.client(nil)
	for _, cur := range []repoCursor{
		{Kind: kindRepositories, Namespace: "ws", PageSize: 100, Next: "https://evil.invalid/2.0/repositories/ws?page=2"},
		{Kind: kindRepositories, Namespace: "ws", PageSize: 100, Next: "http://api.bitbucket.invalid/2.0/repositories/ws?page=2"},
		{Kind: kindRepositories, Namespace: "ws", PageSize: 100, Next: "https://api.bitbucket.invalid/other/x"},
		{Kind: kindRepositories, Namespace: "ws", PageSize: 100, Next: "https://u:p@api.bitbucket.invalid/2.0/repositories/ws"},
		{Kind: kindRepositories, PageSize: 100, Workspace: "b", WorkspacePage: "https://evil.invalid/2.0/user/workspaces"},
		{Kind: kindWorkspaces, Next: testBase + "/user/workspaces?page=2"},
		{Kind: kindRepositories, Namespace: "ws", PageSize: 100},
		{Kind: kindRepositories, Namespace: "ws", PageSize: -1, Next: testBase + "/repositories/ws?page=2"},
		{Kind: kindRepositories, Namespace: "ws", PageSize: 100, MinPermission: 9, Next: testBase + "/repositories/ws?page=2"},
	} {
		_, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: paging.EncodeCursor(cur)})
		if !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("cursor %+v: got %v, want ErrInvalidInput", cur, err)
		}
	}
	for _, raw := range []string{"not-a-cursor!", "e30", "bnVsbA"} {
		if _, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: raw}); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("cursor %q: got %v, want ErrInvalidInput", raw, err)
		}
	}
	if n := len(m.Calls()); n != 0 {
		t.Errorf("%d requests sent for forged cursors", n)
	}
}

func TestListRepositoriesCursorConflicts(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/repositories/ws", pages(t, "/2.0/repositories/ws", repoList("ws", 30)))
	c := m.client(nil)
	opts := bitbucket.ListRepositoriesOptions{Namespace: "ws", Query: "repo", MinPermission: bitbucket.PermissionWrite, PageSize: 10}
	p, err := c.ListRepositoriesPage(t.Context(), opts)
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %v, next %q", err, p.Next)
	}
	before := len(m.Calls())
	for name, o := range map[string]bitbucket.ListRepositoriesOptions{
		"namespace":  {Namespace: "other"},
		"query":      {Query: "other"},
		"permission": {MinPermission: bitbucket.PermissionAdmin},
		"page size":  {PageSize: 50},
	} {
		o.Cursor = p.Next
		if _, err := c.ListRepositoriesPage(t.Context(), o); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
		}
	}
	if n := len(m.Calls()); n != before {
		t.Errorf("conflicting cursors sent %d requests", n-before)
	}
	// The same options again, or none, resume.
	o := opts
	o.Cursor = p.Next
	if _, err := c.ListRepositoriesPage(t.Context(), o); err != nil {
		t.Errorf("same options: %v", err)
	}
	if _, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: p.Next}); err != nil {
		t.Errorf("cursor alone: %v", err)
	}
	if got := m.Calls()[len(m.Calls())-1].Query; got.Get("role") != "contributor" || got.Get("pagelen") != "10" {
		t.Errorf("resumed page lost the listing's filters: %v", got)
	}
}

func TestListRepositoriesQueryEscaping(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/repositories/ws", fixed(200, map[string]any{"values": []any{}}))
	c := m.client(nil)
	if _, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws", Query: `a"b\c`}); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Calls()[0].Query.Get("q"), `name ~ "a\"b\\c"`; got != want {
		t.Errorf("q = %s, want %s", got, want)
	}
	if _, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws", Query: "a\nb"}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("control character: got %v", err)
	}
	if n := len(m.Calls()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestListRepositoriesMinPermissionRole(t *testing.T) {
	for perm, role := range map[bitbucket.Permission]string{
		bitbucket.PermissionNone:  "",
		bitbucket.PermissionRead:  "member",
		bitbucket.PermissionWrite: "contributor",
		bitbucket.PermissionAdmin: "admin",
	} {
		m := newMock(t)
		m.on("GET /2.0/repositories/ws", fixed(200, map[string]any{"values": []any{}}))
		if _, err := m.client(nil).ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws", MinPermission: perm}); err != nil {
			t.Fatal(err)
		}
		q := m.Calls()[0].Query
		if q.Get("role") != role || (role == "" && q.Has("role")) {
			t.Errorf("%s: role = %q, want %q", perm, q.Get("role"), role)
		}
	}
}

func TestListRepositoriesStalledNext(t *testing.T) {
	m := newMock(t)
	self := testBase + "/repositories/ws?page=opaque-2&pagelen=100"
	m.on("GET /2.0/repositories/ws", func(r *http.Request, _ string) *http.Response {
		return respond(200, map[string]any{"values": repoList("ws", 1), "next": self})
	})
	_, err := bitbucket.Collect(m.client(nil).ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws"}))
	if !errors.Is(err, bitbucket.ErrPaginationStalled) {
		t.Fatalf("got %v, want ErrPaginationStalled", err)
	}
	if n := len(m.Calls()); n > 3 {
		t.Errorf("%d requests before stopping", n)
	}
}

func TestListNamespaces(t *testing.T) {
	items := []any{}
	for i, ws := range []string{"alpha", "beta-team", "gamma"} {
		items = append(items, map[string]any{"type": "workspace_access", "administrator": i == 1,
			"workspace": map[string]any{"type": "workspace_base", "slug": ws, "uuid": fmt.Sprintf("{%d}", i)}})
	}
	m := newMock(t)
	m.on("GET /2.0/user/workspaces", pages(t, "/2.0/user/workspaces", items))
	c := m.client(nil)
	ns, err := bitbucket.Collect(c.ListNamespaces(t.Context(), bitbucket.ListNamespacesOptions{PageSize: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 3 || ns[1].Key != "beta-team" || ns[1].Name != "beta-team" || ns[1].Personal {
		t.Errorf("namespaces = %+v", ns)
	}
	ws, err := bitbucket.Collect(c.ListWorkspaces(t.Context(), bitbucket.ListNamespacesOptions{Query: "TEAM"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Key != "beta-team" || !ws[0].Administrator || ws[0].UUID != "{1}" {
		t.Errorf("workspaces matching TEAM = %+v", ws)
	}
}
