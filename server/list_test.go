package server

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestListRepositoriesFollowsNextPageStart(t *testing.T) {
	c, mt := newTestClient(t)
	path := testAPI + "/projects/PRJ/repos"
	// Ids are not contiguous: the server skips from 0 to 37 to 90, and answers limit 25 to a
	// request for 1000. The client must follow nextPageStart and ask the answered limit again.
	mt.RegisterResponderWithQuery("GET", path, "start=0&limit=1000",
		jsonResponder(t, 200, page(0, 25, 37, repository(1, "PRJ", "a", "A"), repository(2, "PRJ", "b", "B"))))
	mt.RegisterResponderWithQuery("GET", path, "start=37&limit=25",
		jsonResponder(t, 200, page(37, 25, 90, repository(3, "PRJ", "c", "C"))))
	mt.RegisterResponderWithQuery("GET", path, "start=90&limit=25",
		jsonResponder(t, 200, page(90, 25, -1, repository(4, "PRJ", "d", "D"))))

	repos, err := bitbucket.Collect(c.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "PRJ"}))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var slugs string
	for _, r := range repos {
		slugs += r.Ref.Slug
	}
	if slugs != "abcd" {
		t.Errorf("listed %q, want abcd", slugs)
	}
	if n := mt.GetTotalCallCount(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	got := *repos[0]
	want := bitbucket.Repository{
		Ref: bitbucket.RepoRef{Namespace: "PRJ", Slug: "a"}, ID: "1", Name: "A", Description: "about A",
		Private: true, Project: "PRJ",
		WebURL:    testBase + "/projects/PRJ/repos/a/browse",
		CloneHTTP: testBase + "/scm/prj/a.git",
		CloneSSH:  "ssh://git@bb.example.invalid:7999/prj/a.git",
	}
	if got != want {
		t.Errorf("repository = %+v\nwant %+v", got, want)
	}
}

func TestListRepositoriesStalled(t *testing.T) {
	for _, c := range []struct {
		name string
		body map[string]any
	}{
		{"isLastPage false without nextPageStart", map[string]any{"size": 1, "limit": 10, "start": 0, "isLastPage": false,
			"values": []any{repository(1, "PRJ", "a", "A")}}},
		{"nextPageStart not past start", page(0, 10, 0, repository(1, "PRJ", "a", "A"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t)
			mt.RegisterResponderWithQuery("GET", testAPI+"/projects/PRJ/repos", "start=0&limit=10", jsonResponder(t, 200, c.body))
			_, err := cl.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "PRJ", PageSize: 10})
			if !errors.Is(err, bitbucket.ErrPaginationStalled) {
				t.Errorf("page: err = %v, want ErrPaginationStalled", err)
			}
			n := 0
			for _, err := range cl.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "PRJ", PageSize: 10}) {
				n++
				if err != nil && !errors.Is(err, bitbucket.ErrPaginationStalled) {
					t.Errorf("iterator: err = %v, want ErrPaginationStalled", err)
				}
				if n > 2 {
					t.Fatal("iterator did not stop")
				}
			}
			if n != 1 {
				t.Errorf("iterator yielded %d times, want the error once", n)
			}
		})
	}
}

func TestListRepositoriesStalledMidway(t *testing.T) {
	c, mt := newTestClient(t)
	path := testAPI + "/projects/PRJ/repos"
	mt.RegisterResponderWithQuery("GET", path, "start=0&limit=2", jsonResponder(t, 200, page(0, 2, 5, repository(1, "PRJ", "a", "A"))))
	mt.RegisterResponderWithQuery("GET", path, "start=5&limit=2", jsonResponder(t, 200, page(5, 2, 3, repository(2, "PRJ", "b", "B"))))
	repos, err := bitbucket.Collect(c.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "PRJ", PageSize: 2}))
	if !errors.Is(err, bitbucket.ErrPaginationStalled) || len(repos) != 1 {
		t.Errorf("Collect = %d repos, %v; want the first page's 1 and ErrPaginationStalled", len(repos), err)
	}
}

