package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// Harness starts a provider's fake and connects to it.
type Harness struct {
	// NewFake starts an empty fake of the provider.
	NewFake func() *bitbuckettest.Server
	// Connect returns a Connector for srv that authenticates with token.
	Connect func(srv *bitbuckettest.Server, token string) (bitbucket.Connector, error)
	// Scopes are the token scopes that grant everything the table needs (Cloud); nil elsewhere.
	Scopes []string
	// NamespaceAdmin makes username an administrator of namespace ns (a Cloud workspace admin, a
	// Data Center project admin), who may read the hooks its repositories inherit.
	NamespaceAdmin func(srv *bitbuckettest.Server, username, ns string)
}

// fixture is a fake seeded with one namespace of repositories and three users: an admin, a reader
// and one with no access.
type fixture struct {
	srv                     *bitbuckettest.Server
	admin, reader, stranger bitbucket.Connector
	ns                      string
}

const (
	adminToken    = "admin-token"
	readerToken   = "reader-token"
	strangerToken = "stranger-token"
)

func (h Harness) setup(t *testing.T, repos int) *fixture {
	t.Helper()
	srv := h.NewFake()
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, ns: "TEAM"}
	srv.AddNamespace(bitbuckettest.Namespace{Key: f.ns, Name: "Team"})
	srv.AddRepositories(f.ns, "repo", repos)
	for _, u := range []struct {
		name, token string
		perm        bitbucket.Permission
	}{{"ada", adminToken, bitbucket.PermissionAdmin}, {"rob", readerToken, bitbucket.PermissionRead}, {"sam", strangerToken, bitbucket.PermissionNone}} {
		srv.AddUser(bitbuckettest.User{Username: u.name, DisplayName: u.name, Email: u.name + "@example.com"})
		srv.AddToken(u.token, u.name, h.Scopes...)
		if u.perm != bitbucket.PermissionNone {
			srv.Grant(u.name, bitbucket.RepoRef{Namespace: f.ns}, u.perm)
		}
	}
	var err error
	for _, c := range []struct {
		dst   *bitbucket.Connector
		token string
	}{{&f.admin, adminToken}, {&f.reader, readerToken}, {&f.stranger, strangerToken}} {
		if *c.dst, err = h.Connect(srv, c.token); err != nil {
			t.Fatalf("connect: %v", err)
		}
	}
	return f
}

// Run runs the whole table.
func Run(t *testing.T, h Harness) {
	t.Run("pagination", func(t *testing.T) { testPagination(t, h) })
	t.Run("resume from cursor", func(t *testing.T) { testResume(t, h) })
	t.Run("break stops fetching", func(t *testing.T) { testBreak(t, h) })
	t.Run("not found", func(t *testing.T) { testNotFound(t, h) })
	t.Run("permissions", func(t *testing.T) { testPermissions(t, h) })
	t.Run("forbidden", func(t *testing.T) { testForbidden(t, h) })
	t.Run("ensure webhook is idempotent", func(t *testing.T) { testEnsure(t, h) })
	t.Run("bad token", func(t *testing.T) { testBadToken(t, h) })
}

func testPagination(t *testing.T, h Harness) {
	const pageSize = 10
	for _, n := range []int{0, 1, pageSize, 3*pageSize + 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := h.setup(t, n)
			repos, err := bitbucket.Collect(f.admin.ListRepositories(t.Context(),
				bitbucket.ListRepositoriesOptions{Namespace: f.ns, PageSize: pageSize}))
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			assertUnique(t, repos, n)
		})
	}
}

func testResume(t *testing.T, h Harness) {
	f := h.setup(t, 25)
	ctx := t.Context()
	opts := bitbucket.ListRepositoriesOptions{Namespace: f.ns, PageSize: 10}
	first, err := f.admin.ListRepositoriesPage(ctx, opts)
	if err != nil {
		t.Fatalf("first page: %v", err)
	}
	if len(first.Items) != 10 || first.Next == "" {
		t.Fatalf("first page: %d items, next %q; want 10 and a cursor", len(first.Items), first.Next)
	}
	// Another replica, with the same credentials, resumes from the cursor alone.
	replica, err := h.Connect(f.srv, adminToken)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := bitbucket.Collect(replica.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Cursor: first.Next}))
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	assertUnique(t, append(first.Items, rest...), 25)

	// A cursor names its listing: a conflicting option is refused.
	_, err = replica.ListRepositoriesPage(ctx, bitbucket.ListRepositoriesOptions{Cursor: first.Next, Namespace: "OTHER"})
	if !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("cursor with another namespace: err = %v, want ErrInvalidInput", err)
	}
	_, err = replica.ListRepositoriesPage(ctx, bitbucket.ListRepositoriesOptions{Cursor: "not-a-cursor"})
	if !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("garbage cursor: err = %v, want ErrInvalidInput", err)
	}
}

