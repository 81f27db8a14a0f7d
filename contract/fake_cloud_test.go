package contract

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// newCloudFake seeds a Cloud fake: alice administers workspace acme, bob reads acme/app only,
// oss is a public workspace, and tok-repo is a repository access token on acme/app.
func newCloudFake(t *testing.T) *bitbuckettest.Server {
	t.Helper()
	fake := bitbuckettest.NewCloud()
	t.Cleanup(fake.Close)
	fake.AddUser(bitbuckettest.User{Username: "alice", DisplayName: "Alice Admin", Email: "alice@example.com"})
	fake.AddUser(bitbuckettest.User{Username: "bob", DisplayName: "Bob Reader"})
	fake.AddToken("alice-token", "alice")
	fake.AddToken("bob-token", "bob")
	fake.AddNamespace(bitbuckettest.Namespace{Key: "acme", Name: "Acme"})
	fake.AddNamespace(bitbuckettest.Namespace{Key: "oss", Name: "Open source", Public: true})
	fake.AddWorkspaceMember("alice", "acme", true)
	fake.AddWorkspaceMember("bob", "acme", false)
	fake.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "app", Name: "App", Description: "the app"})
	fake.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "old", Archived: true})
	fake.AddRepositories("acme", "svc", 5)
	fake.AddRepository(bitbuckettest.Repository{Namespace: "oss", Slug: "docs", Public: true})
	fake.Grant("alice", bitbucket.RepoRef{Namespace: "acme"}, bitbucket.PermissionAdmin)
	fake.Grant("bob", bitbucket.RepoRef{Namespace: "acme", Slug: "app"}, bitbucket.PermissionRead)
	fake.AddAccessToken("tok-repo", "repo", bitbucket.RepoRef{Namespace: "acme", Slug: "app"})
	return fake
}

