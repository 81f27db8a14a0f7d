package contract

import (
	"context"
	"errors"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
)

func newCloudConnector(t *testing.T, fake *bitbuckettest.Server, rt *Transport, creds auth.Credentials) *cloud.Client {
	t.Helper()
	c, err := cloud.New(creds, append(fake.Options(), bitbucket.WithTransport(rt))...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCloudConnectorMatchesSpec runs every Connector method of the Cloud connector against the
// fake through the validating transport: every request the connector sends and every response it
// reads must agree with the Cloud document (as patched by exceptions.go), and no removed or
// deprecated endpoint may be called.
func TestCloudConnectorMatchesSpec(t *testing.T) {
	ctx := context.Background()
	fake := newCloudFake(t)
	rt := newCloudTransport(t, fake)
	c := newCloudConnector(t, fake, rt, auth.Bearer("alice-token"))
	app := bitbucket.RepoRef{Namespace: "acme", Slug: "app"}

	info, err := c.CheckConnection(ctx)
	if err != nil {
		t.Fatalf("CheckConnection: %v", err)
	}
	if info.Provider != bitbucket.Cloud || info.User.Username != "alice" {
		t.Errorf("CheckConnection = %+v", info)
	}
	if u, err := c.CurrentUser(ctx); err != nil || u.Username != "alice" || u.Email != "alice@example.com" {
		t.Errorf("CurrentUser = %+v, %v", u, err)
	}

	nss, err := bitbucket.Collect(c.ListNamespaces(ctx, bitbucket.ListNamespacesOptions{PageSize: 1}))
	if err != nil || len(nss) != 1 || nss[0].Key != "acme" {
		t.Errorf("ListNamespaces = %v, %v", nss, err)
	}
	if _, err := bitbucket.Collect(c.ListNamespaces(ctx, bitbucket.ListNamespacesOptions{Query: "ac"})); err != nil {
		t.Errorf("ListNamespaces(Query): %v", err)
	}

	listings := []struct {
		name string
		opts bitbucket.ListRepositoriesOptions
		want int
	}{
		{"all", bitbucket.ListRepositoriesOptions{}, 7},
		{"namespace", bitbucket.ListRepositoriesOptions{Namespace: "acme"}, 7},
		{"public namespace", bitbucket.ListRepositoriesOptions{Namespace: "oss"}, 1},
		{"query", bitbucket.ListRepositoriesOptions{Namespace: "acme", Query: "svc"}, 5},
		{"admin", bitbucket.ListRepositoriesOptions{Namespace: "acme", MinPermission: bitbucket.PermissionAdmin}, 7},
		{"write+query", bitbucket.ListRepositoriesOptions{Query: "sv", MinPermission: bitbucket.PermissionWrite}, 5},
		{"paged", bitbucket.ListRepositoriesOptions{Namespace: "acme", PageSize: 2}, 7},
		{"paged all", bitbucket.ListRepositoriesOptions{PageSize: 3}, 7},
	}
	for _, l := range listings {
		repos, err := bitbucket.Collect(c.ListRepositories(ctx, l.opts))
		if err != nil || len(repos) != l.want {
			t.Errorf("ListRepositories(%s) = %d repositories, %v; want %d", l.name, len(repos), err, l.want)
		}
	}
	opts := bitbucket.ListRepositoriesOptions{Namespace: "acme", PageSize: 3}
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
		t.Errorf("paging acme by 3 saw %d repositories, want 7", seen)
	}

	if r, err := c.GetRepository(ctx, app); err != nil || r.Ref != app || r.Name != "App" {
		t.Errorf("GetRepository = %+v, %v", r, err)
	}
	if _, err := c.GetRepository(ctx, bitbucket.RepoRef{Namespace: "acme", Slug: "missing"}); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("GetRepository(missing) error = %v, want ErrNotFound", err)
	}
	perms := map[bitbucket.RepoRef]bitbucket.Permission{
		app:                                  bitbucket.PermissionAdmin,
		{Namespace: "oss", Slug: "docs"}:     bitbucket.PermissionRead,
		{Namespace: "acme", Slug: "missing"}: bitbucket.PermissionNone,
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
	if hooks, err := c.ListWebhooks(ctx, app); err != nil || len(hooks) != 1 {
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
		NativeEvents: []string{"repo:updated"}}
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

	// A reader cannot manage webhooks; a repository access token has no user but manages its
	// repository's hooks; unknown credentials are refused.
	reader := newCloudConnector(t, fake, rt, auth.Bearer("bob-token"))
	if p, err := reader.RepositoryPermission(ctx, app); err != nil || p != bitbucket.PermissionRead {
		t.Errorf("reader RepositoryPermission = %v, %v", p, err)
	}
	if _, err := reader.ListWebhooks(ctx, app); !errors.Is(err, bitbucket.ErrForbidden) {
		t.Errorf("reader ListWebhooks error = %v, want ErrForbidden", err)
	}
	repoTok := newCloudConnector(t, fake, rt, auth.Bearer("tok-repo"))
	if _, err := repoTok.CheckConnection(ctx); err != nil {
		t.Errorf("repository token CheckConnection: %v", err)
	}
	if _, err := repoTok.ListWebhooks(ctx, app); err != nil {
		t.Errorf("repository token ListWebhooks: %v", err)
	}
	if _, err := repoTok.RepositoryPermission(ctx, app); err != nil {
		t.Errorf("repository token RepositoryPermission: %v", err)
	}
	stranger := newCloudConnector(t, fake, rt, auth.Bearer("nope"))
	if _, err := stranger.CurrentUser(ctx); !errors.Is(err, bitbucket.ErrUnauthorized) {
		t.Errorf("stranger CurrentUser error = %v, want ErrUnauthorized", err)
	}

	// After connecting: branches, files, statuses, tags, commits, permissions in bulk, inherited hooks.
	fake.AddBranch(app, "feature/x", "")
	fake.AddTag(app, "v1.0", "main")
	head := fake.PutFile(app, "feature/x", "dir/ci file.yml", []byte("steps: []\n"))
	fake.AddNamespaceHook("acme", bitbuckettest.HookInfo{URL: "https://ci.example.com/ws-hook", Events: []string{"repo:push"}, Active: true})
	branches, err := bitbucket.Collect(c.ListBranches(ctx, app, bitbucket.ListBranchesOptions{PageSize: 1}))
	if err != nil || len(branches) != 2 {
		t.Errorf("ListBranches = %v, %v", branches, err)
	}
	if p, err := c.ListBranchesPage(ctx, app, bitbucket.ListBranchesOptions{Query: "feat"}); err != nil || len(p.Items) != 1 {
		t.Errorf("ListBranchesPage(feat) = %+v, %v", p, err)
	}
	for _, ref := range []string{"feature/x", head} {
		if b, err := c.GetFile(ctx, app, ref, "dir/ci file.yml"); err != nil || string(b) != "steps: []\n" {
			t.Errorf("GetFile(%s) = %q, %v", ref, b, err)
		}
	}
	if _, err := c.GetFile(ctx, app, "main", "nope.yml"); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("GetFile(missing) error = %v, want ErrNotFound", err)
	}
	status := bitbucket.CommitStatus{Key: "ci", State: bitbucket.BuildSuccessful, Name: "CI", URL: "https://ci.example.com/1"}
	if err := c.SetCommitStatus(ctx, app, head, status); err != nil {
		t.Errorf("SetCommitStatus: %v", err)
	}
	if tags, err := bitbucket.Collect(c.ListTags(ctx, app, cloud.ListTagsOptions{})); err != nil || len(tags) != 1 {
		t.Errorf("ListTags = %v, %v", tags, err)
	}
	if cm, err := c.GetCommit(ctx, app, "v1.0"); err != nil || cm.Hash == "" {
		t.Errorf("GetCommit = %+v, %v", cm, err)
	}
	bulk, err := c.RepositoryPermissions(ctx, []bitbucket.RepoRef{app, {Namespace: "acme", Slug: "missing"}, {Namespace: "oss", Slug: "docs"}})
	if err != nil || bulk[app] != bitbucket.PermissionAdmin || bulk[bitbucket.RepoRef{Namespace: "oss", Slug: "docs"}] != bitbucket.PermissionRead {
		t.Errorf("RepositoryPermissions = %v, %v", bulk, err)
	}
	if bulk, err := reader.RepositoryPermissions(ctx, []bitbucket.RepoRef{app, {Namespace: "acme", Slug: "svc-00001"}}); err != nil || bulk[app] != bitbucket.PermissionRead {
		t.Errorf("reader RepositoryPermissions = %v, %v", bulk, err)
	}
	if hooks, err := c.ListInheritedWebhooks(ctx, app); err != nil || len(hooks) != 1 {
		t.Errorf("ListInheritedWebhooks = %v, %v", hooks, err)
	}
	if _, err := reader.ListInheritedWebhooks(ctx, app); !errors.Is(err, bitbucket.ErrForbidden) {
		t.Errorf("reader ListInheritedWebhooks error = %v, want ErrForbidden", err)
	}

	rt.Check(t)
	requireOperations(t, rt,
		"GET /repositories/{workspace}/{repo_slug}/refs/branches",
		"GET /repositories/{workspace}/{repo_slug}/refs/branches/{name}",
		"GET /repositories/{workspace}/{repo_slug}/refs/tags",
		"GET /repositories/{workspace}/{repo_slug}/commit/{commit}",
		"GET /repositories/{workspace}/{repo_slug}/src/{commit}/{path}",
		"POST /repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build",
		"GET /workspaces/{workspace}/hooks",
		"GET /user",
		"GET /user/workspaces",
		"GET /user/workspaces/{workspace}/permissions/repositories",
		"GET /repositories/{workspace}",
		"GET /repositories/{workspace}/{repo_slug}",
		"GET /repositories/{workspace}/{repo_slug}/hooks",
		"POST /repositories/{workspace}/{repo_slug}/hooks",
		"PUT /repositories/{workspace}/{repo_slug}/hooks/{uid}",
		"DELETE /repositories/{workspace}/{repo_slug}/hooks/{uid}",
	)
	if n := fake.RemovedEndpointHits(); n != 0 {
		t.Errorf("the connector called removed endpoints %d times", n)
	}
	t.Logf("operations: %v", rt.Operations())
}
