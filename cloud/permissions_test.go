package cloud

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

const permPath = "GET /2.0/user/workspaces/ws/permissions/repositories"

const wsPath = "GET /2.0/user/workspaces"

// wsAccess is a /user/workspaces page holding workspace ws with the administrator flag.
func wsAccess(admin bool) map[string]any {
	return map[string]any{"values": []any{map[string]any{"type": "workspace_access", "administrator": admin,
		"workspace": map[string]any{"type": "workspace", "slug": "ws", "uuid": "{w}"}}}}
}

func permList(perm string) map[string]any {
	if perm == "" {
		return map[string]any{"pagelen": 10, "values": []any{}}
	}
	return map[string]any{"pagelen": 10, "values": []any{map[string]any{
		"type": "repository_permission", "permission": perm,
		"user":       map[string]any{"type": "user", "uuid": "{u}"},
		"repository": map[string]any{"type": "repository", "full_name": "ws/repo", "name": "repo", "uuid": "{r}"},
	}}}
}

func TestRepositoryPermission(t *testing.T) {
	repo := bitbucket.RepoRef{Namespace: "ws", Slug: "repo"}
	type route struct {
		key string
		h   handler
	}
	tokenHeaders := []string{"X-Credential-Type", "repo_access_token"}
	tests := []struct {
		name   string
		routes []route
		want   bitbucket.Permission
		err    error
	}{
		{name: "admin", want: bitbucket.PermissionAdmin, routes: []route{{permPath, fixed(200, permList("admin"))}}},
		{name: "write", want: bitbucket.PermissionWrite, routes: []route{{permPath, fixed(200, permList("write"))}}},
		{name: "read", want: bitbucket.PermissionRead, routes: []route{{permPath, fixed(200, permList("read"))}}},
		{name: "hidden or missing", want: bitbucket.PermissionNone, routes: []route{
			{permPath, fixed(200, permList(""))},
			{wsPath, fixed(200, wsAccess(false))},
			{"GET /2.0/repositories/ws/repo", fixed(404, cloudError("Repository ws/repo not found"))},
		}},
		{name: "workspace unknown", want: bitbucket.PermissionNone, routes: []route{
			{permPath, fixed(404, cloudError("No workspace with identifier 'ws'."))},
			{"GET /2.0/repositories/ws/repo", fixed(404, cloudError("Repository ws/repo not found"))},
		}},
		{name: "workspace administrator not listed", want: bitbucket.PermissionAdmin, routes: []route{
			{permPath, fixed(200, permList(""))},
			{wsPath, fixed(200, wsAccess(true))},
			{"GET /2.0/repositories/ws/repo", fixed(200, repoJSON("ws", "repo", 1))},
		}},
		{name: "workspace administrator, no such repository", want: bitbucket.PermissionNone, routes: []route{
			{permPath, fixed(200, permList(""))},
			{wsPath, fixed(200, wsAccess(true))},
			{"GET /2.0/repositories/ws/repo", fixed(404, cloudError("Repository ws/repo not found"))},
		}},
		{name: "workspace administrator listed", want: bitbucket.PermissionAdmin, routes: []route{
			{permPath, fixed(200, permList("admin"))},
		}},
		{name: "public without grant", want: bitbucket.PermissionRead, routes: []route{
			{permPath, fixed(200, permList(""))},
			{wsPath, fixed(200, wsAccess(false))},
			{"GET /2.0/repositories/ws/repo", fixed(200, repoJSON("ws", "repo", 1))},
		}},
		{name: "access token admin", want: bitbucket.PermissionAdmin, routes: []route{
			{permPath, fixed(403, cloudError("Access tokens cannot read permissions"), tokenHeaders...)},
			{"GET /2.0/repositories/ws/repo", fixed(200, repoJSON("ws", "repo", 1), "X-OAuth-Scopes", "repository, repository:admin, webhook", "X-Credential-Type", "repo_access_token")},
			{"GET /2.0/repositories/ws/repo/hooks", func(r *http.Request, _ string) *http.Response {
				if r.URL.Query().Get("pagelen") != "1" {
					t.Errorf("hooks probe asked for pagelen %q", r.URL.Query().Get("pagelen"))
				}
				return respond(200, map[string]any{"values": []any{}})
			}},
		}},
		{name: "access token write", want: bitbucket.PermissionWrite, routes: []route{
			{permPath, fixed(401, cloudError("Access tokens cannot read permissions"), tokenHeaders...)},
			{"GET /2.0/repositories/ws/repo", fixed(200, repoJSON("ws", "repo", 1), "X-OAuth-Scopes", "repository:write, pullrequest", "X-Credential-Type", "repo_access_token")},
		}},
		{name: "access token webhook scope but hooks refused", want: bitbucket.PermissionRead, routes: []route{
			{permPath, fixed(403, cloudError("no"), tokenHeaders...)},
			{"GET /2.0/repositories/ws/repo", fixed(200, repoJSON("ws", "repo", 1), "X-OAuth-Scopes", "repository, webhook")},
			{"GET /2.0/repositories/ws/repo/hooks", fixed(403, cloudError("You need admin"))},
		}},
		{name: "access token read", want: bitbucket.PermissionRead, routes: []route{
			{permPath, fixed(403, cloudError("no"), tokenHeaders...)},
			{"GET /2.0/repositories/ws/repo", fixed(200, repoJSON("ws", "repo", 1), "X-OAuth-Scopes", "repository")},
		}},
		{name: "access token other repository", want: bitbucket.PermissionNone, routes: []route{
			{permPath, fixed(403, cloudError("no"), tokenHeaders...)},
			{"GET /2.0/repositories/ws/repo", fixed(403, cloudError("Token has no access to this repository"))},
		}},
		{name: "bad credentials", err: bitbucket.ErrUnauthorized, routes: []route{
			{permPath, fixed(401, cloudError("Token is invalid"))},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMock(t)
			for _, r := range tt.routes {
				m.on(r.key, r.h)
			}
			got, err := m.client(nil).RepositoryPermission(t.Context(), repo)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %s, %v; want %s", got, err, tt.want)
			}
			if q := m.Calls()[0].Query.Get("q"); q != `repository.full_name="ws/repo"` {
				t.Errorf("q = %s", q)
			}
		})
	}
}

