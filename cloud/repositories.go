package cloud

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// repoFields trims each repository page to what bitbucket.Repository needs.
const repoFields = "next,values.uuid,values.full_name,values.name,values.description,values.is_private," +
	"values.mainbranch.name,values.project.key,values.links.html.href,values.links.clone,values.updated_on"

const kindRepositories = "cloud.repositories"

// repoCursor is the state behind a repository list's Page.Next. With Namespace empty the list
// walks the caller's workspaces in slug order: Workspace is the one being listed and WorkspacePage
// the /user/workspaces page that holds it ("" for the first).
type repoCursor struct {
	Kind          string `json:"k"`
	Namespace     string `json:"ns,omitempty"`
	Query         string `json:"q,omitempty"`
	MinPermission int    `json:"p,omitempty"`
	PageSize      int    `json:"n,omitempty"`
	Workspace     string `json:"w,omitempty"`
	WorkspacePage string `json:"wp,omitempty"`
	Next          string `json:"u,omitempty"` // the next repository page in Workspace; "" for its first
}

// roles maps a minimum permission to the role filter of GET /repositories/{workspace}.
var roles = map[bitbucket.Permission]string{
	bitbucket.PermissionRead:  "member",
	bitbucket.PermissionWrite: "contributor",
	bitbucket.PermissionAdmin: "admin",
}

// ListRepositories lists repositories through GET /repositories/{workspace}: in opts.Namespace,
// or with it empty in every workspace the caller belongs to (GET /user/workspaces), one after the
// other; the cursor resumes across workspace boundaries. Query becomes the BBQL filter
// name ~ "..."; MinPermission the role filter (read: member, write: contributor, admin: admin),
// which counts explicit grants only. Access tokens cannot enumerate workspaces: with Namespace
// empty they get an error wrapping bitbucket.ErrNotSupported. Across workspaces, several are read
// at once (see WithNamespaceConcurrency); otherwise the next page is fetched while the caller
// consumes the current one.
func (c *Client) ListRepositories(ctx context.Context, opts bitbucket.ListRepositoriesOptions) iter.Seq2[*bitbucket.Repository, error] {
	if n := c.namespaceConcurrency(); n > 1 && opts.Namespace == "" && opts.Cursor == "" {
		return c.listAcrossWorkspaces(ctx, opts, n)
	}
	return paging.SeqPrefetch(ctx, opts.Cursor, func(ctx context.Context, cursor string) (bitbucket.Page[*bitbucket.Repository], error) {
		o := opts
		o.Cursor = cursor
		return c.ListRepositoriesPage(ctx, o)
	})
}

// ListRepositoriesPage returns one page of ListRepositories. In the all-workspaces mode a page
// never ends empty while more workspaces follow: empty workspaces are skipped.
func (c *Client) ListRepositoriesPage(ctx context.Context, opts bitbucket.ListRepositoriesOptions) (bitbucket.Page[*bitbucket.Repository], error) {
	cur, err := c.repoCursor(opts)
	if err != nil {
		return bitbucket.Page[*bitbucket.Repository]{}, err
	}
	if cur.Namespace != "" {
		items, next, err := c.fetchRepos(ctx, cur.Namespace, cur.Next, cur)
		if err != nil || next == "" {
			return bitbucket.Page[*bitbucket.Repository]{Items: items}, err
		}
		cur.Next = next
		return bitbucket.Page[*bitbucket.Repository]{Items: items, Next: paging.EncodeCursor(cur)}, nil
	}
	wl := &workspaceWalker{c: c, cache: map[string]*wireWorkspaceAccessPage{}}
	if cur.Workspace == "" {
		cur.WorkspacePage, cur.Workspace, err = wl.after(ctx, "", "")
		if err != nil || cur.Workspace == "" {
			return bitbucket.Page[*bitbucket.Repository]{}, err
		}
	}
	for hop := 0; ; hop++ {
		items, next, err := c.fetchRepos(ctx, cur.Workspace, cur.Next, cur)
		if err != nil {
			return bitbucket.Page[*bitbucket.Repository]{}, err
		}
		if next != "" {
			cur.Next = next
			return bitbucket.Page[*bitbucket.Repository]{Items: items, Next: paging.EncodeCursor(cur)}, nil
		}
		wp, ws, err := wl.after(ctx, cur.WorkspacePage, cur.Workspace)
		if err != nil {
			return bitbucket.Page[*bitbucket.Repository]{}, err
		}
		if ws == "" {
			return bitbucket.Page[*bitbucket.Repository]{Items: items}, nil
		}
		cur.WorkspacePage, cur.Workspace, cur.Next = wp, ws, ""
		if len(items) > 0 || hop >= maxHopsPerPage {
			return bitbucket.Page[*bitbucket.Repository]{Items: items, Next: paging.EncodeCursor(cur)}, nil
		}
	}
}

