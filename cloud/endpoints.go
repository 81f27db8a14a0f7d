package cloud

import "github.com/bbconnect/bbconnect/internal/httpx"

// endpoint is one row of the endpoint table: the OpenAPI operation a method implements.
type endpoint struct {
	method string // HTTP method
	path   string // the path template exactly as the OpenAPI document writes it
	op     string // the document's operationId; "" when it has none
}

// The endpoint table: every request this package sends, with its path as
// contract/specs/bitbucket-cloud.json writes it (relative to /2.0). The Cloud document gives
// these operations no operationId.
var epGetUser = endpoint{"GET", "/user", ""}
var epListUserEmails = endpoint{"GET", "/user/emails", ""}
var epListUserWorkspaces = endpoint{"GET", "/user/workspaces", ""}
var epListRepositoryPermissions = endpoint{"GET", "/user/workspaces/{workspace}/permissions/repositories", ""}
var epListRepositories = endpoint{"GET", "/repositories/{workspace}", ""}
var epGetRepository = endpoint{"GET", "/repositories/{workspace}/{repo_slug}", ""}
var epListHooks = endpoint{"GET", "/repositories/{workspace}/{repo_slug}/hooks", ""}
var epCreateHook = endpoint{"POST", "/repositories/{workspace}/{repo_slug}/hooks", ""}
var epUpdateHook = endpoint{"PUT", "/repositories/{workspace}/{repo_slug}/hooks/{uid}", ""}
var epDeleteHook = endpoint{"DELETE", "/repositories/{workspace}/{repo_slug}/hooks/{uid}", ""}
var epListWorkspaceHooks = endpoint{"GET", "/workspaces/{workspace}/hooks", ""}
var epListBranches = endpoint{"GET", "/repositories/{workspace}/{repo_slug}/refs/branches", ""}
var epGetBranch = endpoint{"GET", "/repositories/{workspace}/{repo_slug}/refs/branches/{name}", ""}
var epListTags = endpoint{"GET", "/repositories/{workspace}/{repo_slug}/refs/tags", ""}
var epGetTag = endpoint{"GET", "/repositories/{workspace}/{repo_slug}/refs/tags/{name}", ""}
var epGetCommit = endpoint{"GET", "/repositories/{workspace}/{repo_slug}/commit/{commit}", ""}
var epGetFile = endpoint{"GET", "/repositories/{workspace}/{repo_slug}/src/{commit}/{path}", ""}
var epCreateCommitStatus = endpoint{"POST", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build", ""}

// expand fills the template's {params} in order with args (httpx.Expand: each an escaped path
// segment, {path} one per slash; empty, "." and ".." refused).
func (e endpoint) expand(args ...string) (string, error) { return httpx.Expand(e.path, args...) }