func TestRepositoryPermissionValidatesFirst(t *testing.T) {
	m := newMock(t)
	for _, r := range []bitbucket.RepoRef{{}, {Namespace: "ws"}, {Namespace: "a/b", Slug: "c"}} {
		if _, err := m.client(nil).RepositoryPermission(t.Context(), r); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%+v: got %v", r, err)
		}
	}
	if len(m.Calls()) != 0 {
		t.Errorf("requests sent for invalid references")
	}
}

func TestRepositoryPermissionsFewRequests(t *testing.T) {
	m := newMock(t)
	var repos []bitbucket.RepoRef
	var values []any
	for i := 1; i <= 25; i++ {
		r := bitbucket.RepoRef{Namespace: "ws", Slug: fmt.Sprintf("r%02d", i)}
		repos = append(repos, r)
		if i <= 20 { // r21..r25 are not listed: r21 is public, the others hidden
			values = append(values, map[string]any{"permission": []string{"read", "write", "admin"}[i%3],
				"repository": map[string]any{"full_name": r.String()}})
		}
	}
	for i := 1; i <= 3; i++ {
		repos = append(repos, bitbucket.RepoRef{Namespace: "adm", Slug: fmt.Sprintf("a%d", i)})
	}
	m.on("GET /2.0/user/workspaces", fixed(200, map[string]any{"values": []any{
		map[string]any{"administrator": false, "workspace": map[string]any{"slug": "ws"}},
		map[string]any{"administrator": true, "workspace": map[string]any{"slug": "adm"}},
	}}))
	m.on(permPath, func(r *http.Request, _ string) *http.Response {
		q := r.URL.Query().Get("q")
		if !strings.HasPrefix(q, `repository.full_name IN ("ws/r01", "ws/r02"`) {
			t.Errorf("q = %s", q)
		}
		return respond(200, map[string]any{"values": values})
	})
	// One filtered listing tells which unlisted repositories the caller can see: r21 only.
	m.on("GET /2.0/repositories/ws", func(r *http.Request, _ string) *http.Response {
		if q := r.URL.Query().Get("q"); q != `full_name IN ("ws/r21", "ws/r22", "ws/r23", "ws/r24", "ws/r25")` {
			t.Errorf("visibility q = %s", q)
		}
		return respond(200, map[string]any{"values": []any{map[string]any{"full_name": "ws/r21"}}})
	})
	// The administered workspace: a1 and a2 exist, a3 does not.
	m.on("GET /2.0/repositories/adm", fixed(200, map[string]any{"values": []any{
		map[string]any{"full_name": "adm/a1"}, map[string]any{"full_name": "adm/A2"}}}))
	got, err := m.client(nil).RepositoryPermissions(t.Context(), repos)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(repos) {
		t.Fatalf("%d entries for %d repositories", len(got), len(repos))
	}
	for i, r := range repos {
		want := bitbucket.PermissionAdmin // the administered workspace
		switch {
		case r.Namespace == "adm" && r.Slug == "a3":
			want = bitbucket.PermissionNone
		case r.Namespace == "adm":
		case i < 20:
			want = []bitbucket.Permission{bitbucket.PermissionRead, bitbucket.PermissionWrite, bitbucket.PermissionAdmin}[(i+1)%3]
		case r.Slug == "r21":
			want = bitbucket.PermissionRead
		default:
			want = bitbucket.PermissionNone
		}
		if got[r] != want {
			t.Errorf("%s: %s, want %s", r, got[r], want)
		}
	}
	// The workspaces once, one filtered permission list for 25, one listing for the 5 unlisted,
	// and one listing for the administered workspace.
	if n := len(m.Calls()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

// A workspace administrator is admin on its repositories whether or not the service lists the
// implicit rights (unconfirmed), and none on a repository that does not exist.
func TestWorkspaceAdministratorEitherWay(t *testing.T) {
	for _, unlisted := range []bool{false, true} {
		fake := bitbuckettest.NewCloud()
		fake.AddUser(bitbuckettest.User{Username: "ada"})
		fake.AddToken("tok", "ada", "account", "repository", "webhook")
		fake.AddRepositories("ws", "r", 3)
		fake.AddWorkspaceMember("ada", "ws", true)
		fake.SetAdminRightsUnlisted(unlisted)
		c, err := New(auth.Bearer("tok"), fake.Options()...)
		if err != nil {
			t.Fatal(err)
		}
		repos := []bitbucket.RepoRef{{Namespace: "ws", Slug: "r-00001"}, {Namespace: "ws", Slug: "r-00003"}, {Namespace: "ws", Slug: "missing"}}
		want := []bitbucket.Permission{bitbucket.PermissionAdmin, bitbucket.PermissionAdmin, bitbucket.PermissionNone}
		bulk, err := c.RepositoryPermissions(t.Context(), repos)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range repos {
			one, err := c.RepositoryPermission(t.Context(), r)
			if err != nil || one != want[i] || bulk[r] != want[i] {
				t.Errorf("unlisted=%v %s: one %v (%v), bulk %v; want %v", unlisted, r, one, err, bulk[r], want[i])
			}
		}
		fake.Close()
	}
}
