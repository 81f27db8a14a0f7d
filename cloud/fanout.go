package cloud

import (
	"context"
	"iter"
	"sync"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// DefaultNamespaceConcurrency is how many workspaces a listing across workspaces (Namespace
// empty) reads at once unless WithNamespaceConcurrency says otherwise.
const DefaultNamespaceConcurrency = 4

// maxNamespaceConcurrency caps WithNamespaceConcurrency.
const maxNamespaceConcurrency = 16

// WithNamespaceConcurrency returns a copy of c whose ListRepositories, when it lists every
// workspace (Namespace and Cursor empty), reads up to n workspaces at once: while the caller
// consumes workspace k, the pages of the next n-1 workspaces are already being fetched, at most
// one page ahead each. Results still come in workspace order, each workspace's repositories in
// the order Bitbucket gives them, and an error comes after every repository of the workspaces
// before it. n <= 1 reads one workspace after the other (with one page of read-ahead); n is
// capped at 16. The count of requests does not change; only when the loop breaks early may the
// requests in flight have been for nothing. Cursor-based resumption (ListRepositoriesPage) is
// always sequential: a cursor names a single point of the listing.
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

// wsPages is one workspace being read ahead: its pages arrive on pages, in order, until the
// channel closes; err is what ended it early (read after pages closes). A slot may also carry
// only an error, from enumerating the workspaces, delivered when the consumer reaches it.
type wsPages struct {
	pages chan []*bitbucket.Repository
	err   error
}

// listAcrossWorkspaces lists every workspace's repositories with up to n workspaces in flight.
func (c *Client) listAcrossWorkspaces(ctx context.Context, opts bitbucket.ListRepositoriesOptions, n int) iter.Seq2[*bitbucket.Repository, error] {
	return func(yield func(*bitbucket.Repository, error) bool) {
		cur, err := c.repoCursor(opts)
		if err != nil {
			yield(nil, err)
			return
		}
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		fctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() {
			cancel()
			wg.Wait()
		}()
		slugs := c.workspaceSlugs(fctx)
		nextSlug, stopSlugs := iter.Pull2(slugs)
		defer stopSlugs()

		var window []*wsPages // in workspace order; the head is being consumed
		enumerated := false
		// fill starts workspaces until n are in flight or the workspaces run out.
		fill := func() {
			for len(window) < n && !enumerated {
				slug, err, ok := nextSlug()
				switch {
				case !ok:
					enumerated = true
				case err != nil:
					window = append(window, &wsPages{err: err})
					enumerated = true
				default:
					w := &wsPages{pages: make(chan []*bitbucket.Repository, 1)}
					window = append(window, w)
					wg.Add(1)
					go func() {
						defer wg.Done()
						c.readWorkspace(fctx, slug, cur, w)
					}()
				}
			}
		}
		fill()
		for len(window) > 0 {
			w := window[0]
			if w.pages != nil {
				for page := range w.pages {
					for _, r := range page {
						if !yield(r, nil) {
							return
						}
					}
				}
			}
			if w.err != nil {
				if err := ctx.Err(); err != nil {
					yield(nil, err)
				} else {
					yield(nil, w.err)
				}
				return
			}
			window = window[1:]
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			fill()
		}
	}
}

// readWorkspace sends the pages of workspace slug to w.pages, one at a time, then closes it.
// The page loop is paging.Seq's, loop guard included.
func (c *Client) readWorkspace(ctx context.Context, slug string, cur repoCursor, w *wsPages) {
	defer close(w.pages)
	fetch := func(ctx context.Context, link string) (bitbucket.Page[[]*bitbucket.Repository], error) {
		items, next, err := c.fetchRepos(ctx, slug, link, cur)
		page := bitbucket.Page[[]*bitbucket.Repository]{Next: next}
		if len(items) > 0 {
			page.Items = [][]*bitbucket.Repository{items} // an empty page stays empty for the loop guard
		}
		return page, err
	}
	for page, err := range paging.Seq(ctx, "", fetch) {
		if err != nil {
			w.err = err
			return
		}
		select {
		case w.pages <- page:
		case <-ctx.Done():
			w.err = ctx.Err()
			return
		}
	}
}

// workspaceSlugs iterates over the slugs of the caller's workspaces, in the order of
// /user/workspaces (sorted by slug), following only links on the API origin.
func (c *Client) workspaceSlugs(ctx context.Context) iter.Seq2[string, error] {
	fetch := func(ctx context.Context, link string) (bitbucket.Page[string], error) {
		page, _, err := c.fetchWorkspaces(ctx, link, maxPageLen)
		if err != nil {
			return bitbucket.Page[string]{}, err
		}
		var out bitbucket.Page[string]
		for _, v := range page.Values {
			if v.Workspace.Slug != "" {
				out.Items = append(out.Items, v.Workspace.Slug)
			}
		}
		if page.Next != "" {
			if err := c.checkLink(page.Next); err != nil {
				return out, err
			}
			out.Next = page.Next
		}
		return out, nil
	}
	return paging.Seq(ctx, "", fetch)
}
