package bitbuckettest

import (
	"net/url"
	"slices"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestCloudBranchesAndTags(t *testing.T) {
	srv := newCloudFixture(t, 1)
	repo := bitbucket.RepoRef{Namespace: "ws", Slug: "repo-00001"}
	head := srv.Head(repo, "main")
	srv.AddBranches(repo, "feature", 12)
	srv.AddBranch(repo, "Fix/Slash", "")
	srv.AddTag(repo, "v1.0", "main")
	base := "/repositories/ws/repo-00001"

	rep := cloudDo(t, srv, "GET", base+"/refs/branches?pagelen=5", bearer("tok"), "")
	rep.wantStatus(t, 200)
	vs := rep.values(t)
	if len(vs) != 5 || str(rep.body, "next") == "" || rep.body["size"] != float64(14) {
		t.Fatalf("first page: %d values, next %q, size %v", len(vs), str(rep.body, "next"), rep.body["size"])
	}
	if str(vs[0], "name") != "Fix/Slash" || str(vs[0], "type") != "branch" || str(vs[0], "target.hash") != head {
		t.Errorf("first branch %v", vs[0])
	}
	rep = cloudDo(t, srv, "GET", base+"/refs/branches?q="+url.QueryEscape(`name ~ "FEATURE-0001"`), bearer("tok"), "")
	rep.wantStatus(t, 200)
	var names []string
	for _, v := range rep.values(t) {
		names = append(names, str(v, "name"))
	}
	if !slices.Equal(names, []string{"feature-00010", "feature-00011", "feature-00012"}) {
		t.Errorf("q name ~: %v", names)
	}
	rep = cloudDo(t, srv, "GET", base+"/refs/branches/"+url.PathEscape("Fix/Slash"), bearer("tok"), "")
	rep.wantStatus(t, 200)
	if str(rep.body, "target.hash") != head {
		t.Errorf("one branch: %s", rep.raw)
	}
	cloudDo(t, srv, "GET", base+"/refs/branches/nope", bearer("tok"), "").wantCloudError(t, 404)
	rep = cloudDo(t, srv, "GET", base+"/refs/tags", bearer("tok"), "")
	rep.wantStatus(t, 200)
	if vs := rep.values(t); len(vs) != 1 || str(vs[0], "name") != "v1.0" || str(vs[0], "type") != "tag" {
		t.Errorf("tags: %s", rep.raw)
	}
	rep = cloudDo(t, srv, "GET", base+"/commit/v1.0", bearer("tok"), "")
	rep.wantStatus(t, 200)
	if str(rep.body, "hash") != head || str(rep.body, "message") != "Initial commit" {
		t.Errorf("commit: %s", rep.raw)
	}
	cloudDo(t, srv, "GET", base+"/commit/nope", bearer("tok"), "").wantCloudError(t, 404)
	// A caller who cannot see the repository learns nothing of its refs.
	srv.AddUser(User{Username: "eve"})
	srv.AddToken("eve-tok", "eve", "account", "repository")
	cloudDo(t, srv, "GET", base+"/refs/branches", bearer("eve-tok"), "").wantCloudError(t, 404)
}

func TestCloudSrcServesRawBytesAtRefs(t *testing.T) {
	srv := newCloudFixture(t, 1)
	repo := bitbucket.RepoRef{Namespace: "ws", Slug: "repo-00001"}
	first := srv.PutFile(repo, "main", "dir a/f.txt", []byte("v1\x00bin"))
	srv.PutFile(repo, "main", "dir a/f.txt", []byte("v2"))
	base := "/repositories/ws/repo-00001/src/"
	for ref, want := range map[string]string{"main": "v2", first: "v1\x00bin"} {
		rep := cloudDo(t, srv, "GET", base+ref+"/dir%20a/f.txt", bearer("tok"), "")
		rep.wantStatus(t, 200)
		if string(rep.raw) != want {
			t.Errorf("%s: %q, want %q", ref, rep.raw, want)
		}
	}
	cloudDo(t, srv, "GET", base+"main/missing.txt", bearer("tok"), "").wantCloudError(t, 404)
	cloudDo(t, srv, "GET", base+"no-branch/dir%20a/f.txt", bearer("tok"), "").wantCloudError(t, 404)
}

func TestCloudBuildStatusUpsert(t *testing.T) {
	srv := newCloudFixture(t, 1)
	repo := bitbucket.RepoRef{Namespace: "ws", Slug: "repo-00001"}
	head := srv.Head(repo, "main")
	path := "/repositories/ws/repo-00001/commit/" + head + "/statuses/build"
	rep := cloudDo(t, srv, "POST", path, bearer("tok"), `{"key":"ci","state":"INPROGRESS","url":"https://ci.example/1","name":"CI"}`)
	rep.wantStatus(t, 201)
	if str(rep.body, "state") != "INPROGRESS" || str(rep.body, "key") != "ci" {
		t.Errorf("created: %s", rep.raw)
	}
	cloudDo(t, srv, "POST", path, bearer("tok"), `{"key":"ci","state":"SUCCESSFUL","url":"https://ci.example/1"}`).wantStatus(t, 201)
	cloudDo(t, srv, "POST", path, bearer("tok"), `{"key":"lint","state":"STOPPED","url":"https://ci.example/2"}`).wantStatus(t, 201)
	got := srv.Statuses(repo, head)
	if len(got) != 2 || got[0].Key != "ci" || got[0].State != "SUCCESSFUL" || got[1].State != "STOPPED" {
		t.Errorf("stored: %+v", got)
	}
	for _, bad := range []string{`{"key":"k","state":"CANCELLED","url":"https://x"}`, `{"state":"FAILED","url":"https://x"}`, `{"key":"k","state":"FAILED"}`, `[`} {
		cloudDo(t, srv, "POST", path, bearer("tok"), bad).wantCloudError(t, 400)
	}
	cloudDo(t, srv, "POST", "/repositories/ws/repo-00001/commit/main/statuses/build", bearer("tok"),
		`{"key":"k","state":"FAILED","url":"https://x"}`).wantCloudError(t, 404)
	if n := len(srv.Statuses(repo, head)); n != 2 {
		t.Errorf("refused statuses were stored: %d", n)
	}
}

func TestCloudWorkspaceHooksAreForAdministrators(t *testing.T) {
	srv := newCloudFixture(t, 1)
	srv.AddUser(User{Username: "ada"})
	srv.AddToken("ada-tok", "ada", "account", "repository", "webhook")
	srv.AddWorkspaceMember("ada", "ws", true)
	id := srv.AddNamespaceHook("ws", HookInfo{URL: "https://ci.example/hook", Events: []string{"repo:push"}, Active: true, Secret: "s"})
	rep := cloudDo(t, srv, "GET", "/workspaces/ws/hooks", bearer("ada-tok"), "")
	rep.wantStatus(t, 200)
	vs := rep.values(t)
	if len(vs) != 1 || str(vs[0], "uuid") != id || str(vs[0], "subject_type") != "workspace" || vs[0]["secret_set"] != true {
		t.Errorf("hooks: %s", rep.raw)
	}
	cloudDo(t, srv, "GET", "/workspaces/ws/hooks", bearer("tok"), "").wantCloudError(t, 403)
	cloudDo(t, srv, "GET", "/workspaces/nope/hooks", bearer("ada-tok"), "").wantCloudError(t, 404)
	cloudDo(t, srv, "GET", "/workspaces/ws/hooks", "", "").wantCloudError(t, 401)
}

func TestCloudAdminRightsUnlisted(t *testing.T) {
	srv := newCloudFixture(t, 2)
	srv.AddUser(User{Username: "ada"})
	srv.AddToken("ada-tok", "ada", "account", "repository")
	srv.AddWorkspaceMember("ada", "ws", true)
	count := func() int {
		rep := cloudDo(t, srv, "GET", "/user/workspaces/ws/permissions/repositories", bearer("ada-tok"), "")
		rep.wantStatus(t, 200)
		return len(rep.values(t))
	}
	if n := count(); n != 2 {
		t.Errorf("listed: %d repositories, want 2", n)
	}
	srv.SetAdminRightsUnlisted(true)
	if n := count(); n != 0 {
		t.Errorf("unlisted: %d repositories, want 0", n)
	}
	// Explicit grants are still listed.
	srv.Grant("ada", bitbucket.RepoRef{Namespace: "ws", Slug: "repo-00001"}, bitbucket.PermissionWrite)
	if n := count(); n != 1 {
		t.Errorf("unlisted with a grant: %d repositories, want 1", n)
	}
}
