package server

import (
	"strconv"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// The Data Center endpoints this package calls, relative to the server's base URL (context path
// included). Every path segment that comes from a caller is escaped on its own by httpx.Path.
const (
	apiRoot = "/rest/api/1.0"
	// pathApplicationProperties answers the version; it needs no authentication.
	pathApplicationProperties = apiRoot + "/application-properties"
	// pathWhoami answers the acting user's name as plain text (empty or "anonymous" when the
	// request was not authenticated).
	pathWhoami   = "/plugins/servlet/applinks/whoami"
	pathProjects = apiRoot + "/projects"
	pathRepos    = apiRoot + "/repos"
	pathUsers    = apiRoot + "/users"
)

func userPath(slug string) string { return pathUsers + httpx.Path(slug) }

func projectPath(key string) string { return pathProjects + httpx.Path(key) }

func projectReposPath(key string) string { return projectPath(key) + "/repos" }

func repoPath(r bitbucket.RepoRef) string {
	return pathProjects + httpx.Path(r.Namespace, "repos", r.Slug)
}

func webhooksPath(r bitbucket.RepoRef) string { return repoPath(r) + "/webhooks" }

func webhookPath(r bitbucket.RepoRef, id int64) string {
	return webhooksPath(r) + httpx.Path(strconv.FormatInt(id, 10))
}
