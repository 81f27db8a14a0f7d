package contract

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/server"
)

func newDCConnector(t *testing.T, fake *bitbuckettest.Server, rt *Transport, creds auth.Credentials) *server.Client {
	t.Helper()
	c, err := server.New(fake.URL(), creds, append(fake.Options(), bitbucket.WithTransport(rt))...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDataCenterConnectorMatchesSpec runs every Connector method of the Data Center connector
// against the fake through the validating transport: every request the connector sends and every
// response it reads must agree with the 9.4 document (as patched by exceptions.go).
func TestDataCenterConnectorMatchesSpec(t *testing.T) {
	ctx := context.Background()
	fake := newDCFake(t)
	rt := newDCTransport(t, fake)
	c := newDCConnector(t, fake, rt, auth.Bearer("alice-token"))
	app := bitbucket.RepoRef{Namespace: "PRJ", Slug: "app"}

	info, err := c.CheckConnection(ctx)
	if err != nil {
		t.Fatalf("CheckConnection: %v", err)
	}
	if info.Version != "9.4.3" || info.User.Username != "alice" {
		t.Errorf("CheckConnection = version %q user %q", info.Version, info.User.Username)
	}
	if u, err := c.CurrentUser(ctx); err != nil || u.Username != "alice" {
		t.Errorf("CurrentUser = %+v, %v", u, err)
	}

	nss, err := bitbucket.Collect(c.ListNamespaces(ctx, bitbucket.ListNamespacesOptions{}))
	if err != nil || len(nss) < 3 {
		t.Errorf("ListNamespaces = %d namespaces, %v", len(nss), err)
	}
	if _, err := bitbucket.Collect(c.ListNamespaces(ctx, bitbucket.ListNamespacesOptions{Query: "pub", PageSize: 1})); err != nil {
		t.Errorf("ListNamespaces(Query): %v", err)
	}

	listings := []struct {
		name string
		opts bitbucket.ListRepositoriesOptions
		want int
	}{
		{"all", bitbucket.ListRepositoriesOptions{}, 9},
		{"namespace", bitbucket.ListRepositoriesOptions{Namespace: "PRJ"}, 7},
		{"query", bitbucket.ListRepositoriesOptions{Query: "svc"}, 5},
		{"admin", bitbucket.ListRepositoriesOptions{MinPermission: bitbucket.PermissionAdmin}, 8},
		{"namespace+query+write", bitbucket.ListRepositoriesOptions{Namespace: "PRJ", Query: "sv",
			MinPermission: bitbucket.PermissionWrite}, 5},
		{"paged", bitbucket.ListRepositoriesOptions{Namespace: "PRJ", PageSize: 2}, 7},
		{"paged query", bitbucket.ListRepositoriesOptions{Query: "s", PageSize: 2}, 7},
	}
	for _, l := range listings {
		repos, err := bitbucket.Collect(c.ListRepositories(ctx, l.opts))
		if err != nil || len(repos) != l.want {
			t.Errorf("ListRepositories(%s) = %d repositories, %v; want %d", l.name, len(repos), err, l.want)
		}
	}
	// Page by page, resuming from the opaque cursor.
	opts := bitbucket.ListRepositoriesOptions{Namespace: "PRJ", PageSize: 3}
	seen := 0
	for range 10 {
		page, err := c.ListRepositoriesPage(ctx, opts)
		if err != nil {
			t.Fatalf("ListRepositoriesPage: %v", err)
		}
		seen += len(page.Items)
		if page.Next == "" {
			break
		}
		opts = bitbucket.ListRepositoriesOptions{Cursor: page.Next}
	}
	if seen != 7 {
		t.Errorf("paging PRJ by 3 saw %d repositories, want 7", seen)
	}

	if r, err := c.GetRepository(ctx, app); err != nil || r.Name != "App" || r.CloneHTTP == "" {
		t.Errorf("GetRepository = %+v, %v", r, err)
	}
	if _, err := c.GetRepository(ctx, bitbucket.RepoRef{Namespace: "PRJ", Slug: "missing"}); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("GetRepository(missing) error = %v, want ErrNotFound", err)
	}
	perms := map[bitbucket.RepoRef]bitbucket.Permission{
		app:                                     bitbucket.PermissionAdmin,
		{Namespace: "PUB", Slug: "docs"}:        bitbucket.PermissionRead,
		{Namespace: "PRJ", Slug: "missing"}:     bitbucket.PermissionNone,
		{Namespace: "~alice", Slug: "dotfiles"}: bitbucket.PermissionAdmin,
	}
	for ref, want := range perms {
		if got, err := c.RepositoryPermission(ctx, ref); err != nil || got != want {
			t.Errorf("RepositoryPermission(%s) = %v, %v; want %v", ref, got, err, want)
		}
	}

	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Description: "CI",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened}, Secret: "s3cret"}
	created, err := c.CreateWebhook(ctx, app, spec)
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	if !created.HasSecret || created.ID == "" {
		t.Errorf("CreateWebhook = %+v", created)
	}
	hooks, err := c.ListWebhooks(ctx, app)
	if err != nil || len(hooks) != 1 {
		t.Errorf("ListWebhooks = %d hooks, %v", len(hooks), err)
	}
	spec.Events = append(spec.Events, bitbucket.EventPullRequestMerged, bitbucket.EventPullRequestUpdated,
		bitbucket.EventPullRequestDeclined, bitbucket.EventPullRequestComment)
	spec.Disabled = true
	if u, err := c.UpdateWebhook(ctx, app, created.ID, spec); err != nil || u.Active {
		t.Errorf("UpdateWebhook = %+v, %v", u, err)
	}
	spec.Disabled = false
	if _, res, err := bitbucket.EnsureWebhook(ctx, c, app, spec); err != nil || res != bitbucket.EnsureUpdated {
		t.Errorf("EnsureWebhook(changed) = %v, %v; want updated", res, err)
	}
	if _, res, err := bitbucket.EnsureWebhook(ctx, c, app, spec); err != nil || res != bitbucket.EnsureUnchanged {
		t.Errorf("EnsureWebhook(same) = %v, %v; want unchanged", res, err)
	}
	other := bitbucket.WebhookSpec{URL: "https://deploy.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPush},
		NativeEvents: []string{"repo:modified"}}
	made, res, err := bitbucket.EnsureWebhook(ctx, c, app, other)
	if err != nil || res != bitbucket.EnsureCreated {
		t.Fatalf("EnsureWebhook(new) = %v, %v; want created", res, err)
	}
	for _, id := range []string{created.ID, made.ID} {
		if err := c.DeleteWebhook(ctx, app, id); err != nil {
			t.Errorf("DeleteWebhook(%s): %v", id, err)
		}
	}
	if err := c.DeleteWebhook(ctx, app, made.ID); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("DeleteWebhook(again) error = %v, want ErrNotFound", err)
	}

	// After connecting (v0.2).
	if perms, err := c.RepositoryPermissions(ctx, []bitbucket.RepoRef{app, {Namespace: "PUB", Slug: "docs"}, {Namespace: "PRJ", Slug: "missing"}}); err != nil ||
		perms[app] != bitbucket.PermissionAdmin || perms[bitbucket.RepoRef{Namespace: "PUB", Slug: "docs"}] != bitbucket.PermissionRead {
		t.Errorf("RepositoryPermissions = %v, %v", perms, err)
	}
	branches, err := bitbucket.Collect(c.ListBranches(ctx, app, bitbucket.ListBranchesOptions{}))
	if err != nil || len(branches) != 2 {
		t.Errorf("ListBranches = %v, %v", branches, err)
	}
	if p, err := c.ListBranchesPage(ctx, app, bitbucket.ListBranchesOptions{Query: "feat", PageSize: 1}); err != nil || len(p.Items) != 1 {
		t.Errorf("ListBranchesPage = %+v, %v", p, err)
	}
	if b, err := c.GetFile(ctx, app, "main", "ci/build.yml"); err != nil || len(b) == 0 {
		t.Errorf("GetFile = %q, %v", b, err)
	}
	if _, err := c.GetFile(ctx, app, "main", "absent.txt"); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("GetFile(absent) = %v", err)
	}
	head, err := c.GetCommit(ctx, app, "main")
	if err != nil {
		t.Fatalf("GetCommit: %v", err)
	}
	if err := c.SetCommitStatus(ctx, app, head.Hash, bitbucket.CommitStatus{Key: "ci", State: bitbucket.BuildStopped, Name: "CI", URL: "https://ci.example.com/1"}); err != nil {
		t.Errorf("SetCommitStatus: %v", err)
	}
	if tags, err := bitbucket.Collect(c.ListTags(ctx, app, server.ListTagsOptions{})); err != nil || len(tags) != 1 {
		t.Errorf("ListTags = %v, %v", tags, err)
	}
	if g, err := c.GitCredentials(ctx); err != nil || g.Username != "alice" {
		t.Errorf("GitCredentials = %v, %v", g, err)
	}
	if hooks, err := c.ListInheritedWebhooks(ctx, app); err != nil || len(hooks) != 1 {
		t.Errorf("ListInheritedWebhooks = %v, %v", hooks, err)
	}

	// A reader: no admin, so the webhook calls are refused (401 AuthorisationException).
	reader := newDCConnector(t, fake, rt, auth.Bearer("bob-token"))
	if p, err := reader.RepositoryPermission(ctx, app); err != nil || p != bitbucket.PermissionRead {
		t.Errorf("reader RepositoryPermission = %v, %v", p, err)
	}
	if _, err := reader.ListWebhooks(ctx, app); !errors.Is(err, bitbucket.ErrForbidden) {
		t.Errorf("reader ListWebhooks error = %v, want ErrForbidden", err)
	}
	// Bad credentials: 401 AuthenticationException everywhere.
	stranger := newDCConnector(t, fake, rt, auth.Bearer("nope"))
	if _, err := stranger.CurrentUser(ctx); !errors.Is(err, bitbucket.ErrUnauthorized) {
		t.Errorf("stranger CurrentUser error = %v, want ErrUnauthorized", err)
	}
	// Anonymous: the connector falls back to the whoami servlet, which refuses.
	anon := newDCConnector(t, fake, rt, auth.None())
	if _, err := anon.CurrentUser(ctx); err == nil {
		t.Error("anonymous CurrentUser succeeded")
	}

	if _, err := reader.ListInheritedWebhooks(ctx, app); !errors.Is(err, bitbucket.ErrForbidden) {
		t.Errorf("reader ListInheritedWebhooks error = %v, want ErrForbidden", err)
	}

	rt.Check(t)
	requireOperations(t, rt,
		"GET /api/latest/application-properties",
		"GET /api/latest/users/{userSlug}",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/branches",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/raw/{path}",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/commits/{commitId}",
		"POST /api/latest/projects/{projectKey}/repos/{repositorySlug}/commits/{commitId}/builds",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/tags",
		"GET /api/latest/projects/{projectKey}/webhooks",
		"GET /api/latest/projects",
		"GET /api/latest/repos",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks",
		"POST /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks",
		"PUT /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}",
		"DELETE /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}",
	)
	if got := rt.Undocumented(); !slices.Contains(got, "GET /plugins/servlet/applinks/whoami") {
		t.Errorf("the whoami fallback was not exercised: %v", got)
	}
	t.Logf("operations: %v", rt.Operations())
}

// TestDataCenterConnectorOlderServersMatchSpec runs the version-dependent paths of a 6.x server:
// statuses go to the build-status root (before 7.4).
func TestDataCenterConnectorOlderServersMatchSpec(t *testing.T) {
	ctx := context.Background()
	fake := newDCFake(t)
	fake.SetVersion("6.10.0")
	rt := newDCTransport(t, fake)
	c := newDCConnector(t, fake, rt, auth.Bearer("alice-token"))
	app := bitbucket.RepoRef{Namespace: "PRJ", Slug: "app"}
	branches, err := bitbucket.Collect(c.ListBranches(ctx, app, bitbucket.ListBranchesOptions{}))
	if err != nil || len(branches) != 2 {
		t.Errorf("ListBranches = %v, %v", branches, err)
	}
	if err := c.SetCommitStatus(ctx, app, fake.Head(app, "main"), bitbucket.CommitStatus{Key: "ci", State: bitbucket.BuildSuccessful, URL: "https://ci.example.com/1"}); err != nil {
		t.Errorf("SetCommitStatus: %v", err)
	}
	rt.Check(t)
	requireOperations(t, rt, "POST /build-status/latest/commits/{commitId}")
}
