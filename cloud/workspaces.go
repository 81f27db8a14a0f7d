package cloud

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// Workspace is a workspace the caller belongs to, as GET /user/workspaces lists it.
type Workspace struct {
	bitbucket.Namespace        // Key is the slug; Name the name when given, else the slug
	UUID                string // with braces
	// Administrator is true when the caller administers the workspace.
	Administrator bool
}

// wsCursor is the state behind a workspace list's Page.Next.
type wsCursor struct {
	Kind     string `json:"k"`
	Query    string `json:"q,omitempty"`
	PageSize int    `json:"n,omitempty"`
	Next     string `json:"u"`
}

const kindWorkspaces = "cloud.workspaces"

// maxHopsPerPage bounds the requests one page call makes while skipping pages with nothing to
// return (workspaces filtered out, empty workspaces).
const maxHopsPerPage = 1000

// ListNamespaces lists the caller's workspaces (GET /user/workspaces). Query keeps workspaces
// whose slug or name contains it, case-insensitively; it is applied by this client, because the
// service filters on the slug only and with a grammar of its own.
func (c *Client) ListNamespaces(ctx context.Context, opts bitbucket.ListNamespacesOptions) iter.Seq2[*bitbucket.Namespace, error] {
	return paging.Seq(ctx, opts.Cursor, func(ctx context.Context, cursor string) (bitbucket.Page[*bitbucket.Namespace], error) {
		o := opts
		o.Cursor = cursor
		return c.ListNamespacesPage(ctx, o)
	})
}

// ListNamespacesPage returns one page of ListNamespaces.
func (c *Client) ListNamespacesPage(ctx context.Context, opts bitbucket.ListNamespacesOptions) (bitbucket.Page[*bitbucket.Namespace], error) {
	p, err := c.ListWorkspacesPage(ctx, opts)
	if err != nil {
		return bitbucket.Page[*bitbucket.Namespace]{}, err
	}
	out := bitbucket.Page[*bitbucket.Namespace]{Next: p.Next, Items: make([]*bitbucket.Namespace, len(p.Items))}
	for i, w := range p.Items {
		ns := w.Namespace
		out.Items[i] = &ns
	}
	return out, nil
}

// ListWorkspaces is ListNamespaces with the Cloud details: uuid and the administrator flag.
func (c *Client) ListWorkspaces(ctx context.Context, opts bitbucket.ListNamespacesOptions) iter.Seq2[*Workspace, error] {
	return paging.Seq(ctx, opts.Cursor, func(ctx context.Context, cursor string) (bitbucket.Page[*Workspace], error) {
		o := opts
		o.Cursor = cursor
		return c.ListWorkspacesPage(ctx, o)
	})
}

// ListWorkspacesPage returns one page of ListWorkspaces. Credentials that cannot enumerate
// workspaces (access tokens) get an error wrapping bitbucket.ErrNotSupported and the service's
// *bitbucket.APIError.
func (c *Client) ListWorkspacesPage(ctx context.Context, opts bitbucket.ListNamespacesOptions) (bitbucket.Page[*Workspace], error) {
	cur, err := c.workspaceCursor(opts)
	if err != nil {
		return bitbucket.Page[*Workspace]{}, err
	}
	q := strings.ToLower(cur.Query)
	var out bitbucket.Page[*Workspace]
	next := cur.Next
	for hop := 0; ; hop++ {
		page, cur2, err := c.fetchWorkspaces(ctx, next, cur.PageSize)
		if err != nil {
			return bitbucket.Page[*Workspace]{}, err
		}
		for _, v := range page.Values {
			w := toWorkspace(v)
			if q == "" || strings.Contains(strings.ToLower(w.Key), q) || strings.Contains(strings.ToLower(w.Name), q) {
				out.Items = append(out.Items, w)
			}
		}
		if page.Next == "" {
			return out, nil
		}
		if page.Next == cur2 {
			return bitbucket.Page[*Workspace]{}, stalled("workspace")
		}
		next = page.Next
		if len(out.Items) > 0 || hop >= maxHopsPerPage {
			nc := cur
			nc.Next = next
			out.Next = paging.EncodeCursor(nc)
			return out, nil
		}
		if err := c.checkLink(next); err != nil {
			return bitbucket.Page[*Workspace]{}, err
		}
	}
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
	}
	if err := c.checkLink(cur.Next); err != nil {
		return wsCursor{}, err
	}
	return cur, nil
}

// fetchWorkspaces gets one page of /user/workspaces: the first when link is "", else link. It
// returns the URL it asked for ("" for the first page) for the loop guard. A 401 or 403 means
// credentials that cannot enumerate workspaces.
func (c *Client) fetchWorkspaces(ctx context.Context, link string, pagelen int) (*wireWorkspaceAccessPage, string, error) {
	req := httpx.Request{Method: http.MethodGet, URL: link}
	if link == "" {
		req.Path = httpx.Path("user", "workspaces")
		req.Query = url.Values{"pagelen": {strconv.Itoa(pagelen)}, "sort": {"slug"}}
	}
	var page wireWorkspaceAccessPage
	if _, err := c.do(ctx, req, &page); err != nil {
		if st := statusOf(err); st == http.StatusUnauthorized || st == http.StatusForbidden {
			return nil, "", fmt.Errorf("%w: these credentials cannot list workspaces (repository, project and workspace access tokens cannot); "+
				"set ListRepositoriesOptions.Namespace: %w", bitbucket.ErrNotSupported, err)
		}
		return nil, "", err
	}
	return &page, link, nil
}

func toWorkspace(v wireWorkspaceAccess) *Workspace {
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
