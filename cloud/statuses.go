package cloud

import (
	"context"
	"fmt"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// wireStatus is the body of a build status (commitstatus).
type wireStatus struct {
	Type        string `json:"type"` // "build": the document's object base requires a type
	Key         string `json:"key"`
	State       string `json:"state"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
}

// buildStates maps the neutral states onto Cloud's.
var buildStates = map[bitbucket.BuildState]string{
	bitbucket.BuildInProgress: "INPROGRESS",
	bitbucket.BuildSuccessful: "SUCCESSFUL",
	bitbucket.BuildFailed:     "FAILED",
	bitbucket.BuildStopped:    "STOPPED",
}

// SetCommitStatus reports a build on commit
// (POST /repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build). Bitbucket keeps
// one status per Key, so the request is an upsert and is retried like a PUT.
func (c *Client) SetCommitStatus(ctx context.Context, repo bitbucket.RepoRef, commit string, status bitbucket.CommitStatus) error {
	if err := repo.Validate(); err != nil {
		return err
	}
	if err := status.Validate(); err != nil {
		return err
	}
	if commit == "" || strings.ContainsFunc(commit, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
	}) {
		return fmt.Errorf("%w: commit %q is not a hash", bitbucket.ErrInvalidInput, commit)
	}
	body := wireStatus{Type: "build", Key: status.Key, State: buildStates[status.State], Name: status.Name, Description: status.Description, URL: status.URL}
	_, err := c.doRequest(ctx, epCreateCommitStatus, []string{repo.Namespace, repo.Slug, commit}, httpx.Request{Body: body, Idempotent: true}, nil)
	return err
}
