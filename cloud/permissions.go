package cloud

import (
	"context"
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
