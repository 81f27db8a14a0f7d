package cloud

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// endpoint is one row of the endpoint table: the OpenAPI operation a method implements.
type endpoint struct {
	method string // HTTP method
	path   string // the path template exactly as the OpenAPI document writes it
	op     string // the document's operationId; "" when it has none
}

// The endpoint table: every request this package sends, with its path as
// ../shared/specs/bitbucket-cloud.json writes it (relative to /2.0). The Cloud document gives
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

// expand fills the template's {params} in order with args, each escaped as one path segment;
// the {path} parameter may span segments, each escaped on its own. An empty, "." or ".."
// segment is refused with an error wrapping bitbucket.ErrInvalidInput, so no argument can change
// the route.
func (e endpoint) expand(args ...string) (string, error) {
	var b strings.Builder
	rest, used := e.path, 0
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("%w: endpoint %s: bad template", bitbucket.ErrInvalidInput, e.path)
		}
		name := rest[open+1 : open+end]
		b.WriteString(rest[:open])
		rest = rest[open+end+1:]
		if used >= len(args) {
			return "", fmt.Errorf("%w: endpoint %s: no value for {%s}", bitbucket.ErrInvalidInput, e.path, name)
		}
		arg := args[used]
		used++
		segments := []string{arg}
		if name == "path" {
			segments = strings.Split(arg, "/")
		}
		for i, s := range segments {
			if err := checkSegment(name, s); err != nil {
				return "", err
			}
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString(url.PathEscape(s))
		}
	}
	if used != len(args) {
		return "", fmt.Errorf("%w: endpoint %s: %d values for %d parameters", bitbucket.ErrInvalidInput, e.path, len(args), used)
	}
	return b.String(), nil
}

// checkSegment refuses a path segment that is empty or would move up or stay in place once the
// server resolves dot segments.
func checkSegment(name, s string) error {
	switch s {
	case "":
		return fmt.Errorf("%w: empty {%s}", bitbucket.ErrInvalidInput, name)
	case ".", "..":
		return fmt.Errorf("%w: {%s} must not be %q", bitbucket.ErrInvalidInput, name, s)
	}
	return nil
}
