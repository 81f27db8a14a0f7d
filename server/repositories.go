package server

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// wireRepository is RestRepository.
type wireRepository struct {
	ID            int64  `json:"id"`
	Slug          string `json:"slug"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	Public        bool   `json:"public"`
	Archived      bool   `json:"archived"`
	DefaultBranch string `json:"defaultBranch"` // write-only in the spec; used when a server sends it
	// Project is read for its key only: a listing decodes nothing it does not use.
	Project struct {
		Key string `json:"key"`
	} `json:"project"`
	Links struct {
		Clone []wireCloneLink `json:"clone"`
		Self  []struct {
			Href string `json:"href"`
		} `json:"self"`
	} `json:"links"`
}

// wireCloneLink is one clone link; its name is read as a kind, not kept as a string.
type wireCloneLink struct {
	Href string        `json:"href"`
	Name cloneLinkKind `json:"name"`
}

// cloneLinkKind is the protocol a clone link names.
type cloneLinkKind uint8

const (
	cloneOther cloneLinkKind = iota
	cloneHTTP
	cloneSSH
)

// UnmarshalJSONFrom reads "http" or "https" as cloneHTTP and "ssh" as cloneSSH, in any case,
// anything else as cloneOther.
func (k *cloneLinkKind) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	i, err := httpx.ReadWord(dec, "http", "https", "ssh")
	*k = [...]cloneLinkKind{cloneOther, cloneHTTP, cloneHTTP, cloneSSH}[i+1]
	return err
}

// reposQuery is the query of GET /repos (and, page alone, of GET /projects/{key}/repos).
type reposQuery struct {
	Name        string `url:"name,omitempty"`
	ProjectName string `url:"projectname,omitempty"`
	ProjectKey  string `url:"projectkey,omitempty"`
	Permission  string `url:"permission,omitempty"`
	Archived    string `url:"archived,omitempty"`
	pageQuery
}

// toRepository fills what a repository record holds. DefaultBranch stays "" unless the server
// sent it: reading it would cost a request per repository. UpdatedAt is not in the record.
func toRepository(w *wireRepository) *bitbucket.Repository {
	r := &bitbucket.Repository{
		Ref:           bitbucket.RepoRef{Namespace: w.Project.Key, Slug: w.Slug},
		Name:          w.Name,
		Description:   w.Description,
		Private:       !w.Public,
		Archived:      w.Archived,
		DefaultBranch: w.DefaultBranch,
		Project:       w.Project.Key,
	}
	if w.ID != 0 {
		r.ID = strconv.FormatInt(w.ID, 10)
	}
	if len(w.Links.Self) > 0 {
		r.WebURL = w.Links.Self[0].Href
	}
	for _, l := range w.Links.Clone {
		switch l.Name {
		case cloneHTTP:
			if r.CloneHTTP == "" {
				r.CloneHTTP = l.Href
			}
		case cloneSSH:
			if r.CloneSSH == "" {
				r.CloneSSH = l.Href
			}
		}
	}
	return r
}

// GetRepository returns one repository (getRepository). A repository the caller cannot see
// answers like a missing one: an *APIError matching bitbucket.ErrNotFound, or
// bitbucket.ErrForbidden where the server says the project is not readable.
func (c *Client) GetRepository(ctx context.Context, repo bitbucket.RepoRef) (*bitbucket.Repository, error) {
	w, err := c.getRepository(ctx, repo)
	if err != nil {
		return nil, err
	}
	return toRepository(w), nil
}

func (c *Client) getRepository(ctx context.Context, repo bitbucket.RepoRef) (*wireRepository, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	var w wireRepository
	if _, err := c.do(ctx, call{ep: epGetRepository, args: repoArgs(repo)}, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// ListRepositories iterates over the repositories opts select; see ListRepositoriesPage.
func (c *Client) ListRepositories(ctx context.Context, opts bitbucket.ListRepositoriesOptions) iter.Seq2[*bitbucket.Repository, error] {
	cur, at, err := repoListing(opts)
	if err != nil {
		return listAll[*bitbucket.Repository](ctx, c, at, nil, err)
	}
	// The route may need the version: resolve it when the loop starts, not before.
	return func(yield func(*bitbucket.Repository, error) bool) {
		src, err := c.reposSource(ctx, cur)
		for r, err := range listAll(ctx, c, at, src, err) {
			if !yield(r, err) {
				return
			}
		}
	}
}

// ListRepositoriesPage returns one page of repositories. A namespace alone lists the project's
// repositories (getRepositories); anything else goes through GET /repos (getRepositories_1) with
// its name, projectkey and permission filters. Servers before 8.0 have no projectkey filter: there
// the project is matched on this side, so a page may hold fewer items than asked.
func (c *Client) ListRepositoriesPage(ctx context.Context, opts bitbucket.ListRepositoriesOptions) (bitbucket.Page[*bitbucket.Repository], error) {
	cur, at, err := repoListing(opts)
	if err != nil {
		return bitbucket.Page[*bitbucket.Repository]{}, err
	}
	src, err := c.reposSource(ctx, cur)
	if err != nil {
		return bitbucket.Page[*bitbucket.Repository]{}, err
	}
	return paging.PageAt(ctx, at, src, cur.encoder())
}

// repoListing returns the identity and first state of the listing opts ask for, from the cursor
// when there is one.
func repoListing(opts bitbucket.ListRepositoriesOptions) (listCursor, paging.StartAt, error) {
	if opts.MinPermission < bitbucket.PermissionNone || opts.MinPermission > bitbucket.PermissionAdmin {
		return listCursor{}, paging.StartAt{}, fmt.Errorf("%w: MinPermission %v is not a permission", bitbucket.ErrInvalidInput, opts.MinPermission)
	}
	cur := listCursor{Kind: kindRepos, Namespace: opts.Namespace, Query: opts.Query, Perm: int(opts.MinPermission)}
	if opts.Cursor != "" {
		var err error
		if cur, err = decodeListCursor(opts.Cursor, kindRepos); err != nil {
			return cur, paging.StartAt{}, err
		}
		switch {
		case opts.Namespace != "" && opts.Namespace != cur.Namespace:
			return cur, paging.StartAt{}, conflict("Namespace")
		case opts.Query != "" && opts.Query != cur.Query:
			return cur, paging.StartAt{}, conflict("Query")
		case opts.MinPermission != bitbucket.PermissionNone && int(opts.MinPermission) != cur.Perm:
			return cur, paging.StartAt{}, conflict("MinPermission")
		}
	}
	at, err := startAt(cur, opts.PageSize)
	return cur, at, err
}

// maxFilteredPages bounds the pages one fetch reads while matching the project on this side
// (servers before 8.0), so that a project far down the list does not look like a stalled listing.
const maxFilteredPages = 20

// reposSource is the paging source of a repository listing.
func (c *Client) reposSource(ctx context.Context, cur listCursor) (paging.Source[paging.StartAt, *bitbucket.Repository], error) {
	perm := bitbucket.Permission(cur.Perm)
	if cur.Namespace != "" && cur.Query == "" && perm <= bitbucket.PermissionRead {
		// The project endpoint lists what the caller may read, archived repositories included.
		return startsSource(c, epListProjectRepos, []string{cur.Namespace}, func(at paging.StartAt) any { return pageOf(at) }, toRepository), nil
	}
	q := reposQuery{Name: cur.Query, Permission: repoPermissionName(perm), Archived: "ALL"}
	match := ""
	if cur.Namespace != "" {
		v, err := c.parsedVersion(ctx)
		if err != nil {
			return nil, err
		}
		if v.atLeast(sinceReposProjectKey) {
			q.ProjectKey = cur.Namespace
		} else {
			q.Archived, match = "", cur.Namespace
		}
	}
	src := c.reposFiltered(q)
	if match == "" {
		return src, nil
	}
	return func(ctx context.Context, at paging.StartAt) (paging.Batch[paging.StartAt, *bitbucket.Repository], error) {
		for fetched := 1; ; fetched++ {
			b, err := src(ctx, at)
			if err != nil {
				return b, err
			}
			kept := b.Items[:0]
			for _, r := range b.Items {
				if strings.EqualFold(r.Project, match) {
					kept = append(kept, r)
				}
			}
			b.Items = kept
			if len(kept) > 0 || !b.More || fetched >= maxFilteredPages {
				return b, nil
			}
			at = b.Next
		}
	}, nil
}

// reposFiltered is the source of GET /repos with the filters of q.
func (c *Client) reposFiltered(q reposQuery) paging.Source[paging.StartAt, *bitbucket.Repository] {
	return startsSource(c, epListRepos, nil, func(at paging.StartAt) any {
		q := q
		q.pageQuery = pageOf(at)
		return q
	}, toRepository)
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
