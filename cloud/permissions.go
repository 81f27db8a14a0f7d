package cloud

import (
	"context"
	"iter"
	"net/http"
	"slices"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// wireRepositoryPermission is one value of
// GET /user/workspaces/{workspace}/permissions/repositories.
type wireRepositoryPermission struct {
	Permission string `json:"permission"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// toPermission maps a repository_permission value.
func toPermission(s string) bitbucket.Permission {
	switch strings.ToLower(s) {
	case "admin", "owner":
		return bitbucket.PermissionAdmin
	case "write":
		return bitbucket.PermissionWrite
	case "read":
		return bitbucket.PermissionRead
	}
	return bitbucket.PermissionNone
}

// permQuery is the query of a permission list: a BBQL filter and the page size.
type permQuery struct {
	Q       string `url:"q,omitempty"`
	PageLen int    `url:"pagelen,omitempty"`
}

// RepositoryPermission answers what the credentials may do on repo.
//
// For a user it reads GET /user/workspaces/{workspace}/permissions/repositories filtered on the
// repository's full name (the cross-workspace /user/permissions/repositories was removed under
// CHANGE-2770). A repository missing from that list but visible (a public one, say) is
// PermissionRead; one the caller cannot see is PermissionNone with a nil error.
//
// Access tokens have no user and cannot read the permission endpoints. When that endpoint answers
// 401 or 403 the answer is found without any admin-only endpoint: the repository is fetched
// (visible: at least read; 403 or 404: none); an access token whose scopes (X-OAuth-Scopes)
// include repository:write is write; when the scopes include webhook or repository:admin (or
// are not reported), GET /repositories/{ws}/{slug}/hooks?pagelen=1 is probed, and a 200 there
// means admin, since only repository admins may read webhooks. For a user whose token may not read
// the permission endpoint (no account scope) the same probe decides admin, and scopes are not
// taken as proof of write, since a user's token can hold more scope than the user has rights.
func (c *Client) RepositoryPermission(ctx context.Context, repo bitbucket.RepoRef) (bitbucket.Permission, error) {
	if err := repo.Validate(); err != nil {
		return bitbucket.PermissionNone, err
	}
	lit, err := bbqlString(repo.String())
	if err != nil {
		return bitbucket.PermissionNone, err
	}
	var page paging.CloudPage[wireRepositoryPermission]
	resp, err := c.do(ctx, epListRepositoryPermissions, []string{repo.Namespace}, permQuery{Q: "repository.full_name=" + lit}, nil, &page)
	switch st := statusOf(err); {
	case err == nil:
		for _, v := range page.Values {
			if strings.EqualFold(v.Repository.FullName, repo.String()) || len(page.Values) == 1 && v.Repository.FullName == "" {
				if p := toPermission(v.Permission); p > bitbucket.PermissionNone {
					return p, nil
				}
			}
		}
		// Not listed: a workspace administrator's implicit right may be missing from the list.
		switch admin, err := c.administers(ctx, repo.Namespace); {
		case err != nil:
			return bitbucket.PermissionNone, err
		case admin:
			// Admin on every repository of the workspace, if the repository exists.
			if p, err := c.visibility(ctx, repo); err != nil || p == bitbucket.PermissionNone {
				return p, err
			}
			return bitbucket.PermissionAdmin, nil
		}
		return c.visibility(ctx, repo)
	case st == http.StatusNotFound:
		// The workspace is unknown to the caller (or gone): the repository can still be public.
		return c.visibility(ctx, repo)
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		if isAccessToken(header(resp, headerCredentialType)) {
			return c.probePermission(ctx, repo, true)
		}
		if st == http.StatusUnauthorized {
			return bitbucket.PermissionNone, err
		}
		return c.probePermission(ctx, repo, false)
	default:
		return bitbucket.PermissionNone, err
	}
}

// visibility is PermissionRead for a repository the caller can fetch and PermissionNone for one
// it cannot (403 or 404: Bitbucket does not tell hidden from missing).
func (c *Client) visibility(ctx context.Context, repo bitbucket.RepoRef) (bitbucket.Permission, error) {
	_, _, err := c.getRepository(ctx, repo)
	switch st := statusOf(err); {
	case err == nil:
		return bitbucket.PermissionRead, nil
	case st == http.StatusNotFound || st == http.StatusForbidden:
		return bitbucket.PermissionNone, nil
	}
	return bitbucket.PermissionNone, err
}

// probePermission is the fallback that needs no permission endpoint; see RepositoryPermission.
func (c *Client) probePermission(ctx context.Context, repo bitbucket.RepoRef, accessToken bool) (bitbucket.Permission, error) {
	_, resp, err := c.getRepository(ctx, repo)
	switch st := statusOf(err); {
	case err == nil:
	case st == http.StatusNotFound || st == http.StatusForbidden:
		return bitbucket.PermissionNone, nil
	default:
		return bitbucket.PermissionNone, err
	}
	scopes := parseScopes(resp.Header.Get(headerScopes))
	has := func(names ...string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return slices.Contains(scopes, n) })
	}
	if len(scopes) == 0 || has("webhook", "repository:admin", "read:webhook:bitbucket", "admin:repository:bitbucket") {
		var hooks paging.CloudPage[wireHook]
		_, err := c.do(ctx, epListHooks, []string{repo.Namespace, repo.Slug}, pageQuery{PageLen: 1}, nil, &hooks)
		switch st := statusOf(err); {
		case err == nil:
			return bitbucket.PermissionAdmin, nil
		case st == http.StatusForbidden || st == http.StatusNotFound || st == http.StatusUnauthorized:
		default:
			return bitbucket.PermissionNone, err
		}
	}
	if accessToken && has("repository:write", "pullrequest:write", "write:repository:bitbucket") {
		return bitbucket.PermissionWrite, nil
	}
	return bitbucket.PermissionRead, nil
}

// maxPermissionsPerQuery bounds the repositories named in one BBQL filter, keeping the URL short.
const maxPermissionsPerQuery = 50

// RepositoryPermissions answers RepositoryPermission for many repositories in few requests: the
// workspaces the caller administers once (GET /user/workspaces?administrator=true), then per workspace
// GET /user/workspaces/{workspace}/permissions/repositories filtered with
// repository.full_name IN (...), up to 50 repositories a request. A workspace administrator has
// admin on every repository of the workspace, whether or not the permission list names it.
// (The service may or may not list such implicit rights; either way the answer is admin for the
// repositories that exist, found with one filtered GET /repositories/{workspace}.) A repository
// the list leaves out is read when the caller can see it (a public one) and none otherwise, found
// the same way; every repository of a workspace whose permission list the credentials may not
// read (access tokens) is answered as RepositoryPermission would. Every asked repository has an
// entry.
func (c *Client) RepositoryPermissions(ctx context.Context, repos []bitbucket.RepoRef) (map[bitbucket.RepoRef]bitbucket.Permission, error) {
	out := make(map[bitbucket.RepoRef]bitbucket.Permission, len(repos))
	var order []string
	byWorkspace := map[string][]bitbucket.RepoRef{}
	for _, r := range repos {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		if _, err := bbqlString(r.String()); err != nil {
			return nil, err
		}
		if _, dup := out[r]; dup {
			continue
		}
		out[r] = bitbucket.PermissionNone
		if _, ok := byWorkspace[r.Namespace]; !ok {
			order = append(order, r.Namespace)
		}
		byWorkspace[r.Namespace] = append(byWorkspace[r.Namespace], r)
	}
	if len(out) == 0 {
		return out, nil
	}
	admin, err := c.adminWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	for _, ws := range order {
		if err := c.workspacePermissions(ctx, ws, byWorkspace[ws], admin[ws], out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// adminWorkspaces returns the slugs of the workspaces the caller administers
// (GET /user/workspaces?administrator=true), or the set read in the last minute (adminCache). Credentials that cannot list workspaces (access
// tokens) administer none that this could tell.
func (c *Client) adminWorkspaces(ctx context.Context) (map[string]bool, error) {
	if set, ok := c.admins.get(); ok {
		return set, nil
	}
	src := paging.NextLinks(listPages[wireWorkspaceAccess](c, epListUserWorkspaces, nil, adminQuery{PageLen: maxPageLen, Administrator: true}, maxPageLen),
		func(w *wireWorkspaceAccess) *wireWorkspaceAccess { return w })
	admin := map[string]bool{}
	for w, err := range paging.Iterate(ctx, "", c.limits, src) {
		if st := statusOf(err); st == http.StatusUnauthorized || st == http.StatusForbidden {
			return map[string]bool{}, nil
		}
		if err != nil {
			return nil, err
		}
		if slug := w.administeredSlug(); slug != "" {
			admin[slug] = true
		}
	}
	c.admins.put(admin)
	return admin, nil
}

// workspacePermissions fills out for repos, all in workspace ws.
func (c *Client) workspacePermissions(ctx context.Context, ws string, repos []bitbucket.RepoRef, admin bool, out map[bitbucket.RepoRef]bitbucket.Permission) error {
	unlisted := repos
	if !admin {
		listed, ok, err := c.listedPermissions(ctx, ws, repos)
		if err != nil {
			return err
		}
		if !ok {
			// No permission list for these credentials (access tokens): ask per repository.
			for _, r := range repos {
				p, err := c.RepositoryPermission(ctx, r)
				if err != nil {
					return err
				}
				out[r] = p
			}
			return nil
		}
		unlisted = nil
		for _, r := range repos {
			if p := listed[strings.ToLower(r.String())]; p > bitbucket.PermissionNone {
				out[r] = p
			} else {
				unlisted = append(unlisted, r)
			}
		}
	}
	if len(unlisted) == 0 {
		return nil
	}
	// An administrator's repositories (listed or not: the service may leave implicit rights out)
	// and the unlisted ones are what the caller can see: admin or read when visible, else none.
	visible, err := c.visibleRepositories(ctx, ws, unlisted)
	if err != nil {
		return err
	}
	for _, r := range unlisted {
		switch {
		case !visible[strings.ToLower(r.String())]:
			out[r] = bitbucket.PermissionNone
		case admin:
			out[r] = bitbucket.PermissionAdmin
		default:
			out[r] = bitbucket.PermissionRead
		}
	}
	return nil
}

// chunkNames yields repos as BBQL lists of quoted full names, maxPermissionsPerQuery at a time.
func chunkNames(repos []bitbucket.RepoRef) iter.Seq[string] {
	return func(yield func(string) bool) {
		for chunk := range slices.Chunk(repos, maxPermissionsPerQuery) {
			names := make([]string, len(chunk))
			for i, r := range chunk {
				names[i], _ = bbqlString(r.String()) // validated by RepositoryPermissions
			}
			if !yield("(" + strings.Join(names, ", ") + ")") {
				return
			}
		}
	}
}

// listedPermissions reads the caller's explicit permissions on repos in ws, keyed by lower-case
// full name. ok is false when the credentials may not read the permission list (401, 403) or
// the workspace is unknown to them (404).
func (c *Client) listedPermissions(ctx context.Context, ws string, repos []bitbucket.RepoRef) (map[string]bitbucket.Permission, bool, error) {
	listed := map[string]bitbucket.Permission{}
	for names := range chunkNames(repos) {
		q := permQuery{Q: "repository.full_name IN " + names, PageLen: maxPageLen}
		src := paging.NextLinks(listPages[wireRepositoryPermission](c, epListRepositoryPermissions, []string{ws}, q, maxPageLen),
			func(w *wireRepositoryPermission) *wireRepositoryPermission { return w })
		values, err := paging.Gather(ctx, "", c.limits, src)
		if st := statusOf(err); st == http.StatusUnauthorized || st == http.StatusForbidden || st == http.StatusNotFound {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		for _, v := range values {
			name := strings.ToLower(v.Repository.FullName)
			listed[name] = max(listed[name], toPermission(v.Permission))
		}
	}
	return listed, true, nil
}

// visibleQuery asks GET /repositories/{workspace} for the full names of the repositories a
// BBQL filter keeps.
type visibleQuery struct {
	PageLen int    `url:"pagelen"`
	Fields  string `url:"fields"`
	Q       string `url:"q"`
}

// visibleRepositories returns which of repos (all in ws) the caller can see, keyed by lower-case
// full name, with one filtered repository listing per maxPermissionsPerQuery repositories.
func (c *Client) visibleRepositories(ctx context.Context, ws string, repos []bitbucket.RepoRef) (map[string]bool, error) {
	visible := map[string]bool{}
	for names := range chunkNames(repos) {
		q := visibleQuery{PageLen: maxPageLen, Fields: "next,values.full_name", Q: "full_name IN " + names}
		src := paging.NextLinks(listPages[wireRepository](c, epListRepositories, []string{ws}, q, maxPageLen),
			func(w *wireRepository) string { return strings.ToLower(w.FullName) })
		found, err := paging.Gather(ctx, "", c.limits, src)
		if st := statusOf(err); st == http.StatusNotFound || st == http.StatusForbidden {
			continue // the workspace is unknown or hidden: none of them is visible
		}
		if err != nil {
			return nil, err
		}
		for _, name := range found {
			visible[name] = true
		}
	}
	return visible, nil
}

// adminQuery lists only the workspaces the caller administers.
type adminQuery struct {
	PageLen       int  `url:"pagelen"`
	Administrator bool `url:"administrator"`
}

// administers reports whether the caller administers workspace ws.
func (c *Client) administers(ctx context.Context, ws string) (bool, error) {
	admin, err := c.adminWorkspaces(ctx)
	return admin[ws], err
}