func TestListRepositoriesCursorResumesOnNewClient(t *testing.T) {
	a, mtA := newTestClient(t)
	path := testAPI + "/projects/PRJ/repos"
	mtA.RegisterResponderWithQuery("GET", path, "start=0&limit=1000", jsonResponder(t, 200, page(0, 50, 50, repository(1, "PRJ", "a", "A"))))
	first, err := a.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "PRJ"})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}

	// Another replica resumes from the cursor alone, asking the limit the server answered.
	b, mtB := newTestClient(t)
	mtB.RegisterResponderWithQuery("GET", path, "start=50&limit=50", jsonResponder(t, 200, page(50, 50, -1, repository(2, "PRJ", "b", "B"))))
	rest, err := bitbucket.Collect(b.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: first.Next}))
	if err != nil || len(rest) != 1 || rest[0].Ref.Slug != "b" {
		t.Fatalf("resume: %v, %v", rest, err)
	}
	// The same namespace named again is no conflict; a page size of the caller's wins.
	mtB.RegisterResponderWithQuery("GET", path, "start=50&limit=7", jsonResponder(t, 200, page(50, 7, -1)))
	if _, err := b.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: first.Next, Namespace: "PRJ", PageSize: 7}); err != nil {
		t.Errorf("resume with the same namespace: %v", err)
	}
}

func TestListRepositoriesCursorConflicts(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "name=api&permission=REPO_WRITE&archived=ALL&start=0&limit=5",
		jsonResponder(t, 200, page(0, 5, 5, repository(1, "PRJ", "api", "api"))))
	first, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Query: "api", MinPermission: bitbucket.PermissionWrite, PageSize: 5})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %v", err)
	}
	nsPage := namespacesCursor(t)
	for _, o := range []bitbucket.ListRepositoriesOptions{
		{Cursor: first.Next, Namespace: "OTHER"},
		{Cursor: first.Next, Query: "web"},
		{Cursor: first.Next, MinPermission: bitbucket.PermissionAdmin},
		{Cursor: "not-a-cursor"},
		{Cursor: nsPage},
		{Namespace: "PRJ", PageSize: -1},
		{MinPermission: bitbucket.Permission(9)},
	} {
		_, err := c.ListRepositoriesPage(t.Context(), o)
		if !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%+v: err = %v, want ErrInvalidInput", o, err)
		}
		for _, err := range c.ListRepositories(t.Context(), o) {
			if !errors.Is(err, bitbucket.ErrInvalidInput) {
				t.Errorf("iterator %+v: err = %v, want ErrInvalidInput", o, err)
			}
		}
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests; refused options must make none", n)
	}
}

// namespacesCursor returns a real cursor of a project listing.
func namespacesCursor(t *testing.T) string {
	c, mt := newTestClient(t)
	mt.RegisterResponderWithQuery("GET", testAPI+"/projects", "start=0&limit=1", jsonResponder(t, 200, page(0, 1, 1, project(1, "PRJ", "P", "NORMAL"))))
	p, err := c.ListNamespacesPage(t.Context(), bitbucket.ListNamespacesOptions{PageSize: 1})
	if err != nil || p.Next == "" {
		t.Fatalf("namespaces page: %v", err)
	}
	return p.Next
}

func TestListRepositoriesRoutes(t *testing.T) {
	for _, c := range []struct {
		name    string
		version string // "" when the route must not need it
		opts    bitbucket.ListRepositoriesOptions
		path    string
		query   string
	}{
		{"all", "", bitbucket.ListRepositoriesOptions{}, "/repos", "archived=ALL&start=0&limit=1000"},
		{"all, read", "", bitbucket.ListRepositoriesOptions{MinPermission: bitbucket.PermissionRead}, "/repos", "permission=REPO_READ&archived=ALL&start=0&limit=1000"},
		{"all, admin, query", "", bitbucket.ListRepositoriesOptions{MinPermission: bitbucket.PermissionAdmin, Query: "api"}, "/repos", "name=api&permission=REPO_ADMIN&archived=ALL&start=0&limit=1000"},
		{"project", "", bitbucket.ListRepositoriesOptions{Namespace: "PRJ", PageSize: 10}, "/projects/PRJ/repos", "start=0&limit=10"},
		{"project, read", "", bitbucket.ListRepositoriesOptions{Namespace: "PRJ", MinPermission: bitbucket.PermissionRead}, "/projects/PRJ/repos", "start=0&limit=1000"},
		{"personal project", "", bitbucket.ListRepositoriesOptions{Namespace: "~ada"}, "/projects/~ada/repos", "start=0&limit=1000"},
		{"project, write", "9.4.2", bitbucket.ListRepositoriesOptions{Namespace: "PRJ", MinPermission: bitbucket.PermissionWrite}, "/repos", "projectkey=PRJ&permission=REPO_WRITE&archived=ALL&start=0&limit=1000"},
		{"project, query", "8.0.0", bitbucket.ListRepositoriesOptions{Namespace: "PRJ", Query: "api"}, "/repos", "projectkey=PRJ&name=api&archived=ALL&start=0&limit=1000"},
		{"project, admin, before 8.0", "7.21.0", bitbucket.ListRepositoriesOptions{Namespace: "PRJ", MinPermission: bitbucket.PermissionAdmin}, "/repos", "permission=REPO_ADMIN&start=0&limit=1000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t)
			if c.version != "" {
				registerVersion(t, mt, c.version)
			}
			mt.RegisterResponderWithQuery("GET", testAPI+c.path, c.query,
				jsonResponder(t, 200, page(0, 1000, -1, repository(1, "PRJ", "api", "api"), repository(2, "OTHER", "api", "api"))))
			repos, err := bitbucket.Collect(cl.ListRepositories(t.Context(), c.opts))
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			want := 2
			if c.version == "7.21.0" {
				want = 1 // no projectkey filter: the other project's repository is dropped here
			}
			if len(repos) != want {
				t.Errorf("listed %d repositories, want %d", len(repos), want)
			}
		})
	}
}

