package cloud

import (
	"errors"
	"net/http"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

const permPath = "GET /2.0/user/workspaces/ws/permissions/repositories"

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
			{"GET /2.0/repositories/ws/repo", fixed(404, cloudError("Repository ws/repo not found"))},
		}},
		{name: "workspace unknown", want: bitbucket.PermissionNone, routes: []route{
			{permPath, fixed(404, cloudError("No workspace with identifier 'ws'."))},
			{"GET /2.0/repositories/ws/repo", fixed(404, cloudError("Repository ws/repo not found"))},
		}},
		{name: "public without grant", want: bitbucket.PermissionRead, routes: []route{
			{permPath, fixed(200, permList(""))},
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