// repoCursor merges the options with the cursor they carry, refusing conflicts and links that
// leave the API, before any request.
func (c *Client) repoCursor(opts bitbucket.ListRepositoriesOptions) (repoCursor, error) {
	n, err := pageLen(opts.PageSize)
	if err != nil {
		return repoCursor{}, err
	}
	if opts.MinPermission < bitbucket.PermissionNone || opts.MinPermission > bitbucket.PermissionAdmin {
		return repoCursor{}, fmt.Errorf("%w: MinPermission %d is not a permission", bitbucket.ErrInvalidInput, opts.MinPermission)
	}
	if _, err := bbqlString(opts.Query); err != nil {
		return repoCursor{}, err
	}
	if opts.Cursor == "" {
		return repoCursor{Kind: kindRepositories, Namespace: opts.Namespace, Query: opts.Query,
			MinPermission: int(opts.MinPermission), PageSize: n}, nil
	}
	var cur repoCursor
	if err := paging.DecodeCursor(opts.Cursor, &cur); err != nil {
		return repoCursor{}, err
	}
	switch {
	case cur.Kind != kindRepositories || (cur.Namespace == "" && cur.Workspace == "") || (cur.Namespace != "" && cur.Next == ""):
		return repoCursor{}, fmt.Errorf("%w: cursor does not belong to a repository list", bitbucket.ErrInvalidInput)
	case opts.Namespace != "" && opts.Namespace != cur.Namespace:
		return repoCursor{}, fmt.Errorf("%w: Namespace conflicts with the cursor's", bitbucket.ErrInvalidInput)
	case opts.Query != "" && opts.Query != cur.Query:
		return repoCursor{}, fmt.Errorf("%w: Query conflicts with the cursor's", bitbucket.ErrInvalidInput)
	case opts.MinPermission != bitbucket.PermissionNone && int(opts.MinPermission) != cur.MinPermission:
		return repoCursor{}, fmt.Errorf("%w: MinPermission conflicts with the cursor's", bitbucket.ErrInvalidInput)
	case opts.PageSize != 0 && n != cur.PageSize:
		return repoCursor{}, fmt.Errorf("%w: PageSize conflicts with the cursor's", bitbucket.ErrInvalidInput)
	case cur.MinPermission < 0 || cur.MinPermission > int(bitbucket.PermissionAdmin):
		return repoCursor{}, fmt.Errorf("%w: cursor does not belong to a repository list", bitbucket.ErrInvalidInput)
	}
	if _, err := pageLen(cur.PageSize); err != nil {
		return repoCursor{}, err
	}
	if _, err := bbqlString(cur.Query); err != nil {
		return repoCursor{}, err
	}
	for _, link := range []string{cur.Next, cur.WorkspacePage} {
		if link != "" {
			if err := c.checkLink(link); err != nil {
				return repoCursor{}, err
			}
		}
	}
	return cur, nil
}

// fetchRepos gets one page of repositories in workspace ws: link when set, else the first page
// with the filters of cur. It returns the page's next link ("" on the last page).
func (c *Client) fetchRepos(ctx context.Context, ws, link string, cur repoCursor) ([]*bitbucket.Repository, string, error) {
	req := httpx.Request{Method: http.MethodGet, URL: link}
	if link == "" {
		q := url.Values{"pagelen": {strconv.Itoa(cur.PageSize)}, "fields": {repoFields}}
		if role, ok := roles[bitbucket.Permission(cur.MinPermission)]; ok {
			q.Set("role", role)
		}
		if cur.Query != "" {
			lit, err := bbqlString(cur.Query)
			if err != nil {
				return nil, "", err
			}
			q.Set("q", "name ~ "+lit)
		}
		req.Path, req.Query = httpx.Path("repositories", ws), q
	}
	page := repoListPage{items: make([]*bitbucket.Repository, 0, cur.PageSize)}
	if _, err := c.do(ctx, req, &page); err != nil {
		return nil, "", err
	}
	if link != "" && page.next == link {
		return nil, "", stalled("repository")
	}
	if page.next != "" {
		if err := c.checkLink(page.next); err != nil {
			return nil, "", err
		}
	}
	return page.items, page.next, nil
}

// GetRepository returns one repository (GET /repositories/{workspace}/{slug}).
func (c *Client) GetRepository(ctx context.Context, repo bitbucket.RepoRef) (*bitbucket.Repository, error) {
	r, _, err := c.getRepository(ctx, repo)
	return r, err
}

// getRepository also returns the response, whose headers carry the granted scopes.
func (c *Client) getRepository(ctx context.Context, repo bitbucket.RepoRef) (*bitbucket.Repository, *httpx.Response, error) {
	if err := repo.Validate(); err != nil {
		return nil, nil, err
	}
	var w wireRepository
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: httpx.Path("repositories", repo.Namespace, repo.Slug)}, &w)
	if err != nil {
		return nil, nil, err
	}
	return toRepository(&w), resp, nil
}

// workspaceWalker finds the workspace after a given one in the caller's /user/workspaces list,
// caching the pages it reads during one page call.
type workspaceWalker struct {
	c     *Client
	cache map[string]*wireWorkspaceAccessPage
}

// after returns the workspace that follows ws, and the link of the workspaces page holding it
// ("" for the first page). ws "" asks for the first workspace. It returns ws "" at the end of the
// list. A workspace that vanished since the cursor was made is stepped over: the list is sorted by
// slug, so the first slug greater than ws follows it.
func (w *workspaceWalker) after(ctx context.Context, pageLink, ws string) (string, string, error) {
	takeFirst := ws == ""
	seen := map[string]bool{}
	for {
		if seen[pageLink] {
			return "", "", stalled("workspace")
		}
		seen[pageLink] = true
		page, ok := w.cache[pageLink]
		if !ok {
			var err error
			if page, _, err = w.c.fetchWorkspaces(ctx, pageLink, maxPageLen); err != nil {
				return "", "", err
			}
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
		if page.Next == "" {
			return "", "", nil
		}
		if err := w.c.checkLink(page.Next); err != nil {
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
