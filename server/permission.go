package server

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// RepositoryPermission returns what the credentials may do on repo, asking nothing that needs
// admin rights. It reads the repository first: one the caller cannot see (401, 403 or 404: Data
// Center does not tell hidden from missing) is PermissionNone with a nil error. For a visible
// one it asks GET /repos for the repository's exact name at REPO_ADMIN, then REPO_WRITE, and
// looks for the exact project key and slug among the answers; found at neither level means
// read. Servers from 8.0 narrow the question with projectkey; older ones match the project here.
// Bad credentials, network failures and rate limits are returned as errors.
func (c *Client) RepositoryPermission(ctx context.Context, repo bitbucket.RepoRef) (bitbucket.Permission, error) {
	w, err := c.getRepository(ctx, repo)
	switch {
	case err == nil:
	case errors.Is(err, bitbucket.ErrNotFound) || errors.Is(err, bitbucket.ErrForbidden):
		return bitbucket.PermissionNone, nil
	default:
		return bitbucket.PermissionNone, err
	}
	v, err := c.parsedVersion(ctx)
	if err != nil {
		return bitbucket.PermissionNone, err
	}
	key, slug := w.Project.Key, w.Slug
	if key == "" || slug == "" {
		key, slug = repo.Namespace, repo.Slug
	}
	for _, p := range []bitbucket.Permission{bitbucket.PermissionAdmin, bitbucket.PermissionWrite} {
		found, err := c.hasRepoPermission(ctx, v, key, slug, w.Name, p)
		if err != nil {
			return bitbucket.PermissionNone, err
		}
		if found {
			return p, nil
		}
	}
	return bitbucket.PermissionRead, nil
}

// hasRepoPermission reports whether GET /repos?name=..&permission=.. lists project key / slug,
// paging through every answer if needed.
func (c *Client) hasRepoPermission(ctx context.Context, v serverVersion, key, slug, name string, p bitbucket.Permission) (bool, error) {
	q := reposQuery(name, p)
	if v.atLeast(sinceReposProjectKey) {
		q.Set("projectkey", key)
		q.Set("archived", "ALL")
	}
	for r, err := range c.allPages(ctx, q) {
		if err != nil {
			return false, err
		}
		if strings.EqualFold(r.Project.Key, key) && r.Slug == slug {
			return true, nil
		}
	}
	return false, nil
}

// allPages iterates over every repository GET /repos returns for q, with the loop guard of
// package paging.
func (c *Client) allPages(ctx context.Context, q url.Values) iter.Seq2[*wireRepository, error] {
	return paging.Seq(ctx, "", func(ctx context.Context, cursor string) (bitbucket.Page[*wireRepository], error) {
		var out bitbucket.Page[*wireRepository]
		cur := listCursor{Kind: kindRepos}
		if cursor != "" {
			if err := paging.DecodeCursor(cursor, &cur); err != nil {
				return out, err
			}
		}
		limit, _ := pageLimit(0, cur.Limit)
		page, err := getPage[wireRepository](ctx, c, pathRepos, q, cur.Start, limit)
		if err != nil {
			return out, err
		}
		for i := range page.values {
			out.Items = append(out.Items, &page.values[i])
		}
		if page.more {
			out.Next = nextCursor(cur, page, 0)
		}
		return out, nil
	})
}
