package cloud

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// Workspace is a workspace the caller belongs to, as GET /user/workspaces lists it.
type Workspace struct {
	bitbucket.Namespace        // Key is the slug; Name the name when given, else the slug
	UUID                string // with braces
	// Administrator is true when the caller administers the workspace.
	Administrator bool
}

type wireWorkspace struct {
	UUID string `json:"uuid"`
	Slug string `json:"slug"`
	Name string `json:"name"` // not in workspace_base, but sent by /workspaces/{ws}
}

// wireWorkspaceAccess is one value of GET /user/workspaces.
type wireWorkspaceAccess struct {
	Administrator bool          `json:"administrator"`
	Workspace     wireWorkspace `json:"workspace"`
}

func toWorkspace(v *wireWorkspaceAccess) *Workspace {
	name := v.Workspace.Name
	if name == "" {
		name = v.Workspace.Slug
	}
	return &Workspace{
		Namespace:     bitbucket.Namespace{Key: v.Workspace.Slug, Name: name},
		UUID:          v.Workspace.UUID,
		Administrator: v.Administrator,
	}
}

// workspaceQuery is the query of the first /user/workspaces page.
type workspaceQuery struct {
	PageLen int    `url:"pagelen"`
	Sort    string `url:"sort"`
}

// wsCursor is the encoded form of a workspace list's Page.Next.
type wsCursor struct {
	Kind     string `json:"k"`
	Query    string `json:"q,omitempty"`
	PageSize int    `json:"n,omitempty"`
	Next     string `json:"u"`
}

const kindWorkspaces = "cloud.workspaces"

// ListNamespaces lists the caller's workspaces (GET /user/workspaces). Query keeps workspaces
// whose slug or name contains it, case-insensitively; it is applied by this client, because the
// service filters on the slug only and with a grammar of its own.
func (c *Client) ListNamespaces(ctx context.Context, opts bitbucket.ListNamespacesOptions) iter.Seq2[*bitbucket.Namespace, error] {
	return func(yield func(*bitbucket.Namespace, error) bool) {
		for w, err := range c.ListWorkspaces(ctx, opts) {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(&w.Namespace, nil) {
				return
			}
		}
	}
}

// ListNamespacesPage returns one page of ListNamespaces.
func (c *Client) ListNamespacesPage(ctx context.Context, opts bitbucket.ListNamespacesOptions) (bitbucket.Page[*bitbucket.Namespace], error) {
	p, err := c.ListWorkspacesPage(ctx, opts)
	if err != nil {
		return bitbucket.Page[*bitbucket.Namespace]{}, err
	}
	out := bitbucket.Page[*bitbucket.Namespace]{Next: p.Next, Items: make([]*bitbucket.Namespace, len(p.Items))}
	for i, w := range p.Items {
		out.Items[i] = &w.Namespace
	}
	return out, nil
}

// ListWorkspaces is ListNamespaces with the Cloud details: uuid and the administrator flag.
func (c *Client) ListWorkspaces(ctx context.Context, opts bitbucket.ListNamespacesOptions) iter.Seq2[*Workspace, error] {
	cur, err := c.workspaceCursor(opts)
	if err != nil {
		return func(yield func(*Workspace, error) bool) { yield(nil, err) }
	}
	return func(yield func(*Workspace, error) bool) {
		src := paging.NextLinks(c.workspacePagesOf(cur.PageSize), toWorkspace)
		for w, err := range paging.Iterate(ctx, cur.Next, c.limits, src) {
			if err != nil {
				yield(nil, err)
				return
			}
			if matchesWorkspace(w, cur.Query) && !yield(w, nil) {
				return
			}
		}
	}
}

// ListWorkspacesPage returns one page of ListWorkspaces. Credentials that cannot enumerate
// workspaces (access tokens) get an error wrapping bitbucket.ErrNotSupported and the service's
// *bitbucket.APIError. Pages that the query filters out entirely are skipped.
func (c *Client) ListWorkspacesPage(ctx context.Context, opts bitbucket.ListNamespacesOptions) (bitbucket.Page[*Workspace], error) {
	cur, err := c.workspaceCursor(opts)
	if err != nil {
		return bitbucket.Page[*Workspace]{}, err
	}
	src := paging.NextLinks(c.workspacePagesOf(cur.PageSize), toWorkspace)
	filtered := func(ctx context.Context, link string) (paging.Batch[string, *Workspace], error) {
		var out paging.Batch[string, *Workspace]
		seen := map[string]bool{link: true}
		for hop := 0; ; hop++ {
			b, err := src(ctx, link)
			if err != nil {
				return out, err
			}
			for _, w := range b.Items {
				if matchesWorkspace(w, cur.Query) {
					out.Items = append(out.Items, w)
				}
			}
			out.Next, out.More = b.Next, b.More
			if seen[b.Next] {
				return out, fmt.Errorf("%w: Bitbucket Cloud repeated a workspace page", bitbucket.ErrPaginationStalled)
			}
			// A page may end empty after maxHopsPerPage hops; the cursor goes on from there.
			if !b.More || len(out.Items) > 0 || hop >= maxHopsPerPage {
				return out, nil
			}
			seen[b.Next] = true
			link = b.Next
		}
	}
	return paging.PageAt(ctx, cur.Next, filtered, func(next string) string {
		nc := cur
		nc.Next = next
		return paging.EncodeCursor(nc)
	})
}

