package server

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// maxPageLimit is the limit asked for when PageSize is 0: the largest page Data Center serves by
// default (page.max.* settings). The server may answer with less; its answer is used from then on.
const maxPageLimit = 1000

// Kinds of listing a cursor belongs to.
const (
	kindProjects = "projects"
	kindRepos    = "repos"
)

// listCursor is the state behind Page.Next: the listing's identity and where the next page
// starts. It holds no URL, so it cannot send a request anywhere but this client's server.
type listCursor struct {
	Kind      string `json:"k"`
	Namespace string `json:"n,omitempty"`
	Query     string `json:"q,omitempty"`
	Perm      int    `json:"p,omitempty"`
	// Start is the server's nextPageStart, taken as it came.
	Start int `json:"s"`
	// Limit is the limit the server answered with, used again when PageSize is 0.
	Limit int `json:"l,omitempty"`
}

// decodeListCursor reads cursor into a listCursor of the given kind.
func decodeListCursor(cursor, kind string) (listCursor, error) {
	var cur listCursor
	if err := paging.DecodeCursor(cursor, &cur); err != nil {
		return cur, err
	}
	if cur.Kind != kind || cur.Start <= 0 || cur.Limit < 0 ||
		cur.Perm < int(bitbucket.PermissionNone) || cur.Perm > int(bitbucket.PermissionAdmin) {
		return cur, fmt.Errorf("%w: cursor does not belong to a %s listing of this client", bitbucket.ErrInvalidInput, kind)
	}
	return cur, nil
}

func conflict(field string) error {
	return fmt.Errorf("%w: %s conflicts with the listing the cursor belongs to; pass the cursor alone", bitbucket.ErrInvalidInput, field)
}

// pageLimit is the limit to ask for: the caller's page size, else what the server answered
// before, else the maximum.
func pageLimit(pageSize, answered int) (int, error) {
	switch {
	case pageSize < 0:
		return 0, fmt.Errorf("%w: PageSize %d is negative", bitbucket.ErrInvalidInput, pageSize)
	case pageSize > 0:
		return pageSize, nil
	case answered > 0:
		return answered, nil
	}
	return maxPageLimit, nil
}

// pageResult is one decoded page and where the next one starts.
type pageResult[T any] struct {
	values []T
	limit  int  // the limit the server answered with
	next   int  // nextPageStart
	more   bool // false on the last page
}

// getPage fetches one page at start and checks that it leads somewhere: a page that is not the
// last must name a nextPageStart past start, or the listing would never end.
func getPage[T any](ctx context.Context, c *Client, path string, query url.Values, start, limit int) (pageResult[T], error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("start", strconv.Itoa(start))
	q.Set("limit", strconv.Itoa(limit))
	var w wirePage[T]
	if _, err := c.http.Do(ctx, httpx.Request{Method: "GET", Path: path, Query: q}, &w); err != nil {
		return pageResult[T]{}, err
	}
	res := pageResult[T]{values: w.Values, limit: w.Limit}
	var err error
	res.next, res.more, err = following(path, start, w.IsLastPage, w.NextPageStart)
	return res, err
}

// following checks that a page leads somewhere and returns where the next one starts; more is
// false on the last page.
func following(path string, start int, isLastPage bool, nextPageStart *int) (next int, more bool, err error) {
	switch {
	case isLastPage:
		return 0, false, nil
	case nextPageStart == nil:
		return 0, false, fmt.Errorf("%w: %s: the server says more pages follow (isLastPage false) but gives no nextPageStart", bitbucket.ErrPaginationStalled, path)
	case *nextPageStart <= start:
		return 0, false, fmt.Errorf("%w: %s: nextPageStart %d does not move past start %d", bitbucket.ErrPaginationStalled, path, *nextPageStart, start)
	}
	return *nextPageStart, true, nil
}

