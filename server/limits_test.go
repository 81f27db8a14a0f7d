package server

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// endless answers every page with one value and a nextPageStart past the start it was asked for,
// forever: a server no guard on repeated states can stop.
func endless(t *testing.T, value func(i int) any) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		return jsonResponse(200, page(start, 1, start+1, value(start)))
	}
}

// #11.3: every list has a page cap and an item cap, so a server that keeps naming a new
// nextPageStart ends the listing with ErrPaginationStalled instead of growing the heap.
func TestListsEndOnAServerThatNeverEnds(t *testing.T) {
	const maxPages = 40
	t.Run("repositories", func(t *testing.T) {
		c, mt := newTestClient(t, bitbucket.WithListLimits(maxPages, 0))
		mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos", endless(t, func(i int) any { return repository(i+1, "PRJ", "r"+strconv.Itoa(i), "R") }))
		got, err := bitbucket.Collect(c.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "PRJ"}))
		if !errors.Is(err, bitbucket.ErrPaginationStalled) || len(got) > maxPages || mt.GetTotalCallCount() > maxPages+1 {
			t.Errorf("%d repositories, %d requests, err %v", len(got), mt.GetTotalCallCount(), err)
		}
	})
	t.Run("items", func(t *testing.T) {
		c, mt := newTestClient(t, bitbucket.WithListLimits(0, 25))
		mt.RegisterResponder("GET", testAPI+"/projects", endless(t, func(i int) any { return project(i+1, "P"+strconv.Itoa(i), "P", "NORMAL") }))
		got, err := bitbucket.Collect(c.ListNamespaces(t.Context(), bitbucket.ListNamespacesOptions{}))
		if !errors.Is(err, bitbucket.ErrPaginationStalled) || len(got) > 25+1 { // the page that crosses the cap is yielded whole
			t.Errorf("%d projects, err %v", len(got), err)
		}
	})
	hook := func(i int) any {
		return wireHook(i+1, "h", "https://ci.example.com/"+strconv.Itoa(i), []string{"repo:refs_changed"}, nil)
	}
	t.Run("webhooks", func(t *testing.T) {
		c, mt := newTestClient(t, bitbucket.WithListLimits(maxPages, 0))
		mt.RegisterResponder("GET", hooksURL, endless(t, hook))
		hooks, err := c.ListWebhooks(t.Context(), hookRepo)
		if !errors.Is(err, bitbucket.ErrPaginationStalled) || hooks != nil || mt.GetTotalCallCount() > maxPages+1 {
			t.Errorf("%d hooks, %d requests, err %v", len(hooks), mt.GetTotalCallCount(), err)
		}
	})
	t.Run("EnsureWebhook", func(t *testing.T) {
		c, mt := newTestClient(t, bitbucket.WithListLimits(maxPages, 0))
		registerVersion(t, mt, "9.4.2")
		mt.RegisterResponder("GET", hooksURL, endless(t, hook))
		mt.RegisterResponder("GET", testAPI+"/projects/PRJ/webhooks", endless(t, hook))
		_, _, err := bitbucket.EnsureWebhook(t.Context(), c, hookRepo, bitbucket.WebhookSpec{URL: "https://ci.example.com/x", Events: []bitbucket.Event{bitbucket.EventPush}})
		if !errors.Is(err, bitbucket.ErrPaginationStalled) || calls(mt, "POST "+hooksURL) != 0 {
			t.Errorf("err %v, %d creates", err, calls(mt, "POST "+hooksURL))
		}
	})
	t.Run("branches", func(t *testing.T) {
		c, mt := newTestClient(t, bitbucket.WithListLimits(maxPages, 0))
		mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos/api/branches", endless(t, func(i int) any {
			return map[string]any{"id": "refs/heads/b" + strconv.Itoa(i), "displayId": "b" + strconv.Itoa(i), "latestCommit": "c", "isDefault": i == 0}
		}))
		_, err := bitbucket.Collect(c.ListBranches(t.Context(), permRepo, bitbucket.ListBranchesOptions{}))
		if !errors.Is(err, bitbucket.ErrPaginationStalled) || mt.GetTotalCallCount() > maxPages+1 {
			t.Errorf("%d requests, err %v", mt.GetTotalCallCount(), err)
		}
	})
}

// #11.12: no argument can climb out of its route. ".", ".." and empty segments are refused in
// every path, before any request.
func TestDotSegmentsRefused(t *testing.T) {
	c, mt := newTestClient(t)
	registerVersion(t, mt, "9.4.2")
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/x", Events: []bitbucket.Event{bitbucket.EventPush}}
	for _, seg := range []string{".", ".."} {
		repo := bitbucket.RepoRef{Namespace: "PRJ", Slug: seg}
		ns := bitbucket.RepoRef{Namespace: seg, Slug: "api"}
		checks := map[string]error{}
		_, checks["GetRepository"] = c.GetRepository(t.Context(), repo)
		_, checks["ListWebhooks"] = c.ListWebhooks(t.Context(), ns)
		_, checks["CreateWebhook"] = c.CreateWebhook(t.Context(), repo, spec)
		checks["DeleteWebhook"] = c.DeleteWebhook(t.Context(), ns, "1")
		_, checks["ListInheritedWebhooks"] = c.ListInheritedWebhooks(t.Context(), ns)
		_, checks["GetFile repo"] = c.GetFile(t.Context(), repo, "main", "a.txt")
		_, checks["GetFile path"] = c.GetFile(t.Context(), permRepo, "main", "docs/"+seg+"/secret")
		_, checks["GetCommit"] = c.GetCommit(t.Context(), permRepo, seg)
		checks["SetCommitStatus"] = c.SetCommitStatus(t.Context(), permRepo, seg, bitbucket.CommitStatus{Key: "k", State: bitbucket.BuildSuccessful, URL: "https://ci.example.com/1"})
		_, checks["Project"] = c.Project(t.Context(), seg)
		_, checks["ListBranchesPage"] = c.ListBranchesPage(t.Context(), ns, bitbucket.ListBranchesOptions{})
		_, checks["ListRepositoriesPage"] = c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: seg})
		for name, err := range checks {
			if !errors.Is(err, bitbucket.ErrInvalidInput) {
				t.Errorf("%s with %q: err = %v, want ErrInvalidInput", name, seg, err)
			}
		}
	}
	_, err := c.GetFile(t.Context(), permRepo, "main", "a//b")
	if !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("empty segment: %v", err)
	}
	if n := mt.GetTotalCallCount() - calls(mt, "GET "+testAPI+"/application-properties"); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// The endpoint table fills templates segment by segment.
func TestEndpointURL(t *testing.T) {
	for _, c := range []struct {
		ep   endpoint
		args []string
		want string
	}{
		{epGetRepository, []string{"~ada", "my repo"}, "/rest/api/1.0/projects/~ada/repos/my%20repo"},
		{epRawFile, []string{"P", "r", "dir/a b/c?.txt"}, "/rest/api/1.0/projects/P/repos/r/raw/dir/a%20b/c%3F.txt"},
		{epLegacyBuildStatus, []string{"abc"}, "/rest/build-status/1.0/commits/abc"},
		{epWhoami, nil, "/plugins/servlet/applinks/whoami"},
		{epGetUser, []string{"a/b"}, "/rest/api/1.0/users/a%2Fb"},
	} {
		got, err := c.ep.url(c.args...)
		if err != nil || got != c.want {
			t.Errorf("%s %v = %q, %v; want %q", c.ep.path, c.args, got, err, c.want)
		}
	}
	if _, err := epGetRepository.url("P"); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("missing argument: %v", err)
	}
}
