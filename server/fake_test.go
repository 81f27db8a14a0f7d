package server_test

import (
	"errors"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/internal/conformance"
	"github.com/bbconnect/bbconnect/server"
)

// TestConformance runs the neutral behaviour table against the Data Center fake.
func TestConformance(t *testing.T) { conformance.Run(t, conformance.DataCenter(nil)) }

// TestConformanceAfterConnect runs the table of the v0.2 methods against the Data Center fake.
func TestConformanceAfterConnect(t *testing.T) {
	conformance.RunAfterConnect(t, conformance.DataCenter(nil))
}

// seeded starts the Data Center fake with project TEAM holding repositories repo-00001..n, an
// admin ada, a writer wes and a reader rob, each with a token named after them.
func seeded(t *testing.T, n int) *bitbuckettest.Server {
	t.Helper()
	srv := bitbuckettest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddNamespace(bitbuckettest.Namespace{Key: "TEAM", Name: "Team"})
	srv.AddRepositories("TEAM", "repo", n)
	for name, p := range map[string]bitbucket.Permission{"ada": bitbucket.PermissionAdmin, "wes": bitbucket.PermissionWrite, "rob": bitbucket.PermissionRead} {
		srv.AddUser(bitbuckettest.User{Username: name, DisplayName: name, Email: name + "@example.com"})
		srv.AddToken(name+"-token", name)
		srv.Grant(name, bitbucket.RepoRef{Namespace: "TEAM"}, p)
	}
	return srv
}

func connect(t *testing.T, srv *bitbuckettest.Server, token string) *server.Client {
	t.Helper()
	c, err := server.New(srv.URL(), auth.Bearer(token), srv.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFakeCheckConnection(t *testing.T) {
	srv := seeded(t, 1)
	info, err := connect(t, srv, "ada-token").CheckConnection(t.Context())
	if err != nil {
		t.Fatalf("CheckConnection: %v", err)
	}
	if info.Version == "" || info.User.Username != "ada" || info.User.Email != "ada@example.com" || info.User.ID == "" || info.BaseURL != srv.URL() {
		t.Errorf("info = %+v", *info)
	}
}

func TestFakeBeforeVersion8(t *testing.T) {
	srv := seeded(t, 3)
	srv.SetVersion("7.21.0")
	repo := bitbucket.RepoRef{Namespace: "TEAM", Slug: "repo-00002"}
	for token, want := range map[string]bitbucket.Permission{"ada-token": bitbucket.PermissionAdmin, "wes-token": bitbucket.PermissionWrite, "rob-token": bitbucket.PermissionRead} {
		if got, err := connect(t, srv, token).RepositoryPermission(t.Context(), repo); err != nil || got != want {
			t.Errorf("%s: RepositoryPermission = %v, %v; want %v", token, got, err, want)
		}
	}
	repos, err := bitbucket.Collect(connect(t, srv, "ada-token").ListRepositories(t.Context(),
		bitbucket.ListRepositoriesOptions{Namespace: "TEAM", MinPermission: bitbucket.PermissionAdmin}))
	if err != nil || len(repos) != 3 {
		t.Errorf("admin listing on 7.21 = %d repos, %v; want 3", len(repos), err)
	}
}

func TestFakeWebhookEventTooNew(t *testing.T) {
	srv := seeded(t, 1)
	srv.SetVersion("6.10.0")
	repo := bitbucket.RepoRef{Namespace: "TEAM", Slug: "repo-00001"}
	_, err := connect(t, srv, "ada-token").CreateWebhook(t.Context(), repo, bitbucket.WebhookSpec{
		URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPullRequestUpdated}})
	if !errors.Is(err, bitbucket.ErrNotSupported) {
		t.Errorf("err = %v, want ErrNotSupported", err)
	}
	if n := srv.Requests("POST", "/rest/api/1.0/projects/TEAM/repos/repo-00001/webhooks"); n != 0 {
		t.Errorf("%d POSTs reached the server", n)
	}
}

func TestFakeUpdateKeepsSecret(t *testing.T) {
	srv := seeded(t, 1)
	c := connect(t, srv, "ada-token")
	repo := bitbucket.RepoRef{Namespace: "TEAM", Slug: "repo-00001"}
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPush}, Secret: "s3cret"}
	h, err := c.CreateWebhook(t.Context(), repo, spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.Secret, spec.Description = "", "renamed"
	if h, err = c.UpdateWebhook(t.Context(), repo, h.ID, spec); err != nil || !h.HasSecret || h.Description != "renamed" {
		t.Fatalf("update = %+v, %v", h, err)
	}
	if hooks := srv.Hooks(repo); len(hooks) != 1 || hooks[0].Secret != "s3cret" {
		t.Errorf("stored hooks = %+v; want the secret kept", hooks)
	}
}

func TestFakePagingQuirks(t *testing.T) {
	for _, q := range []bitbuckettest.PagingQuirk{bitbuckettest.PagingStalled, bitbuckettest.PagingMissingNext} {
		srv := seeded(t, 5)
		srv.SetPagingQuirk(q)
		_, err := bitbucket.Collect(connect(t, srv, "ada-token").ListRepositories(t.Context(),
			bitbucket.ListRepositoriesOptions{Namespace: "TEAM", PageSize: 2}))
		if !errors.Is(err, bitbucket.ErrPaginationStalled) {
			t.Errorf("quirk %d: err = %v, want ErrPaginationStalled", q, err)
		}
	}
}
