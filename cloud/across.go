package cloud

import (
	"context"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// DefaultNamespaceConcurrency is how many workspaces a listing across workspaces (Namespace
// empty) reads at once unless WithNamespaceConcurrency says otherwise.
const DefaultNamespaceConcurrency = 4

// maxNamespaceConcurrency caps WithNamespaceConcurrency.
const maxNamespaceConcurrency = 16

// maxHopsPerPage bounds the requests one page call makes while skipping pages with nothing to
// return (workspaces filtered out, empty workspaces).
const maxHopsPerPage = 1000

// WithNamespaceConcurrency returns a copy of c whose ListRepositories, when it lists every
// workspace (Namespace empty), reads up to n workspaces at once: while the caller consumes
// workspace k, the pages of the next n-1 workspaces are already being fetched. Results still come
// in workspace order, each workspace's repositories in the order Bitbucket gives them, and an
// error comes after every repository of the workspaces before it. n <= 1 reads one workspace
// after the other (with one page of read-ahead); n is capped at 16. The count of requests does
// not change: the workspace list is read once, and each workspace's pages once; only when the
// loop breaks early may the requests in flight have been for nothing. ListRepositoriesPage reads
// one page at a time whatever n is: a cursor names a single point of the listing.
func (c *Client) WithNamespaceConcurrency(n int) *Client {
	cc := *c
	cc.nsConcurrency = min(max(n, 1), maxNamespaceConcurrency)
	return &cc
}

// namespaceConcurrency is the bound in force, DefaultNamespaceConcurrency for a zero Client field.
func (c *Client) namespaceConcurrency() int {
	if c.nsConcurrency == 0 {
		return DefaultNamespaceConcurrency
	}
	return c.nsConcurrency
}

// wsStart is one workspace of a listing across workspaces and the repository page it starts at
// ("" for its first).
type wsStart struct {
	slug, next string
}

// acrossWorkspaces lists the repositories of every workspace from st on: the workspace list is
// read once, as far as needed, and paging.FanOut reads the workspaces' repositories, up to
// namespaceConcurrency at once (one at a time is the same algorithm with width 1).
func (c *Client) acrossWorkspaces(ctx context.Context, f repoFilter, st repoState) iter.Seq2[*bitbucket.Repository, error] {
	return paging.FanOut(ctx, c.workspacesFrom(ctx, st), c.namespaceConcurrency(), c.limits,
		func(ctx context.Context, ws wsStart) iter.Seq2[*bitbucket.Repository, error] {
			return paging.Iterate(ctx, ws.next, c.limits, c.repoSource(ws.slug, f))
		})
}

// workspacesFrom yields the caller's workspaces in slug order from the one st names (its
// repositories from st.Next), or from the first when st is zero. A workspace that vanished since
// the cursor was made is stepped over: the list is sorted by slug, so the first slug greater than
// st.Workspace follows it.
func (c *Client) workspacesFrom(ctx context.Context, st repoState) iter.Seq2[wsStart, error] {
	return func(yield func(wsStart, error) bool) {
		found := st.Workspace == ""
		for w, err := range paging.Iterate(ctx, st.WorkspacePage, c.limits, c.workspaceSource()) {
			if err != nil {
				yield(wsStart{}, err)
				return
			}
			slug := w.Workspace.Slug
			start := wsStart{slug: slug}
			switch {
			case slug == "":
				continue
			case !found && slug == st.Workspace:
				found, start.next = true, st.Next
			case !found && slug > st.Workspace:
				found = true
			case !found:
				continue
			}
			if !yield(start, nil) {
				return
			}
		}
	}
}

// acrossWorkspacesPage is the one-page source of ListRepositoriesPage across workspaces: from
// the state's workspace page on, it skips empty workspaces (up to maxHopsPerPage requests) so that
// a page never ends empty while more workspaces follow.
func (c *Client) acrossWorkspacesPage(f repoFilter) paging.Source[repoState, *bitbucket.Repository] {
	return func(ctx context.Context, st repoState) (paging.Batch[repoState, *bitbucket.Repository], error) {
		type batch = paging.Batch[repoState, *bitbucket.Repository]
		wl := &workspaceWalker{c: c, cache: map[string]*paging.CloudPage[wireWorkspaceAccess]{}}
		if st.Workspace == "" {
			wp, ws, err := wl.after(ctx, "", "")
			if err != nil || ws == "" {
				return batch{}, err
			}
			st = repoState{Workspace: ws, WorkspacePage: wp}
		}
		for hop := 0; ; hop++ {
			b, err := c.repoSource(st.Workspace, f)(ctx, st.Next)
			if err != nil {
				return batch{}, err
			}
			if b.More {
				st.Next = b.Next
				return batch{Items: b.Items, Next: st, More: true}, nil
			}
			wp, ws, err := wl.after(ctx, st.WorkspacePage, st.Workspace)
			if err != nil {
				return batch{}, err
			}
			if ws == "" {
				return batch{Items: b.Items}, nil
			}
			st = repoState{Workspace: ws, WorkspacePage: wp}
			if len(b.Items) > 0 || hop >= maxHopsPerPage {
				return batch{Items: b.Items, Next: st, More: true}, nil
			}
		}
	}
}

// workspaceWalker finds the workspace after a given one in the caller's /user/workspaces list,
// caching the pages it reads during one page call.
type workspaceWalker struct {
	c     *Client
	cache map[string]*paging.CloudPage[wireWorkspaceAccess]
}

// after returns the workspace that follows ws, and the link of the workspaces page holding it
// ("" for the first page). ws "" asks for the first workspace. It returns ws "" at the end of the
// list. A workspace that vanished since the cursor was made is stepped over.
func (w *workspaceWalker) after(ctx context.Context, pageLink, ws string) (string, string, error) {
	takeFirst := ws == ""
	guard := paging.NewGuard(w.c.limits, pageLink)
	for {
		page, ok := w.cache[pageLink]
		if !ok {
			p, err := w.c.workspacePages()(ctx, pageLink)
			if err != nil {
				return "", "", err
			}
			page = &p
			w.cache[pageLink] = page
		}
		for i, v := range page.Values {
			slug := v.Workspace.Slug
			switch {
			case slug == "":
				continue
			case takeFirst:
				return pageLink, slug, nil
			case slug == ws:
				takeFirst = true
			case slug > ws && !containsSlug(page.Values[i:], ws):
				return pageLink, slug, nil
			}
		}
		if err := guard.Step(len(page.Values), page.Next, page.Next != ""); err != nil || page.Next == "" {
			return "", "", err
		}
		pageLink = page.Next
	}
}

func containsSlug(vs []wireWorkspaceAccess, slug string) bool {
	for _, v := range vs {
		if v.Workspace.Slug == slug {
			return true
		}
	}
	return false
}
