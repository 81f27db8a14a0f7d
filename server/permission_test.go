package server

import (
	"errors"
	"sync"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

var permRepo = bitbucket.RepoRef{Namespace: "PRJ", Slug: "api"}

// servePermission serves GET repo, and GET /repos at REPO_ADMIN and REPO_WRITE with the given
// results (projectkey filtered, as from 8.0).
func servePermission(t *testing.T, mt *httpmock.MockTransport, admin, write []any) {
	registerVersion(t, mt, "9.4.2")
	mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos/api", jsonResponder(t, 200, repository(1, "PRJ", "api", "API")))
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "projectkey=PRJ&name=API&permission=REPO_ADMIN&archived=ALL&start=0&limit=1000",
		jsonResponder(t, 200, page(0, 1000, -1, admin...)))
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "projectkey=PRJ&name=API&permission=REPO_WRITE&archived=ALL&start=0&limit=1000",
		jsonResponder(t, 200, page(0, 1000, -1, write...)))
	mt.RegisterResponderWithQuery("GET", testAPI+"/projects/PRJ/repos/api/webhooks", "start=0&limit=1",
		jsonResponder(t, 200, page(0, 1, -1)))
}

func TestRepositoryPermission(t *testing.T) {
	exact := repository(1, "PRJ", "api", "API")
	// The name filter is fuzzy: a repository whose name contains "API" is not the one asked about.
	lookalike := repository(5, "PRJ", "api-gateway", "API gateway")
	for _, c := range []struct {
		name         string
		admin, write []any
		want         bitbucket.Permission
	}{
		{"admin", []any{lookalike, exact}, []any{lookalike, exact}, bitbucket.PermissionAdmin},
		{"writer", []any{lookalike}, []any{exact}, bitbucket.PermissionWrite},
		{"reader", nil, []any{lookalike}, bitbucket.PermissionRead},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t)
			servePermission(t, mt, c.admin, c.write)
			got, err := cl.RepositoryPermission(t.Context(), permRepo)
			if err != nil || got != c.want {
				t.Errorf("RepositoryPermission = %v, %v; want %v, nil", got, err, c.want)
			}
		})
	}
}

func TestRepositoryPermissionHidden(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		body   any
	}{
		{"404", 404, restErrors("Repository PRJ/api does not exist.", excNoSuchRepo)},
		{"401 authorisation", 401, restErrors("You are not permitted to access this resource", excAuthorisation)},
		{"403", 403, restErrors("Forbidden", "")},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t)
			mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos/api", jsonResponder(t, c.status, c.body))
			got, err := cl.RepositoryPermission(t.Context(), permRepo)
			if err != nil || got != bitbucket.PermissionNone {
				t.Errorf("RepositoryPermission = %v, %v; want none, nil", got, err)
			}
			if ok, err := bitbucket.CanAdmin(t.Context(), cl, permRepo); ok || err != nil {
				t.Errorf("CanAdmin = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

func TestRepositoryPermissionErrors(t *testing.T) {
	t.Run("bad token", func(t *testing.T) {
		cl, mt := newTestClient(t)
		mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos/api", jsonResponder(t, 401, restErrors("Authentication failed.", excAuthentication)))
		if got, err := cl.RepositoryPermission(t.Context(), permRepo); !errors.Is(err, bitbucket.ErrUnauthorized) || got != bitbucket.PermissionNone {
			t.Errorf("RepositoryPermission = %v, %v; want none, ErrUnauthorized", got, err)
		}
	})
	t.Run("rate limited on the search", func(t *testing.T) {
		cl, mt := newTestClient(t)
		registerVersion(t, mt, "9.4.2")
		mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos/api", jsonResponder(t, 200, repository(1, "PRJ", "api", "API")))
		mt.RegisterResponder("GET", testAPI+"/repos", jsonResponder(t, 429, restErrors("Too many requests", "")))
		if _, err := cl.RepositoryPermission(t.Context(), permRepo); !errors.Is(err, bitbucket.ErrRateLimited) {
			t.Errorf("err = %v, want ErrRateLimited", err)
		}
	})
	t.Run("invalid reference", func(t *testing.T) {
		cl, _ := newTestClient(t)
		if _, err := cl.RepositoryPermission(t.Context(), bitbucket.RepoRef{Namespace: "PRJ"}); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("err = %v, want ErrInvalidInput", err)
		}
	})
}

func TestRepositoryPermissionBefore80(t *testing.T) {
	cl, mt := newTestClient(t)
	registerVersion(t, mt, "7.21.4")
	mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos/api", jsonResponder(t, 200, repository(1, "PRJ", "api", "API")))
	// Without projectkey the answers span projects, over two pages: only PRJ/api counts.
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "name=API&permission=REPO_ADMIN&start=0&limit=1000",
		jsonResponder(t, 200, page(0, 1000, 1000, repository(2, "OTHER", "api", "API"))))
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "name=API&permission=REPO_ADMIN&start=1000&limit=1000",
		jsonResponder(t, 200, page(1000, 1000, -1, repository(3, "THIRD", "api", "API"))))
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "name=API&permission=REPO_WRITE&start=0&limit=1000",
		jsonResponder(t, 200, page(0, 1000, 31, repository(2, "OTHER", "api", "API"))))
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "name=API&permission=REPO_WRITE&start=31&limit=1000",
		jsonResponder(t, 200, page(31, 1000, -1, repository(1, "PRJ", "api", "API"))))
	got, err := cl.RepositoryPermission(t.Context(), permRepo)
	if err != nil || got != bitbucket.PermissionWrite {
		t.Errorf("RepositoryPermission = %v, %v; want write", got, err)
	}
}

