package server

import (
	"context"
	"errors"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// Data Center has no endpoint that says what the credentials may do on a repository. The
// permission filter of GET /repos (getRepositories_1) lists the repositories held at a level or
// above, but whether it answers for an HTTP access token's own rights or its owner's is
// unconfirmed. Listing a repository's webhooks needs REPO_ADMIN for the credentials in use, so a
// level of admin is confirmed with it; when that is refused, the filter is known to answer for
// someone with more rights than these credentials, and the repository is answered as read only
// (the credentials' true level, write or read, cannot be told without writing).

// permissionLevels are the filter levels asked, highest first.
var permissionLevels = []bitbucket.Permission{bitbucket.PermissionAdmin, bitbucket.PermissionWrite, bitbucket.PermissionRead}

// RepositoryPermission returns what the credentials may do on repo, asking nothing that needs
// admin rights but the confirmation of admin. It reads the repository first (getRepository): one
// the caller cannot see (401, 403 or 404: Data Center does not tell hidden from missing) is
// PermissionNone with a nil error. For a visible one it asks GET /repos for the repository's
// exact name at REPO_ADMIN, then REPO_WRITE, and looks for the exact project key and slug among
// the answers; found at neither level means read. Admin is confirmed by listing the repository's
// webhooks (findWebhooks_1). Servers from 8.0 narrow the question with projectkey; older ones
// match the project here. Bad credentials, network failures and rate limits are errors.
func (c *Client) RepositoryPermission(ctx context.Context, repo bitbucket.RepoRef) (bitbucket.Permission, error) {
	w, err := c.getRepository(ctx, repo)
	switch {
	case err == nil:
	case errors.Is(err, bitbucket.ErrNotFound) || errors.Is(err, bitbucket.ErrForbidden):
		return bitbucket.PermissionNone, nil
	default:
		return bitbucket.PermissionNone, err
	}
	key, slug := w.Project.Key, w.Slug
	if key == "" || slug == "" {
		key, slug = repo.Namespace, repo.Slug
	}
	ref := bitbucket.RepoRef{Namespace: key, Slug: slug}
	got := map[string]bitbucket.Permission{}
	if err := c.projectLevels(ctx, key, w.Name, permissionLevels[:2], map[string]bool{slug: true}, got); err != nil {
		return bitbucket.PermissionNone, err
	}
	p := max(got[slug], bitbucket.PermissionRead)
	if p == bitbucket.PermissionAdmin {
		if ok, err := c.confirmAdmin(ctx, ref); err != nil || !ok {
			return bitbucket.PermissionRead, err
		}
	}
	return p, nil
}

// RepositoryPermissions answers RepositoryPermission for many repositories at once: per project,
// the permission filter of GET /repos from REPO_ADMIN down, stopping as soon as every repository
// asked about is placed, then one webhook listing to confirm admin where some repository is
// answered admin (an access token's rights hold for every repository of its scope). A page of
// repositories of one project costs at most three requests when all are held at one level.
// Repositories the credentials cannot see are PermissionNone.
func (c *Client) RepositoryPermissions(ctx context.Context, repos []bitbucket.RepoRef) (map[bitbucket.RepoRef]bitbucket.Permission, error) {
	out := make(map[bitbucket.RepoRef]bitbucket.Permission, len(repos))
	var order []string
	byProject := map[string]map[string]bool{}
	for _, r := range repos {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		key := strings.ToUpper(r.Namespace)
		if strings.HasPrefix(key, "~") {
			key = r.Namespace // personal project keys keep their user's case
		}
		if byProject[key] == nil {
			byProject[key] = map[string]bool{}
			order = append(order, key)
		}
		byProject[key][r.Slug] = true
		out[r] = bitbucket.PermissionNone
	}
	for _, key := range order {
		want := byProject[key]
		got := map[string]bitbucket.Permission{}
		if err := c.projectLevels(ctx, key, "", permissionLevels, want, got); err != nil {
			return nil, err
		}
		var admin []bitbucket.RepoRef
		for _, r := range repos {
			if strings.EqualFold(r.Namespace, key) {
				out[r] = got[r.Slug]
				if out[r] == bitbucket.PermissionAdmin {
					admin = append(admin, r)
				}
			}
		}
		if len(admin) == 0 {
			continue
		}
		ok, err := c.confirmAdmin(ctx, admin[0])
		if err != nil {
			return nil, err
		}
		if !ok {
			for _, r := range admin {
				out[r] = bitbucket.PermissionRead
			}
		}
	}
	return out, nil
}

// projectLevels asks the permission filter of GET /repos for project key at each of levels,
// highest first, and records in got the highest level each slug of want is listed at. It stops
// once every slug is placed. name narrows the question to one repository name.
func (c *Client) projectLevels(ctx context.Context, key, name string, levels []bitbucket.Permission, want map[string]bool, got map[string]bitbucket.Permission) error {
	v, err := c.parsedVersion(ctx)
	if err != nil {
		return err
	}
	for _, level := range levels {
		if len(got) == len(want) {
			return nil
		}
		q := reposQuery{Name: name, Permission: repoPermissionName(level)}
		if v.atLeast(sinceReposProjectKey) {
			q.ProjectKey, q.Archived = key, "ALL"
		}
		for r, err := range paging.Iterate(ctx, paging.StartAt{Limit: maxPageLimit, Adapt: true}, c.limits, c.reposFiltered(q)) {
			if err != nil {
				return err
			}
			if !strings.EqualFold(r.Ref.Namespace, key) || !want[r.Ref.Slug] {
				continue
			}
			if _, ok := got[r.Ref.Slug]; !ok {
				got[r.Ref.Slug] = level
			}
			if len(got) == len(want) {
				break
			}
		}
	}
	return nil
}

// confirmAdmin reports whether the credentials may list repo's webhooks, the test of admin as
// these credentials hold it. A refusal is false with a nil error; other failures are errors.
func (c *Client) confirmAdmin(ctx context.Context, repo bitbucket.RepoRef) (bool, error) {
	var p paging.ServerPage[wireWebhook]
	_, err := c.do(ctx, call{ep: epListWebhooks, args: repoArgs(repo), query: webhooksQuery{pageQuery{Limit: 1}}}, &p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bitbucket.ErrForbidden) || errors.Is(err, bitbucket.ErrNotFound):
		return false, nil
	}
	return false, err
}
