package contract

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// newDCFake seeds a Data Center fake: alice administers project PRJ (and owns ~alice), bob reads
// PRJ/app only, PUB is a public project.
func newDCFake(t *testing.T) *bitbuckettest.Server {
	t.Helper()
	fake := bitbuckettest.NewServer()
	t.Cleanup(fake.Close)
	fake.AddUser(bitbuckettest.User{Username: "alice", DisplayName: "Alice Admin", Email: "alice@example.com"})
	fake.AddUser(bitbuckettest.User{Username: "bob", DisplayName: "Bob Reader"})
	fake.AddToken("alice-token", "alice")
	fake.AddToken("bob-token", "bob")
	fake.AddNamespace(bitbuckettest.Namespace{Key: "PRJ", Name: "Project"})
	fake.AddNamespace(bitbuckettest.Namespace{Key: "PUB", Name: "Public things", Public: true})
	fake.AddRepository(bitbuckettest.Repository{Namespace: "PRJ", Slug: "app", Name: "App", Description: "the app"})
	fake.AddRepository(bitbuckettest.Repository{Namespace: "PRJ", Slug: "old", Archived: true})
	fake.AddRepositories("PRJ", "svc", 5)
	fake.AddRepository(bitbuckettest.Repository{Namespace: "PUB", Slug: "docs"})
	fake.AddRepository(bitbuckettest.Repository{Namespace: "~alice", Slug: "dotfiles"})
	fake.Grant("alice", bitbucket.RepoRef{Namespace: "PRJ"}, bitbucket.PermissionAdmin)
	fake.Grant("alice", bitbucket.RepoRef{Namespace: "~alice"}, bitbucket.PermissionAdmin)
	fake.Grant("bob", bitbucket.RepoRef{Namespace: "PRJ", Slug: "app"}, bitbucket.PermissionRead)
	app := bitbucket.RepoRef{Namespace: "PRJ", Slug: "app"}
	fake.AddBranch(app, "feature/x", "")
	fake.PutFile(app, "main", "ci/build.yml", []byte("steps: []\n"))
	fake.AddTag(app, "v1.0", "main")
	fake.AddNamespaceHook("PRJ", bitbuckettest.HookInfo{URL: "https://ci.example.com/project", Events: []string{"repo:refs_changed"}, Active: true})
	return fake
}

