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
	want := map[string]bool{slug: true}
	got := map[string]bitbucket.Permission{}
	for _, level := range []bitbucket.Permission{bitbucket.PermissionAdmin, bitbucket.PermissionWrite} {
		if err := c.projectLevels(ctx, key, w.Name, level, want, got); err != nil {
			return bitbucket.PermissionNone, err
		}
		if len(got) > 0 {
			break
		}
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
// the permission filter of GET /repos at REPO_ADMIN, then at REPO_WRITE for those not placed,
// then at REPO_READ for those still not placed (a repository not listed there is hidden:
// PermissionNone); then one webhook listing, for the whole call, confirms admin when some
// repository is answered admin. One confirmation suffices: a personal access token's rights are
// one level for every repository its owner may reach, and a project or repository token is a bot
// user that the filter answers for.
//
// A page of 25 repositories of one project costs one filter request when all are admin, two when
// the others are writable, three when some are read only or hidden; each further project costs
// as many again. Add the confirmation and the version (read once per client). Repositories the
// credentials cannot see are PermissionNone.
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
	var admin []bitbucket.RepoRef
	for _, key := range order {
		got, err := c.projectPermissions(ctx, key, byProject[key])
		if err != nil {
			return nil, err
		}
		for _, r := range repos {
			if strings.EqualFold(r.Namespace, key) {
				out[r] = got[r.Slug]
				if out[r] == bitbucket.PermissionAdmin {
					admin = append(admin, r)
				}
			}
		}
	}
	if len(admin) == 0 {
		return out, nil
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
	return out, nil
}

// projectPermissions places each slug of want in project key: admin, then write among the rest,
// then read (visible) among what is left, each asked only while some slug is unplaced. Slugs never
// listed are absent (none).
func (c *Client) projectPermissions(ctx context.Context, key string, want map[string]bool) (map[string]bitbucket.Permission, error) {
	got := map[string]bitbucket.Permission{}
	rest := want
	for _, level := range []bitbucket.Permission{bitbucket.PermissionAdmin, bitbucket.PermissionWrite, bitbucket.PermissionRead} {
		if err := c.projectLevels(ctx, key, "", level, rest, got); err != nil {
			return nil, err
		}
		unplaced := map[string]bool{}
		for slug := range rest {
			if _, ok := got[slug]; !ok {
				unplaced[slug] = true
			}
		}
		if len(unplaced) == 0 {
			break
		}
		rest = unplaced
	}
	return got, nil
}

// projectLevels asks the permission filter of GET /repos for project key at level and records
// level in got for each slug of want it lists, stopping once every slug is placed. name narrows
// the question to one repository name.
func (c *Client) projectLevels(ctx context.Context, key, name string, level bitbucket.Permission, want map[string]bool, got map[string]bitbucket.Permission) error {
	v, err := c.parsedVersion(ctx)
	if err != nil {
		return err
	}
	q := reposQuery{Name: name, Permission: repoPermissionName(level)}
	if v.atLeast(sinceReposProjectKey) {
		q.ProjectKey, q.Archived = key, "ALL"
	}
	placed := 0
	for r, err := range paging.Iterate(ctx, paging.StartAt{Limit: maxPageLimit, Adapt: true}, c.limits, c.reposFiltered(q)) {
		if err != nil {
			return err
		}
		if !strings.EqualFold(r.Ref.Namespace, key) || !want[r.Ref.Slug] {
			continue
		}
		if _, ok := got[r.Ref.Slug]; !ok {
			got[r.Ref.Slug] = level
			if placed++; placed == len(want) {
				return nil
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
