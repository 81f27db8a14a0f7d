package cloud

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// endless answers every page with a fresh next link and values from items(page).
func endless(path string, items func(page int) []any) handler {
	var n atomic.Int64
	return func(*http.Request, string) *http.Response {
		p := int(n.Add(1))
		return respond(200, map[string]any{"values": items(p), "next": fmt.Sprintf("%s%s?page=%d", testOrigin, path, p+1)})
	}
}

// A server that always names another page is stopped by the page cap, on every list.
func TestListsStopAtThePageCap(t *testing.T) {
	const maxPages = 5
	m := newMock(t)
	m.on("GET /2.0/repositories/ws", endless("/2.0/repositories/ws", func(p int) []any { return repoList("ws", 1) }))
	m.on("GET /2.0/repositories/ws/r/hooks", endless("/2.0/repositories/ws/r/hooks", func(p int) []any {
		return []any{hookJSON(fmt.Sprintf("{%08d-0000-0000-0000-000000000000}", p), []string{"repo:push"}, false)}
	}))
	m.on("GET /2.0/user/workspaces", endless("/2.0/user/workspaces", func(p int) []any {
		return []any{map[string]any{"administrator": false, "workspace": map[string]any{"slug": fmt.Sprintf("w%05d", p)}}}
	}))
	c := m.client(nil, bitbucket.WithListLimits(maxPages, 0))
	for name, run := range map[string]func() error{
		"repositories": func() error {
			_, err := bitbucket.Collect(c.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws"}))
			return err
		},
		"webhooks": func() error {
			_, err := c.ListWebhooks(t.Context(), bitbucket.RepoRef{Namespace: "ws", Slug: "r"})
			return err
		},
		"workspaces": func() error {
			_, err := bitbucket.Collect(c.ListWorkspaces(t.Context(), bitbucket.ListNamespacesOptions{}))
			return err
		},
	} {
		before := len(m.Calls())
		if err := run(); !errors.Is(err, bitbucket.ErrPaginationStalled) {
			t.Errorf("%s: got %v, want ErrPaginationStalled", name, err)
		}
		// One page of read-ahead may be in flight when the cap is hit.
		if n := len(m.Calls()) - before; n > maxPages+1 {
			t.Errorf("%s: %d requests, want at most %d", name, n, maxPages+1)
		}
	}
}

// Endless empty webhook pages end with ErrPaginationStalled, and so do more hooks than the item
// cap: nothing that reads a hook list (EnsureWebhook included) can grow the heap without bound.
func TestListWebhooksEndlessPages(t *testing.T) {
	repo := bitbucket.RepoRef{Namespace: "ws", Slug: "r"}
	m := newMock(t)
	m.on("GET /2.0/repositories/ws/r/hooks", endless("/2.0/repositories/ws/r/hooks", func(int) []any { return []any{} }))
	if _, err := m.client(nil).ListWebhooks(t.Context(), repo); !errors.Is(err, bitbucket.ErrPaginationStalled) {
		t.Errorf("empty pages: got %v, want ErrPaginationStalled", err)
	}
	if n := len(m.Calls()); n > paging.MaxEmptyPages+2 {
		t.Errorf("empty pages: %d requests", n)
	}

	m = newMock(t)
	m.on("GET /2.0/repositories/ws/r/hooks", endless("/2.0/repositories/ws/r/hooks", func(p int) []any {
		out := make([]any, 100)
		for i := range out {
			out[i] = hookJSON(fmt.Sprintf("{%08d-0000-0000-0000-%012d}", p, i), []string{"repo:push"}, false)
		}
		return out
	}))
	m.on("GET /2.0/workspaces/ws/hooks", fixed(403, cloudError("You must be an administrator of this workspace")))
	c := m.client(nil, bitbucket.WithListLimits(0, 250))
	hooks, err := c.ListWebhooks(t.Context(), repo)
	if !errors.Is(err, bitbucket.ErrPaginationStalled) || hooks != nil {
		t.Errorf("item cap: got %d hooks, %v; want none and ErrPaginationStalled", len(hooks), err)
	}
	if _, _, err := bitbucket.EnsureWebhook(t.Context(), c, repo, bitbucket.WebhookSpec{URL: "https://ci.example/hook", Events: []bitbucket.Event{bitbucket.EventPush}}); !errors.Is(err, bitbucket.ErrPaginationStalled) {
		t.Errorf("EnsureWebhook: got %v, want ErrPaginationStalled", err)
	}
}

// A create whose answer has no uuid is an error: the caller could never update or delete it.
func TestCreateWebhookWithoutUUIDIsAnError(t *testing.T) {
	m := newMock(t)
	m.on("POST /2.0/repositories/ws/r/hooks", fixed(201, map[string]any{"url": "https://ci.example/hook", "events": []string{"repo:push"}, "active": true}))
	h, err := m.client(nil).CreateWebhook(t.Context(), bitbucket.RepoRef{Namespace: "ws", Slug: "r"},
		bitbucket.WebhookSpec{URL: "https://ci.example/hook", Events: []bitbucket.Event{bitbucket.EventPush}})
	var ae *bitbucket.APIError
	if err == nil || h != nil || !errors.As(err, &ae) || ae.StatusCode != 201 || !strings.Contains(err.Error(), "uuid") {
		t.Errorf("got %v, %v; want an APIError naming the missing uuid", h, err)
	}
}

// No error of New quotes a credential a caller put in the base URL by mistake.
func TestNewBaseURLErrorsHideCredentials(t *testing.T) {
	const secret = "S3CRETT0KEN"
	for _, raw := range []string{
		"https://api.example.com/2.0?access_token=" + secret,
		"https://" + secret + "@/2.0",
		"https://" + secret + "@api.example.com/2.0",
		"https://x-token-auth:" + secret + "@api.example.com/2.0",
		"http://" + secret + "@api.example.com/2.0",
		"ftp://" + secret + "@api.example.com/2.0",
		"https://" + secret + "@api.example.com:port/2.0",
		"https://api.example.com/2.0#" + secret,
		"https://api.example.com/2.0?" + secret,
		"https://api.example.com/%zz" + secret,
		secret,
	} {
		_, err := New(auth.None(), bitbucket.WithBaseURL(raw))
		if !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%q: got %v, want ErrInvalidInput", raw, err)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%q: error quotes the credential: %v", raw, err)
		}
	}
}

