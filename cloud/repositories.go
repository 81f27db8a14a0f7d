package cloud

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
	"github.com/bbconnect/bbconnect/internal/wiretime"
)

// link is a Cloud hypermedia link.
type link struct {
	Href string `json:"href"`
}

// cloneLink is one of a repository's clone links.
type cloneLink struct {
	Href string        `json:"href"`
	Name cloneProtocol `json:"name"`
}

// cloneProtocol is a clone link's name, read without keeping the string: "https" and "ssh"
// (in any case) are all that matter.
type cloneProtocol uint8

const (
	cloneOther cloneProtocol = iota
	cloneHTTPS
	cloneSSH
)

// UnmarshalJSONFrom recognises "https" and "ssh" in any case; anything else, null included, is
// cloneOther.
func (p *cloneProtocol) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	i, err := httpx.ReadWord(dec, "https", "ssh")
	*p = [...]cloneProtocol{cloneOther, cloneHTTPS, cloneSSH}[i+1]
	return err
}

// wireRepository is a repository as GET /repositories/{workspace} and
// /repositories/{workspace}/{repo_slug} send it, limited to the fields read here.
type wireRepository struct {
	UUID        string `json:"uuid"`
	FullName    string `json:"full_name"`
	Name        string `json:"name"`
	Description string `json:"description"`
	IsPrivate   bool   `json:"is_private"`
	Mainbranch  struct {
		Name string `json:"name"`
	} `json:"mainbranch"`
	Project struct {
		Key string `json:"key"`
	} `json:"project"`
	Links struct {
		HTML  link        `json:"html"`
		Clone []cloneLink `json:"clone"`
	} `json:"links"`
	UpdatedOn wiretime.Time `json:"updated_on"`
}

// toRepository converts a repository. Cloud repositories carry no slug: it is the part of
// full_name after the slash, and the workspace the part before.
func toRepository(w *wireRepository) *bitbucket.Repository {
	ns, slug, _ := strings.Cut(w.FullName, "/")
	r := &bitbucket.Repository{
		Ref:           bitbucket.RepoRef{Namespace: ns, Slug: slug},
		ID:            w.UUID,
		Name:          w.Name,
		Description:   w.Description,
		Private:       w.IsPrivate,
		DefaultBranch: w.Mainbranch.Name,
		Project:       w.Project.Key,
		WebURL:        w.Links.HTML.Href,
		UpdatedAt:     w.UpdatedOn.Time,
	}
	for _, l := range w.Links.Clone {
		switch l.Name {
		case cloneHTTPS:
			r.CloneHTTP = l.Href
		case cloneSSH:
			r.CloneSSH = l.Href
		}
	}
	return r
}

// repoFields trims each repository page to what bitbucket.Repository needs.
const repoFields = "next,values.uuid,values.full_name,values.name,values.description,values.is_private," +
	"values.mainbranch.name,values.project.key,values.links.html.href,values.links.clone,values.updated_on"

// repoQuery is the query of a first repository page.
type repoQuery struct {
	PageLen int    `url:"pagelen"`
	Fields  string `url:"fields"`
	Role    string `url:"role,omitempty"`
	Q       string `url:"q,omitempty"`
}

const kindRepositories = "cloud.repositories"

// repoCursor is the encoded form of a repository list's Page.Next: the listing's filters and its
// repoState. With Namespace empty the list walks the caller's workspaces in slug order.
type repoCursor struct {
	Kind          string `json:"k"`
	Namespace     string `json:"ns,omitempty"`
	Query         string `json:"q,omitempty"`
	MinPermission int    `json:"p,omitempty"`
	PageSize      int    `json:"n,omitempty"`
	Workspace     string `json:"w,omitempty"`
	WorkspacePage string `json:"wp,omitempty"`
	Next          string `json:"u,omitempty"`
}

// repoFilter is what a repository listing asks for, the same on every page.
type repoFilter struct {
	query         string
	minPermission bitbucket.Permission
	pageSize      int
}

// repoState is where a repository listing stands: the page link Next of the workspace being
// read ("" for its first page) and, across workspaces, that workspace and the /user/workspaces
// page that holds it ("" for the first).
type repoState struct {
	Workspace     string
	WorkspacePage string
	Next          string
}

// roles maps a minimum permission to the role filter of GET /repositories/{workspace}.
var roles = map[bitbucket.Permission]string{
	bitbucket.PermissionRead:  "member",
	bitbucket.PermissionWrite: "contributor",
	bitbucket.PermissionAdmin: "admin",
}

// firstPage is the query of the first page of a workspace's repositories.
func (f repoFilter) firstPage() repoQuery {
	q := repoQuery{PageLen: f.pageSize, Fields: repoFields, Role: roles[f.minPermission]}
	if f.query != "" {
		lit, _ := bbqlString(f.query) // validated when the filter was made
		q.Q = "name ~ " + lit
	}
	return q
}

// ListRepositories lists repositories through GET /repositories/{workspace}: in opts.Namespace,
// or with it empty in every workspace the caller belongs to (GET /user/workspaces, read once),
// one after the other; the cursor resumes across workspace boundaries. Query becomes the BBQL
// filter name ~ "..."; MinPermission the role filter (read: member, write: contributor, admin:
// admin), which counts explicit grants only. Access tokens cannot enumerate workspaces: with
// Namespace empty they get an error wrapping bitbucket.ErrNotSupported. Across workspaces,
// several are read at once (see WithNamespaceConcurrency); within one, the next page is fetched
// while the caller consumes the current one.
func (c *Client) ListRepositories(ctx context.Context, opts bitbucket.ListRepositoriesOptions) iter.Seq2[*bitbucket.Repository, error] {
	ns, f, st, err := c.repoStart(opts)
	if err != nil {
		return func(yield func(*bitbucket.Repository, error) bool) { yield(nil, err) }
	}
	if ns != "" {
		return paging.Iterate(ctx, st.Next, c.limits, c.repoSource(ns, f))
	}
	return c.acrossWorkspaces(ctx, f, st)
}