// getRepoPage is getPage for repositories, decoded straight into neutral ones (repoListPage).
func getRepoPage(ctx context.Context, c *Client, path string, query url.Values, start, limit int) (pageResult[*bitbucket.Repository], error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("start", strconv.Itoa(start))
	q.Set("limit", strconv.Itoa(limit))
	w := repoListPage{items: make([]*bitbucket.Repository, 0, min(limit, maxPageLimit))}
	if _, err := c.http.Do(ctx, httpx.Request{Method: "GET", Path: path, Query: q}, &w); err != nil {
		return pageResult[*bitbucket.Repository]{}, err
	}
	res := pageResult[*bitbucket.Repository]{values: w.items, limit: w.limit}
	var err error
	res.next, res.more, err = following(path, start, w.isLastPage, w.nextPageStart)
	return res, err
}

// ListNamespaces iterates over the projects the caller can see (GET /projects), filtered by name
// when opts.Query is set.
func (c *Client) ListNamespaces(ctx context.Context, opts bitbucket.ListNamespacesOptions) iter.Seq2[*bitbucket.Namespace, error] {
	return paging.Seq(ctx, opts.Cursor, func(ctx context.Context, cursor string) (bitbucket.Page[*bitbucket.Namespace], error) {
		o := opts
		o.Cursor = cursor
		return c.ListNamespacesPage(ctx, o)
	})
}

// ListNamespacesPage returns one page of projects.
func (c *Client) ListNamespacesPage(ctx context.Context, opts bitbucket.ListNamespacesOptions) (bitbucket.Page[*bitbucket.Namespace], error) {
	var out bitbucket.Page[*bitbucket.Namespace]
	cur := listCursor{Kind: kindProjects, Query: opts.Query}
	if opts.Cursor != "" {
		var err error
		if cur, err = decodeListCursor(opts.Cursor, kindProjects); err != nil {
			return out, err
		}
		if opts.Query != "" && opts.Query != cur.Query {
			return out, conflict("Query")
		}
	}
	limit, err := pageLimit(opts.PageSize, cur.Limit)
	if err != nil {
		return out, err
	}
	q := url.Values{}
	if cur.Query != "" {
		q.Set("name", cur.Query)
	}
	page, err := getPage[wireProject](ctx, c, pathProjects, q, cur.Start, limit)
	if err != nil {
		return out, err
	}
	for _, p := range page.values {
		out.Items = append(out.Items, convertProject(p))
	}
	if page.more {
		out.Next = nextCursor(cur, page, opts.PageSize)
	}
	return out, nil
}

func nextCursor[T any](cur listCursor, page pageResult[T], pageSize int) string {
	cur.Start, cur.Limit = page.next, 0
	if pageSize == 0 && page.limit > 0 {
		cur.Limit = page.limit
	}
	return paging.EncodeCursor(cur)
}

// ListRepositories iterates over the repositories opts select; see ListRepositoriesPage.
func (c *Client) ListRepositories(ctx context.Context, opts bitbucket.ListRepositoriesOptions) iter.Seq2[*bitbucket.Repository, error] {
	return paging.SeqPrefetch(ctx, opts.Cursor, func(ctx context.Context, cursor string) (bitbucket.Page[*bitbucket.Repository], error) {
		o := opts
		o.Cursor = cursor
		return c.ListRepositoriesPage(ctx, o)
	})
}

// ListRepositoriesPage returns one page of repositories. A namespace alone lists the project's
// repositories (GET /projects/{key}/repos); anything else goes through GET /repos with its name,
// projectkey and permission filters. Servers before 8.0 have no projectkey filter: there the
// project is matched on this side, so a page may hold fewer items than asked.
func (c *Client) ListRepositoriesPage(ctx context.Context, opts bitbucket.ListRepositoriesOptions) (bitbucket.Page[*bitbucket.Repository], error) {
	var out bitbucket.Page[*bitbucket.Repository]
	cur, err := repoListing(opts)
	if err != nil {
		return out, err
	}
	limit, err := pageLimit(opts.PageSize, cur.Limit)
	if err != nil {
		return out, err
	}
	rt, err := c.reposRoute(ctx, cur)
	if err != nil {
		return out, err
	}
	// Matching the project here can leave a page empty; read on (a bounded number of pages) so
	// that a project far down the list does not look like a stalled listing.
	for fetched := 1; ; fetched++ {
		page, err := getRepoPage(ctx, c, rt.path, rt.query, cur.Start, limit)
		if err != nil {
			return out, err
		}
		if rt.project == "" && out.Items == nil {
			out.Items = page.values
		} else {
			for _, r := range page.values {
				if rt.project != "" && !strings.EqualFold(r.Project, rt.project) {
					continue
				}
				out.Items = append(out.Items, r)
			}
		}
		if !page.more {
			return out, nil
		}
		if rt.project == "" || len(out.Items) > 0 || fetched >= maxFilteredPages {
			out.Next = nextCursor(cur, page, opts.PageSize)
			return out, nil
		}
		cur.Start = page.next
		if opts.PageSize == 0 && page.limit > 0 {
			limit = page.limit
		}
	}
}