// A cursor whose link has a "." or ".." segment, raw or escaped, is refused before any request:
// the server would resolve it out of the API root.
func TestCursorWithDotSegmentsIsRefused(t *testing.T) {
	m := newMock(t) // no routes: nothing may be sent
	c := m.client(nil)
	for _, link := range []string{
		testBase + "/../../x",
		testBase + "/repositories/../../x",
		testBase + "/repositories/ws/..",
		testBase + "/repositories/./ws",
		testBase + "/%2e%2e/%2E%2E/x",
		testBase + "/repositories/%2e/ws",
		testBase + "/repositories/.%2e/x",
	} {
		cur := paging.EncodeCursor(repoCursor{Kind: kindRepositories, Namespace: "ws", PageSize: 100, Next: link})
		if _, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: cur}); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", link, err)
		}
		for _, err := range c.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: cur}) {
			if !errors.Is(err, bitbucket.ErrInvalidInput) {
				t.Errorf("%s: ListRepositories got %v, want ErrInvalidInput", link, err)
			}
		}
		ws := paging.EncodeCursor(wsCursor{Kind: kindWorkspaces, PageSize: 100, Next: link})
		if _, err := c.ListWorkspacesPage(t.Context(), bitbucket.ListNamespacesOptions{Cursor: ws}); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: workspaces got %v, want ErrInvalidInput", link, err)
		}
	}
	if n := len(m.Calls()); n != 0 {
		t.Errorf("%d requests sent for forged cursors", n)
	}
}