// ListRepositoriesPage returns one page of ListRepositories. In the all-workspaces mode a page
// never ends empty while more workspaces follow: empty workspaces are skipped.
func (c *Client) ListRepositoriesPage(ctx context.Context, opts bitbucket.ListRepositoriesOptions) (bitbucket.Page[*bitbucket.Repository], error) {
	ns, f, st, err := c.repoStart(opts)
	if err != nil {
		return bitbucket.Page[*bitbucket.Repository]{}, err
	}
	encode := func(s repoState) string {
		return paging.EncodeCursor(repoCursor{Kind: kindRepositories, Namespace: ns, Query: f.query,
			MinPermission: int(f.minPermission), PageSize: f.pageSize,
			Workspace: s.Workspace, WorkspacePage: s.WorkspacePage, Next: s.Next})
	}
	if ns != "" {
		src := c.repoSource(ns, f)
		one := func(ctx context.Context, s repoState) (paging.Batch[repoState, *bitbucket.Repository], error) {
			b, err := src(ctx, s.Next)
			return paging.Batch[repoState, *bitbucket.Repository]{Items: b.Items, Next: repoState{Next: b.Next}, More: b.More}, err
		}
		return paging.PageAt(ctx, st, one, encode)
	}
	return paging.PageAt(ctx, st, c.acrossWorkspacesPage(f), encode)
}

// repoSource is the listing of workspace ws's repositories.
func (c *Client) repoSource(ws string, f repoFilter) paging.Source[string, *bitbucket.Repository] {
	return paging.NextLinks(listPages[wireRepository](c, epListRepositories, []string{ws}, f.firstPage(), f.pageSize), toRepository)
}

// repoStart validates the options, merges them with the cursor they carry (refusing conflicts
// and links that leave the API) and returns the namespace, the filter and the state to start at,
// before any request.
func (c *Client) repoStart(opts bitbucket.ListRepositoriesOptions) (string, repoFilter, repoState, error) {
	fail := func(err error) (string, repoFilter, repoState, error) { return "", repoFilter{}, repoState{}, err }
	n, err := pageLen(opts.PageSize)
	if err != nil {
		return fail(err)
	}
	if opts.MinPermission < bitbucket.PermissionNone || opts.MinPermission > bitbucket.PermissionAdmin {
		return fail(fmt.Errorf("%w: MinPermission %d is not a permission", bitbucket.ErrInvalidInput, opts.MinPermission))
	}
	if _, err := bbqlString(opts.Query); err != nil {
		return fail(err)
	}
	if opts.Cursor == "" {
		return opts.Namespace, repoFilter{query: opts.Query, minPermission: opts.MinPermission, pageSize: n}, repoState{}, nil
	}
	var cur repoCursor
	if err := paging.DecodeCursor(opts.Cursor, &cur); err != nil {
		return fail(err)
	}
	notOurs := fmt.Errorf("%w: cursor does not belong to a repository list", bitbucket.ErrInvalidInput)
	switch {
	case cur.Kind != kindRepositories || (cur.Namespace == "" && cur.Workspace == "") || (cur.Namespace != "" && cur.Next == ""):
		return fail(notOurs)
	case cur.MinPermission < 0 || cur.MinPermission > int(bitbucket.PermissionAdmin):
		return fail(notOurs)
	case opts.Namespace != "" && opts.Namespace != cur.Namespace:
		return fail(fmt.Errorf("%w: Namespace conflicts with the cursor's", bitbucket.ErrInvalidInput))
	case opts.Query != "" && opts.Query != cur.Query:
		return fail(fmt.Errorf("%w: Query conflicts with the cursor's", bitbucket.ErrInvalidInput))
	case opts.MinPermission != bitbucket.PermissionNone && int(opts.MinPermission) != cur.MinPermission:
		return fail(fmt.Errorf("%w: MinPermission conflicts with the cursor's", bitbucket.ErrInvalidInput))
	case opts.PageSize != 0 && n != cur.PageSize:
		return fail(fmt.Errorf("%w: PageSize conflicts with the cursor's", bitbucket.ErrInvalidInput))
	}
	if cur.PageSize < 1 || cur.PageSize > maxPageLen {
		return fail(notOurs)
	}
	if _, err := bbqlString(cur.Query); err != nil {
		return fail(err)
	}
	for _, l := range []string{cur.Next, cur.WorkspacePage} {
		if l != "" {
			if err := c.checkLink(l); err != nil {
				return fail(err)
			}
		}
	}
	f := repoFilter{query: cur.Query, minPermission: bitbucket.Permission(cur.MinPermission), pageSize: cur.PageSize}
	return cur.Namespace, f, repoState{Workspace: cur.Workspace, WorkspacePage: cur.WorkspacePage, Next: cur.Next}, nil
}

// GetRepository returns one repository (GET /repositories/{workspace}/{repo_slug}).
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
	resp, err := c.do(ctx, epGetRepository, []string{repo.Namespace, repo.Slug}, nil, nil, &w)
	if err != nil {
		return nil, nil, err
	}
	return toRepository(&w), resp, nil
}