func newCloudTransport(t *testing.T, fake *bitbuckettest.Server) *Transport {
	t.Helper()
	rt, err := NewCloud(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestCloudFakeMatchesSpec drives every endpoint the Cloud fake serves, successes and errors,
// and requires each request and response to validate against the Cloud document.
func TestCloudFakeMatchesSpec(t *testing.T) {
	fake := newCloudFake(t)
	rt := newCloudTransport(t, fake)
	const (
		a    = "alice-token"
		b    = "bob-token"
		bad  = "not-a-token"
		repo = "/repositories/acme/app"
	)
	perm := "/user/workspaces/acme/permissions/repositories?q=" + url.QueryEscape(`repository.full_name="acme/app"`)
	calls := []call{
		{"GET", "/user", a, "", 200},
		{"GET", "/user", "", "", 401},
		{"GET", "/user", bad, "", 401},
		{"GET", "/user", "tok-repo", "", 403},
		{"GET", "/user/emails", a, "", 200},
		{"GET", "/user/emails", b, "", 200},
		{"GET", "/user/workspaces", a, "", 200},
		{"GET", "/user/workspaces?sort=slug&pagelen=1", a, "", 200},
		{"GET", "/user/workspaces?administrator=true", a, "", 200},
		{"GET", "/user/workspaces", "tok-repo", "", 403},
		{"GET", perm, a, "", 200},
		{"GET", perm, b, "", 200},
		{"GET", "/user/workspaces/acme/permissions/repositories?q=" + url.QueryEscape(`permission>"read"`) +
			"&sort=repository.name", a, "", 200},
		{"GET", "/repositories/acme", a, "", 200},
		{"GET", "/repositories/acme", "", "", 200},
		{"GET", "/repositories/acme?role=admin&pagelen=100", a, "", 200},
		{"GET", "/repositories/acme?role=member", b, "", 200},
		{"GET", "/repositories/acme?q=" + url.QueryEscape(`name ~ "sv"`) + "&sort=-updated_on", a, "", 200},
		{"GET", "/repositories/acme?fields=" + url.QueryEscape("values.full_name,values.uuid,next"), a, "", 200},
		{"GET", "/repositories/acme?pagelen=0", a, "", 400},
		{"GET", "/repositories/oss", "", "", 200},
		{"GET", "/repositories/acme", "tok-repo", "", 200},
		{"GET", repo, a, "", 200},
		{"GET", repo, b, "", 200},
		{"GET", repo, "tok-repo", "", 200},
		{"GET", "/repositories/oss/docs", "", "", 200},
		{"GET", "/repositories/acme/missing", a, "", 404},
		{"GET", repo, "", "", 404},
		{"GET", repo + "/hooks", a, "", 200},
		{"GET", repo + "/hooks", b, "", 403},
		{"GET", repo + "/hooks", "", "", 401},
		{"POST", repo + "/hooks", b, `{"url":"https://ci.example.com/hook","events":["repo:push"]}`, 403},
		{"POST", repo + "/hooks", a, `{"url":"ftp://ci.example.com/hook","events":["repo:push"]}`, 400},
		{"GET", repo + "/hooks/{00000000-0000-4000-8000-000000000000}", a, "", 404},
		{"DELETE", repo + "/hooks/{00000000-0000-4000-8000-000000000000}", a, "", 404},
	}
	for _, c := range calls {
		send(t, rt, fake.URL(), c)
	}

	// Follow a next link: it carries the opaque page token.
	first := send(t, rt, fake.URL(), call{"GET", "/repositories/acme?pagelen=2", a, "", 200})
	var page struct{ Next string }
	if err := json.Unmarshal(first, &page); err != nil || !strings.HasPrefix(page.Next, fake.URL()) {
		t.Fatalf("first page: next %q (%v)", page.Next, err)
	}
	send(t, rt, "", call{"GET", page.Next, a, "", 200})

	// Webhook lifecycle.
	created := send(t, rt, fake.URL(), call{"POST", repo + "/hooks", a, `{"description":"CI","url":"https://ci.example.com/hook",` +
		`"active":true,"secret":"s3cret","events":["repo:push","pullrequest:created"]}`, 201})
	var hook struct{ UUID string }
	if err := json.Unmarshal(created, &hook); err != nil || hook.UUID == "" {
		t.Fatalf("created webhook: %s (%v)", created, err)
	}
	one := repo + "/hooks/" + url.PathEscape(hook.UUID)
	send(t, rt, fake.URL(), call{"GET", one, a, "", 200})
	send(t, rt, fake.URL(), call{"GET", repo + "/hooks", "tok-repo", "", 200})
	send(t, rt, fake.URL(), call{"PUT", one, a, `{"description":"CI 2","active":false,"secret":null,` +
		`"events":["pullrequest:fulfilled"]}`, 200})
	send(t, rt, fake.URL(), call{"PUT", one, a, `{"url":"https://ci.example.com/other"}`, 200})
	send(t, rt, fake.URL(), call{"DELETE", one, a, "", 204})
	send(t, rt, fake.URL(), call{"GET", one, a, "", 404})

	// Git data: branches, tags, a commit, files at refs, build statuses; workspace hooks.
	app := bitbucket.RepoRef{Namespace: "acme", Slug: "app"}
	fake.AddBranch(app, "feature/x", "")
	fake.AddTag(app, "v1.0", "main")
	head := fake.PutFile(app, "main", "ci/build yml.txt", []byte("steps: []\n"))
	fake.AddNamespaceHook("acme", bitbuckettest.HookInfo{URL: "https://ci.example.com/ws-hook", Events: []string{"repo:push"}, Active: true})
	status := `{"type":"build","key":"ci","state":"SUCCESSFUL","name":"CI","description":"ok","url":"https://ci.example.com/1"}`
	for _, c := range []call{
		{"GET", repo + "/refs/branches", a, "", 200},
		{"GET", repo + "/refs/branches?pagelen=1&q=" + url.QueryEscape(`name ~ "feat"`), b, "", 200},
		{"GET", repo + "/refs/branches/" + url.PathEscape("feature/x"), a, "", 200},
		{"GET", repo + "/refs/branches/nope", a, "", 404},
		{"GET", repo + "/refs/branches", "", "", 404},
		{"GET", repo + "/refs/tags", a, "", 200},
		{"GET", repo + "/refs/tags/v1.0", a, "", 200},
		{"GET", repo + "/commit/" + head, a, "", 200},
		{"GET", repo + "/commit/main", b, "", 200},
		{"GET", repo + "/commit/nope", a, "", 404},
		{"GET", repo + "/src/" + head + "/ci/build%20yml.txt", a, "", 200},
		{"GET", repo + "/src/main/ci/build%20yml.txt", b, "", 200},
		{"GET", repo + "/src/main/missing.txt", a, "", 404},
		{"POST", repo + "/commit/" + head + "/statuses/build", a, status, 201},
		{"POST", repo + "/commit/" + head + "/statuses/build", a, status, 201},
		{"POST", repo + "/commit/0000000000000000000000000000000000000000/statuses/build", a, status, 404},
		{"GET", "/workspaces/acme/hooks", a, "", 200},
		{"GET", "/workspaces/acme/hooks", b, "", 403},
		{"GET", "/workspaces/missing/hooks", a, "", 404},
	} {
		send(t, rt, fake.URL(), c)
	}
	if got := fake.Statuses(app, head); len(got) != 1 || got[0].State != "SUCCESSFUL" {
		t.Errorf("statuses stored: %+v", got)
	}

	rt.Check(t)
	requireOperations(t, rt,
		"GET /repositories/{workspace}/{repo_slug}/refs/branches",
		"GET /repositories/{workspace}/{repo_slug}/refs/branches/{name}",
		"GET /repositories/{workspace}/{repo_slug}/refs/tags",
		"GET /repositories/{workspace}/{repo_slug}/refs/tags/{name}",
		"GET /repositories/{workspace}/{repo_slug}/commit/{commit}",
		"GET /repositories/{workspace}/{repo_slug}/src/{commit}/{path}",
		"POST /repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build",
		"GET /workspaces/{workspace}/hooks",
		"GET /user",
		"GET /user/emails",
		"GET /user/workspaces",
		"GET /user/workspaces/{workspace}/permissions/repositories",
		"GET /repositories/{workspace}",
		"GET /repositories/{workspace}/{repo_slug}",
		"GET /repositories/{workspace}/{repo_slug}/hooks",
		"POST /repositories/{workspace}/{repo_slug}/hooks",
		"GET /repositories/{workspace}/{repo_slug}/hooks/{uid}",
		"PUT /repositories/{workspace}/{repo_slug}/hooks/{uid}",
		"DELETE /repositories/{workspace}/{repo_slug}/hooks/{uid}",
	)
}

// TestCloudFakeRetiredEndpoints checks how the fake answers the endpoints removed under
// CHANGE-2770 (410 with the error envelope), and that the validator flags any call to them unless
// told to allow it.
func TestCloudFakeRetiredEndpoints(t *testing.T) {
	fake := newCloudFake(t)
	retiredPaths := []string{"/repositories", "/workspaces", "/user/permissions/repositories", "/user/permissions/workspaces"}

	rt := newCloudTransport(t, fake)
	rt.AllowRetired()
	for _, p := range retiredPaths {
		send(t, rt, fake.URL(), call{"GET", p, "alice-token", "", 410})
	}
	rt.Check(t)

	strict := newCloudTransport(t, fake)
	for _, p := range retiredPaths {
		send(t, strict, fake.URL(), call{"GET", p, "alice-token", "", 410})
	}
	var flagged []string
	for _, f := range strict.Failures() {
		if strings.Contains(f.Message, "deprecated or removed") {
			flagged = append(flagged, f.Path)
		}
	}
	want := make([]string, len(retiredPaths))
	for i, p := range retiredPaths {
		want[i] = "/2.0" + p
	}
	if !slices.Equal(flagged, want) {
		t.Errorf("flagged %v, want %v", flagged, want)
	}
	if n := fake.RemovedEndpointHits(); n != 2*len(retiredPaths) {
		t.Errorf("RemovedEndpointHits = %d", n)
	}
}

// TestCloudFakeOAuthIsAllowListed sends a token request to the fake's OAuth endpoint, which the
// API document does not describe, and checks it is allow-listed rather than failed.
func TestCloudFakeOAuthIsAllowListed(t *testing.T) {
	fake := newCloudFake(t)
	rt := newCloudTransport(t, fake)
	send(t, rt, "", call{"POST", fake.OAuthTokenURL(), "", `{}`, 401})
	rt.Check(t)
	if got := rt.Undocumented(); !slices.Equal(got, []string{"POST /site/oauth2/access_token"}) {
		t.Errorf("undocumented endpoints called: %v", got)
	}
}