func testBreak(t *testing.T, h Harness) {
	f := h.setup(t, 50)
	before := f.srv.TotalRequests()
	seen := 0
	for _, err := range f.admin.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: f.ns, PageSize: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen++; seen == 15 {
			break
		}
	}
	if got := f.srv.TotalRequests() - before; got > 2 {
		t.Errorf("breaking after 15 items of pages of 10 made %d requests, want at most 2", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, err := range f.admin.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: f.ns}) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("listing with a cancelled context: err = %v, want context.Canceled", err)
		}
		break
	}
}

func testNotFound(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	_, err := f.admin.GetRepository(t.Context(), bitbucket.RepoRef{Namespace: f.ns, Slug: "missing"})
	if !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("GetRepository(missing): err = %v, want ErrNotFound", err)
	}
	var apiErr *bitbucket.APIError
	if !errors.As(err, &apiErr) {
		t.Errorf("GetRepository(missing): %T is not an *APIError", err)
	}
}

func testPermissions(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	repo := bitbucket.RepoRef{Namespace: f.ns, Slug: "repo-00001"}
	for _, c := range []struct {
		name string
		conn bitbucket.Connector
		want bitbucket.Permission
	}{{"admin", f.admin, bitbucket.PermissionAdmin}, {"reader", f.reader, bitbucket.PermissionRead}, {"stranger", f.stranger, bitbucket.PermissionNone}} {
		got, err := c.conn.RepositoryPermission(t.Context(), repo)
		if err != nil || got != c.want {
			t.Errorf("%s: RepositoryPermission = %v, %v; want %v, nil", c.name, got, err, c.want)
		}
	}
	got, err := f.admin.RepositoryPermission(t.Context(), bitbucket.RepoRef{Namespace: f.ns, Slug: "missing"})
	if err != nil || got != bitbucket.PermissionNone {
		t.Errorf("missing repository: RepositoryPermission = %v, %v; want none, nil", got, err)
	}
}

func testForbidden(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	_, err := f.reader.ListWebhooks(t.Context(), bitbucket.RepoRef{Namespace: f.ns, Slug: "repo-00001"})
	if !errors.Is(err, bitbucket.ErrForbidden) || errors.Is(err, bitbucket.ErrUnauthorized) {
		t.Errorf("reader listing webhooks: err = %v, want ErrForbidden and not ErrUnauthorized", err)
	}
}

func testEnsure(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	ctx := t.Context()
	repo := bitbucket.RepoRef{Namespace: f.ns, Slug: "repo-00001"}
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Description: "ci",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened}, Secret: "s3cret"}
	h1, res, err := bitbucket.EnsureWebhook(ctx, f.admin, repo, spec)
	if err != nil || res != bitbucket.EnsureCreated {
		t.Fatalf("first ensure: %v, %v; want created", res, err)
	}
	if !h1.HasSecret || !h1.Active {
		t.Errorf("created hook: HasSecret %v Active %v, want both", h1.HasSecret, h1.Active)
	}
	spec.URL = "HTTPS://CI.example.com/hook/" // the same URL, written differently
	h2, res, err := bitbucket.EnsureWebhook(ctx, f.admin, repo, spec)
	if err != nil || res != bitbucket.EnsureUnchanged || h2.ID != h1.ID {
		t.Fatalf("second ensure: %v, %v (id %s vs %s); want unchanged, same hook", res, err, h2.ID, h1.ID)
	}
	spec.Events = append(spec.Events, bitbucket.EventPullRequestMerged)
	h3, res, err := bitbucket.EnsureWebhook(ctx, f.admin, repo, spec)
	if err != nil || res != bitbucket.EnsureUpdated || h3.ID != h1.ID {
		t.Fatalf("ensure with another event: %v, %v; want updated, same hook", res, err)
	}
	hooks, err := f.admin.ListWebhooks(ctx, repo)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("ListWebhooks = %d hooks, %v; want exactly 1", len(hooks), err)
	}
	if !slices.Contains(hooks[0].Events, bitbucket.EventPullRequestMerged) {
		t.Errorf("updated hook events = %v, want merged among them", hooks[0].Events)
	}
	if err := f.admin.DeleteWebhook(ctx, repo, h1.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if hooks, err := f.admin.ListWebhooks(ctx, repo); err != nil || len(hooks) != 0 {
		t.Errorf("after delete: %d hooks, %v", len(hooks), err)
	}
}

func testBadToken(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	c, err := h.Connect(f.srv, "wrong-token")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CheckConnection(t.Context())
	if !errors.Is(err, bitbucket.ErrUnauthorized) {
		t.Errorf("CheckConnection with a bad token: err = %v, want ErrUnauthorized", err)
	}
	_, err = bitbucket.Collect(c.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: f.ns}))
	if !errors.Is(err, bitbucket.ErrUnauthorized) {
		t.Errorf("listing with a bad token: err = %v, want ErrUnauthorized", err)
	}
}

func assertUnique(t *testing.T, repos []*bitbucket.Repository, want int) {
	t.Helper()
	seen := map[bitbucket.RepoRef]bool{}
	for _, r := range repos {
		if seen[r.Ref] {
			t.Errorf("repository %s listed twice", r.Ref)
		}
		seen[r.Ref] = true
	}
	if len(repos) != want {
		t.Errorf("listed %d repositories, want %d", len(repos), want)
	}
}