// matchesWorkspace reports whether w's slug or name contains q, case-insensitively.
func matchesWorkspace(w *Workspace, q string) bool {
	q = strings.ToLower(q)
	return q == "" || strings.Contains(strings.ToLower(w.Key), q) || strings.Contains(strings.ToLower(w.Name), q)
}

// workspaceCursor merges the options with the cursor they carry, refusing conflicts.
func (c *Client) workspaceCursor(opts bitbucket.ListNamespacesOptions) (wsCursor, error) {
	n, err := pageLen(opts.PageSize)
	if err != nil {
		return wsCursor{}, err
	}
	if opts.Cursor == "" {
		return wsCursor{Kind: kindWorkspaces, Query: opts.Query, PageSize: n}, nil
	}
	var cur wsCursor
	if err := paging.DecodeCursor(opts.Cursor, &cur); err != nil {
		return wsCursor{}, err
	}
	switch {
	case cur.Kind != kindWorkspaces || cur.Next == "":
		return wsCursor{}, fmt.Errorf("%w: cursor does not belong to a workspace list", bitbucket.ErrInvalidInput)
	case opts.Query != "" && opts.Query != cur.Query:
		return wsCursor{}, fmt.Errorf("%w: Query conflicts with the cursor's", bitbucket.ErrInvalidInput)
	case opts.PageSize != 0 && n != cur.PageSize:
		return wsCursor{}, fmt.Errorf("%w: PageSize conflicts with the cursor's", bitbucket.ErrInvalidInput)
	case cur.PageSize < 1 || cur.PageSize > maxPageLen:
		return wsCursor{}, fmt.Errorf("%w: cursor does not belong to a workspace list", bitbucket.ErrInvalidInput)
	}
	if err := c.checkLink(cur.Next); err != nil {
		return wsCursor{}, err
	}
	return cur, nil
}

// workspaceSource walks /user/workspaces at the largest page size, for the listings that need
// every workspace.
func (c *Client) workspaceSource() paging.Source[string, *wireWorkspaceAccess] {
	return paging.NextLinks(c.workspacePages(), func(w *wireWorkspaceAccess) *wireWorkspaceAccess { return w })
}

// workspacePages gets /user/workspaces pages at the largest page size.
func (c *Client) workspacePages() func(context.Context, string) (paging.CloudPage[wireWorkspaceAccess], error) {
	return c.workspacePagesOf(maxPageLen)
}

// workspacePagesOf gets /user/workspaces pages sorted by slug. A 401 or 403 means credentials
// that cannot enumerate workspaces: an error wrapping bitbucket.ErrNotSupported.
func (c *Client) workspacePagesOf(pagelen int) func(context.Context, string) (paging.CloudPage[wireWorkspaceAccess], error) {
	get := listPages[wireWorkspaceAccess](c, epListUserWorkspaces, nil, workspaceQuery{PageLen: pagelen, Sort: "slug"}, pagelen)
	return func(ctx context.Context, link string) (paging.CloudPage[wireWorkspaceAccess], error) {
		p, err := get(ctx, link)
		if st := statusOf(err); st == http.StatusUnauthorized || st == http.StatusForbidden {
			return p, fmt.Errorf("%w: these credentials cannot list workspaces (repository, project and workspace access tokens cannot); "+
				"set ListRepositoriesOptions.Namespace: %w", bitbucket.ErrNotSupported, err)
		}
		if err == nil && link == "" && p.Next == "" {
			c.admins.put(administered(p.Values)) // the whole list in one page: every flag is known
		}
		return p, err
	}
}

// administered returns the slugs of the workspaces whose access says administrator.
func administered(ws []wireWorkspaceAccess) map[string]bool {
	set := map[string]bool{}
	for i := range ws {
		if slug := ws[i].administeredSlug(); slug != "" {
			set[slug] = true
		}
	}
	return set
}

// administeredSlug is the workspace's slug when the caller administers it, "" otherwise.
func (w *wireWorkspaceAccess) administeredSlug() string {
	if w.Administrator {
		return w.Workspace.Slug
	}
	return ""
}