func TestVersionFetchedOnce(t *testing.T) {
	cl, mt := newTestClient(t)
	servePermission(t, mt, nil, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if p, err := cl.RepositoryPermission(t.Context(), permRepo); err != nil || p != bitbucket.PermissionRead {
				t.Errorf("RepositoryPermission = %v, %v", p, err)
			}
		})
	}
	wg.Wait()
	if n := calls(mt, "GET "+testAPI+"/application-properties"); n != 1 {
		t.Errorf("application-properties fetched %d times, want once", n)
	}
}

func TestVersionFailureNotRemembered(t *testing.T) {
	cl, mt := newTestClient(t)
	mt.RegisterResponder("GET", testAPI+"/application-properties", httpmock.NewStringResponder(404, ""))
	if _, err := cl.Version(t.Context()); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Fatalf("Version: err = %v, want ErrNotFound", err)
	}
	registerVersion(t, mt, "9.4.2")
	if v, err := cl.Version(t.Context()); err != nil || v != "9.4.2" {
		t.Errorf("Version after recovery = %q, %v", v, err)
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]serverVersion{
		"9.4.2": {9, 4, 2}, "8.0": {8, 0, 0}, "7.21.0-rc1": {7, 21, 0}, "10": {10, 0, 0}, " 5.16.3 ": {5, 16, 3}, "9.4.2.1": {9, 4, 2},
	} {
		if got, ok := parseVersion(in); !ok || got != want {
			t.Errorf("parseVersion(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "unknown", "v9.4", ".4"} {
		if _, ok := parseVersion(in); ok {
			t.Errorf("parseVersion(%q) succeeded", in)
		}
	}
	if !(serverVersion{8, 0, 0}).atLeast(serverVersion{7, 21, 9}) || (serverVersion{7, 21, 9}).atLeast(serverVersion{8, 0, 0}) {
		t.Error("atLeast orders 7.21.9 and 8.0.0 wrongly")
	}
}

// The permission filter may answer for a token's owner: admin is answered only when the
// credentials may list the repository's webhooks.
func TestRepositoryPermissionAdminUnconfirmed(t *testing.T) {
	cl, mt := newTestClient(t)
	exact := repository(1, "PRJ", "api", "API")
	servePermission(t, mt, []any{exact}, []any{exact})
	mt.RegisterResponderWithQuery("GET", testAPI+"/projects/PRJ/repos/api/webhooks", "start=0&limit=1",
		jsonResponder(t, 401, restErrors("You are not permitted to access this resource", excAuthorisation)))
	got, err := cl.RepositoryPermission(t.Context(), permRepo)
	if err != nil || got != bitbucket.PermissionRead {
		t.Errorf("RepositoryPermission = %v, %v; want read (admin not confirmed)", got, err)
	}
}