// maxFilteredPages bounds the pages one ListRepositoriesPage call reads while matching the
// project on this side (servers before 8.0).
const maxFilteredPages = 20

// repoListing returns the identity and start of the listing opts ask for, from the cursor when
// there is one.
func repoListing(opts bitbucket.ListRepositoriesOptions) (listCursor, error) {
	if opts.MinPermission < bitbucket.PermissionNone || opts.MinPermission > bitbucket.PermissionAdmin {
		return listCursor{}, fmt.Errorf("%w: MinPermission %v is not a permission", bitbucket.ErrInvalidInput, opts.MinPermission)
	}
	if opts.Cursor == "" {
		return listCursor{Kind: kindRepos, Namespace: opts.Namespace, Query: opts.Query, Perm: int(opts.MinPermission)}, nil
	}
	cur, err := decodeListCursor(opts.Cursor, kindRepos)
	if err != nil {
		return cur, err
	}
	switch {
	case opts.Namespace != "" && opts.Namespace != cur.Namespace:
		return cur, conflict("Namespace")
	case opts.Query != "" && opts.Query != cur.Query:
		return cur, conflict("Query")
	case opts.MinPermission != bitbucket.PermissionNone && int(opts.MinPermission) != cur.Perm:
		return cur, conflict("MinPermission")
	}
	return cur, nil
}

// reposRoute is the endpoint and filters of a repository listing.
type reposRoute struct {
	path    string
	query   url.Values
	project string // match project.key on this side (servers before 8.0)
}

func (c *Client) reposRoute(ctx context.Context, cur listCursor) (reposRoute, error) {
	perm := bitbucket.Permission(cur.Perm)
	if cur.Namespace != "" && cur.Query == "" && perm <= bitbucket.PermissionRead {
		// The project endpoint lists what the caller may read, archived repositories included.
		return reposRoute{path: projectReposPath(cur.Namespace)}, nil
	}
	q := reposQuery(cur.Query, perm)
	if cur.Namespace == "" {
		q.Set("archived", "ALL") // since 8.0 GET /repos hides archived repositories by default
		return reposRoute{path: pathRepos, query: q}, nil
	}
	v, err := c.parsedVersion(ctx)
	if err != nil {
		return reposRoute{}, err
	}
	if !v.atLeast(sinceReposProjectKey) {
		return reposRoute{path: pathRepos, query: q, project: cur.Namespace}, nil
	}
	q.Set("projectkey", cur.Namespace)
	q.Set("archived", "ALL")
	return reposRoute{path: pathRepos, query: q}, nil
}

// reposQuery holds the name and permission filters of GET /repos.
func reposQuery(name string, perm bitbucket.Permission) url.Values {
	q := url.Values{}
	if name != "" {
		q.Set("name", name)
	}
	if p := repoPermissionName(perm); p != "" {
		q.Set("permission", p)
	}
	return q
}

// repoPermissionName is the Data Center name of a repository permission level.
func repoPermissionName(p bitbucket.Permission) string {
	switch p {
	case bitbucket.PermissionRead:
		return "REPO_READ"
	case bitbucket.PermissionWrite:
		return "REPO_WRITE"
	case bitbucket.PermissionAdmin:
		return "REPO_ADMIN"
	}
	return ""
}
