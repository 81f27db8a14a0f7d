package server

import (
	"strings"

	"github.com/bbconnect/bbconnect/internal/httpx"
)

// endpoint is one row of the endpoint table: the OpenAPI operation a method implements.
type endpoint struct {
	method string // HTTP method
	path   string // the path template exactly as the OpenAPI document writes it
	op     string // the document's operationId; "" when it has none
}

// The endpoint table: every request this package sends is built from one of these rows. Paths are
// those of the Data Center 9.4 OpenAPI document (relative to /rest, "latest" for the version); the
// client sends them under <base>/rest/<api>/1.0/.
var (
	epApplicationProperties = endpoint{"GET", "/api/latest/application-properties", "getApplicationProperties"}
	// epWhoami is the applinks servlet that answers the acting user's name as plain text. It is
	// not a REST resource and not in the OpenAPI document.
	epWhoami            = endpoint{"GET", "/plugins/servlet/applinks/whoami", ""}
	epGetUser           = endpoint{"GET", "/api/latest/users/{userSlug}", "getUser"}
	epListUsers         = endpoint{"GET", "/api/latest/users", "getUsers_2"}
	epListProjects      = endpoint{"GET", "/api/latest/projects", "getProjects"}
	epGetProject        = endpoint{"GET", "/api/latest/projects/{projectKey}", "getProject"}
	epListProjectRepos  = endpoint{"GET", "/api/latest/projects/{projectKey}/repos", "getRepositories"}
	epGetRepository     = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}", "getRepository"}
	epListRepos         = endpoint{"GET", "/api/latest/repos", "getRepositories_1"}
	epListWebhooks      = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks", "findWebhooks_1"}
	epCreateWebhook     = endpoint{"POST", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks", "createWebhook_1"}
	epGetWebhook        = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}", "getWebhook_1"}
	epUpdateWebhook     = endpoint{"PUT", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}", "updateWebhook_1"}
	epDeleteWebhook     = endpoint{"DELETE", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}", "deleteWebhook_1"}
	epListProjectHooks  = endpoint{"GET", "/api/latest/projects/{projectKey}/webhooks", "findWebhooks"}
	epListBranches      = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/branches", "getBranches"}
	epDefaultBranch     = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/default-branch", "getDefaultBranch_2"}
	epLegacyDefault     = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/branches/default", "getDefaultBranch_1"}
	epListTags          = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/tags", "getTags"}
	epGetCommit         = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/commits/{commitId}", "getCommit"}
	epRawFile           = endpoint{"GET", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/raw/{path}", "streamRaw"}
	epAddBuildStatus    = endpoint{"POST", "/api/latest/projects/{projectKey}/repos/{repositorySlug}/commits/{commitId}/builds", "add"}
	epLegacyBuildStatus = endpoint{"POST", "/build-status/latest/commits/{commitId}", "addBuildStatus"}
)

// url returns the path of e below the base URL with its {params} filled from args, in order
// (httpx.Expand: each an escaped path segment, {path} one per slash; empty, "." and ".." refused),
// under the prefix the server serves the template's API at.
func (e endpoint) url(args ...string) (string, error) {
	p, err := httpx.Expand(strings.TrimPrefix(e.path, templatePrefix(e.path)), args...)
	if err != nil {
		return "", err
	}
	return wirePrefix(e.path) + p, nil
}

// templatePrefix is the "/<api>/latest" head of a REST template, "" for a servlet path.
func templatePrefix(path string) string {
	api, rest, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || api == "plugins" || !strings.HasPrefix(rest, "latest") {
		return ""
	}
	return "/" + api + "/latest"
}

// wirePrefix is what the client sends for templatePrefix: /rest/<api>/1.0.
func wirePrefix(path string) string {
	p := templatePrefix(path)
	if p == "" {
		return ""
	}
	return "/rest" + strings.TrimSuffix(p, "/latest") + "/1.0"
}
