package server

import (
	"context"
	"fmt"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// wireBuildStatus is RestBuildStatusSetRequest (and the RestBuildStatus the legacy root takes).
type wireBuildStatus struct {
	Key         string `json:"key"`
	State       string `json:"state"`
	URL         string `json:"url"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// buildState is the Data Center state of s on version v: CANCELLED for a stopped build where the
// version has it, FAILED before.
func buildState(s bitbucket.BuildState, v serverVersion) string {
	switch s {
	case bitbucket.BuildInProgress:
		return "INPROGRESS"
	case bitbucket.BuildSuccessful:
		return "SUCCESSFUL"
	case bitbucket.BuildStopped:
		if v.atLeast(sinceCancelled) {
			return "CANCELLED"
		}
	}
	return "FAILED"
}

// SetCommitStatus reports a build's status on commit. Servers from 7.4 take it on the repository
// (add: POST …/commits/{commitId}/builds); older ones on the build-status root, which names no
// repository (addBuildStatus: POST /rest/build-status/1.0/commits/{commitId}). A status with the
// same Key replaces the earlier one, so the request is retried like a PUT.
func (c *Client) SetCommitStatus(ctx context.Context, repo bitbucket.RepoRef, commit string, status bitbucket.CommitStatus) error {
	if err := repo.Validate(); err != nil {
		return err
	}
	if err := status.Validate(); err != nil {
		return err
	}
	if !isCommitHash(commit) {
		return fmt.Errorf("%w: SetCommitStatus needs a commit hash (4 to 64 hex digits)", bitbucket.ErrInvalidInput)
	}
	v, err := c.parsedVersion(ctx)
	if err != nil {
		return err
	}
	body := wireBuildStatus{Key: status.Key, State: buildState(status.State, v), URL: status.URL, Name: status.Name, Description: status.Description}
	r := call{ep: epAddBuildStatus, args: repoArgs(repo, commit), body: body, idempotent: true}
	if !v.atLeast(sinceRepoBuilds) {
		r.ep, r.args = epLegacyBuildStatus, []string{commit}
	}
	_, err = c.do(ctx, r, nil)
	return err
}

// isCommitHash reports whether s is a commit hash, full or abbreviated.
func isCommitHash(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}