func TestListNamespaces(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponderWithQuery("GET", testAPI+"/projects", "name=team&start=0&limit=1000",
		jsonResponder(t, 200, page(0, 100, 12, project(1, "TEAM", "Team", "NORMAL"))))
	mt.RegisterResponderWithQuery("GET", testAPI+"/projects", "name=team&start=12&limit=100",
		jsonResponder(t, 200, page(12, 100, -1, project(2, "~ADA", "Ada Lovelace", "PERSONAL"))))
	got, err := bitbucket.Collect(c.ListNamespaces(t.Context(), bitbucket.ListNamespacesOptions{Query: "team"}))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if s := fmt.Sprint(got[0], got[1]); len(got) != 2 || s != "&{TEAM Team false} &{~ADA Ada Lovelace true}" {
		t.Errorf("namespaces = %s", s)
	}
	// A namespace cursor resumes, and refuses another query.
	mt2 := newMock(t)
	c2 := clientOn(t, mt2)
	mt2.RegisterResponderWithQuery("GET", testAPI+"/projects", "name=team&start=0&limit=1",
		jsonResponder(t, 200, page(0, 1, 3, project(1, "TEAM", "Team", "NORMAL"))))
	p, err := c2.ListNamespacesPage(t.Context(), bitbucket.ListNamespacesOptions{Query: "team", PageSize: 1})
	if err != nil || p.Next == "" {
		t.Fatalf("page: %v", err)
	}
	if _, err := c2.ListNamespacesPage(t.Context(), bitbucket.ListNamespacesOptions{Cursor: p.Next, Query: "ops"}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("conflicting query: err = %v, want ErrInvalidInput", err)
	}
	mt2.RegisterResponderWithQuery("GET", testAPI+"/projects", "name=team&start=3&limit=1",
		jsonResponder(t, 200, page(3, 1, -1)))
	if p, err := c2.ListNamespacesPage(t.Context(), bitbucket.ListNamespacesOptions{Cursor: p.Next, PageSize: 1}); err != nil || p.Next != "" {
		t.Errorf("resume: %+v, %v", p, err)
	}
}

func TestListBadToken(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos",
		jsonResponder(t, 401, restErrors("Authentication failed.", excAuthentication)))
	_, err := bitbucket.Collect(c.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "PRJ"}))
	var apiErr *bitbucket.APIError
	if !errors.Is(err, bitbucket.ErrUnauthorized) || !errors.As(err, &apiErr) {
		t.Errorf("err = %v, want an *APIError matching ErrUnauthorized", err)
	}
}

func TestListRepositoriesBefore80ReadsPastEmptyPages(t *testing.T) {
	c, mt := newTestClient(t)
	registerVersion(t, mt, "7.6.0")
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "name=api&start=0&limit=2",
		jsonResponder(t, 200, page(0, 2, 2, repository(1, "OTHER", "api", "api"), repository(2, "OTHER", "api-2", "api 2"))))
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "name=api&start=2&limit=2",
		jsonResponder(t, 200, page(2, 2, 4, repository(3, "PRJ", "api", "api"))))
	p, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "PRJ", Query: "api", PageSize: 2})
	if err != nil || len(p.Items) != 1 || p.Items[0].Ref != (bitbucket.RepoRef{Namespace: "PRJ", Slug: "api"}) || p.Next == "" {
		t.Fatalf("page = %+v, %v; want PRJ/api and a cursor", p, err)
	}
	mt.RegisterResponderWithQuery("GET", testAPI+"/repos", "name=api&start=4&limit=2", jsonResponder(t, 200, page(4, 2, -1)))
	if p, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: p.Next, PageSize: 2}); err != nil || len(p.Items) != 0 || p.Next != "" {
		t.Errorf("last page = %+v, %v", p, err)
	}
}