func newDCTransport(t *testing.T, fake *bitbuckettest.Server) *Transport {
	t.Helper()
	rt, err := NewDataCenter(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestDataCenterFakeMatchesSpec drives every endpoint the Data Center fake serves, successes and
// errors, and requires each request and response to validate against the 9.4 document.
func TestDataCenterFakeMatchesSpec(t *testing.T) {
	fake := newDCFake(t)
	rt := newDCTransport(t, fake)
	const (
		a    = "alice-token"
		b    = "bob-token"
		bad  = "not-a-token"
		api  = "/rest/api/1.0"
		repo = api + "/projects/PRJ/repos/app"
	)
	calls := []call{
		{"GET", api + "/application-properties", "", "", 200},
		{"GET", "/rest/api/latest/application-properties", a, "", 200},
		{"GET", api + "/users/alice", a, "", 200},
		{"GET", api + "/users/bob", a, "", 200},
		{"GET", api + "/users/nobody", a, "", 404},
		{"GET", api + "/users/alice", "", "", 401},
		{"GET", api + "/users/alice", bad, "", 401},
		{"GET", api + "/projects", a, "", 200},
		{"GET", api + "/projects?name=pro&start=0&limit=1", a, "", 200},
		{"GET", api + "/projects?permission=PROJECT_ADMIN", a, "", 200},
		{"GET", api + "/projects", "", "", 200},
		{"GET", api + "/projects/PRJ", a, "", 200},
		{"GET", api + "/projects/~alice", a, "", 200},
		{"GET", api + "/projects/NOPE", a, "", 404},
		{"GET", api + "/projects/PRJ", "", "", 401},
		{"GET", api + "/projects/PRJ/repos", a, "", 200},
		{"GET", api + "/projects/PRJ/repos?start=0&limit=2", a, "", 200},
		{"GET", api + "/projects/PRJ/repos?start=4&limit=2", a, "", 200},
		{"GET", api + "/projects/~alice/repos", a, "", 200},
		{"GET", api + "/projects/NOPE/repos", a, "", 404},
		{"GET", api + "/repos", a, "", 200},
		{"GET", api + "/repos", "", "", 200},
		{"GET", api + "/repos?name=sv&limit=2", a, "", 200},
		{"GET", api + "/repos?projectname=public", a, "", 200},
		{"GET", api + "/repos?projectkey=PRJ&archived=ALL", a, "", 200},
		{"GET", api + "/repos?archived=ARCHIVED", a, "", 200},
		{"GET", api + "/repos?permission=REPO_ADMIN", a, "", 200},
		{"GET", api + "/repos?permission=REPO_WRITE", b, "", 200},
		{"GET", api + "/repos?permission=REPO_READ", "", "", 200},
		{"GET", api + "/repos?visibility=public&state=AVAILABLE", a, "", 200},
		{"GET", api + "/repos?archived=SOMETIMES", a, "", 400},
		{"GET", api + "/repos", bad, "", 401},
		{"GET", repo, a, "", 200},
		{"GET", repo, b, "", 200},
		{"GET", api + "/projects/PUB/repos/docs", "", "", 200},
		{"GET", api + "/projects/~alice/repos/dotfiles", a, "", 200},
		{"GET", api + "/projects/PRJ/repos/missing", a, "", 404},
		{"GET", repo, "", "", 401},
		{"GET", repo + "/default-branch", a, "", 200},
		{"GET", repo + "/webhooks", a, "", 200},
		{"GET", repo + "/webhooks", b, "", 401},
		{"POST", repo + "/webhooks", b, `{"name":"ci","url":"https://ci.example.com/hook","events":["repo:refs_changed"]}`, 401},
		{"POST", repo + "/webhooks", a, `{"name":"ci","url":"https://ci.example.com/hook","events":["bogus:event"]}`, 400},
		{"POST", repo + "/webhooks", a, `{"name":"ci","url":"ftp://ci.example.com/hook","events":["repo:refs_changed"]}`, 400},
		{"GET", repo + "/webhooks/999", a, "", 404},
		{"GET", api + "/users?filter=ali&start=0&limit=100", a, "", 200},
		{"GET", api + "/projects/PRJ/webhooks", a, "", 200},
		{"GET", api + "/projects/PRJ/webhooks?start=0&limit=1000", a, "", 200},
		{"GET", api + "/projects/PRJ/webhooks", b, "", 401},
		{"GET", repo + "/branches", a, "", 200},
		{"GET", repo + "/branches?filterText=feat&start=0&limit=1", a, "", 200},
		{"GET", repo + "/branches/default", a, "", 200},
		{"GET", repo + "/tags?filterText=v&start=0&limit=25", a, "", 200},
		{"GET", repo + "/commits/main", a, "", 200},
		{"GET", repo + "/commits/v1.0", b, "", 200},
		{"GET", repo + "/commits/nope", a, "", 404},
		{"GET", repo + "/raw/ci/build.yml?at=main", a, "", 200},
		{"GET", repo + "/raw/ci/build.yml", b, "", 200},
		{"GET", repo + "/raw/absent.txt?at=main", a, "", 404},
		{"GET", repo + "/raw/ci/build.yml?at=feature/x", a, "", 404},
		{"DELETE", repo + "/webhooks/999", a, "", 404},
	}
	for _, c := range calls {
		send(t, rt, fake.URL(), c)
	}

	// Webhook lifecycle: create, list, read, update, delete.
	created := send(t, rt, fake.URL(), call{"POST", repo + "/webhooks", a,
		`{"name":"ci","url":"https://ci.example.com/hook","active":true,"events":["repo:refs_changed","pr:opened"],` +
			`"configuration":{"secret":"s3cret"},"sslVerificationRequired":true}`, 200})
	var hook struct{ ID int }
	if err := json.Unmarshal(created, &hook); err != nil || hook.ID == 0 {
		t.Fatalf("created webhook: %s (%v)", created, err)
	}
	one := repo + "/webhooks/" + strconv.Itoa(hook.ID)
	send(t, rt, fake.URL(), call{"GET", repo + "/webhooks?event=pr:opened", a, "", 200})
	send(t, rt, fake.URL(), call{"GET", repo + "/webhooks?start=0&limit=1", a, "", 200})
	send(t, rt, fake.URL(), call{"GET", one, a, "", 200})
	send(t, rt, fake.URL(), call{"PUT", one, a, `{"name":"ci-2","url":"https://ci.example.com/hook2","active":false,` +
		`"events":["pr:merged"],"configuration":{}}`, 200})
	send(t, rt, fake.URL(), call{"PUT", one, a, `{"name":""}`, 400})
	send(t, rt, fake.URL(), call{"DELETE", one, a, "", 204})
	send(t, rt, fake.URL(), call{"GET", one, a, "", 404})

	// Build statuses: on the repository (7.4+) and on the build-status root.
	var head struct{ ID string }
	if err := json.Unmarshal(send(t, rt, fake.URL(), call{"GET", repo + "/commits/main", a, "", 200}), &head); err != nil || head.ID == "" {
		t.Fatalf("head commit: %v", err)
	}
	status := `{"key":"ci","state":"INPROGRESS","url":"https://ci.example.com/1","name":"CI","description":"building"}`
	send(t, rt, fake.URL(), call{"POST", repo + "/commits/" + head.ID + "/builds", a, status, 204})
	send(t, rt, fake.URL(), call{"POST", repo + "/commits/" + head.ID + "/builds", a, `{"key":"ci","state":"CANCELLED","url":"https://ci.example.com/1"}`, 204})
	send(t, rt, fake.URL(), call{"POST", "/rest/build-status/1.0/commits/" + head.ID, a, status, 204})

	// The applinks whoami servlet is undocumented and allow-listed.
	send(t, rt, fake.URL(), call{"GET", "/plugins/servlet/applinks/whoami", a, "", 200})
	send(t, rt, fake.URL(), call{"GET", "/plugins/servlet/applinks/whoami", "", "", 401})

	rt.Check(t)
	requireOperations(t, rt,
		"GET /api/latest/application-properties",
		"GET /api/latest/users/{userSlug}",
		"GET /api/latest/projects",
		"GET /api/latest/projects/{projectKey}",
		"GET /api/latest/projects/{projectKey}/repos",
		"GET /api/latest/repos",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/default-branch",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks",
		"POST /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}",
		"PUT /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}",
		"DELETE /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}",
		"GET /api/latest/users",
		"GET /api/latest/projects/{projectKey}/webhooks",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/branches",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/branches/default",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/tags",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/commits/{commitId}",
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/raw/{path}",
		"POST /api/latest/projects/{projectKey}/repos/{repositorySlug}/commits/{commitId}/builds",
		"POST /build-status/latest/commits/{commitId}",
	)
	if got := rt.Undocumented(); !slices.Equal(got, []string{"GET /plugins/servlet/applinks/whoami"}) {
		t.Errorf("undocumented endpoints called: %v", got)
	}
}
