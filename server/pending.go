package server

import (
	"context"
	"fmt"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// TODO(v0.2): the methods below are placeholders until the resource files implement them.

var errPending = fmt.Errorf("%w: not implemented yet", bitbucket.ErrNotSupported)

// RepositoryPermissions is not implemented yet.
func (c *Client) RepositoryPermissions(ctx context.Context, repos []bitbucket.RepoRef) (map[bitbucket.RepoRef]bitbucket.Permission, error) {
	return nil, errPending
}

// ListBranches is not implemented yet.
func (c *Client) ListBranches(ctx context.Context, repo bitbucket.RepoRef, opts bitbucket.ListBranchesOptions) iter.Seq2[*bitbucket.Branch, error] {
	return func(yield func(*bitbucket.Branch, error) bool) { yield(nil, errPending) }
}

// ListBranchesPage is not implemented yet.
func (c *Client) ListBranchesPage(ctx context.Context, repo bitbucket.RepoRef, opts bitbucket.ListBranchesOptions) (bitbucket.Page[*bitbucket.Branch], error) {
	return bitbucket.Page[*bitbucket.Branch]{}, errPending
}

// GetFile is not implemented yet.
func (c *Client) GetFile(ctx context.Context, repo bitbucket.RepoRef, ref, path string) ([]byte, error) {
	return nil, errPending
}

// SetCommitStatus is not implemented yet.
func (c *Client) SetCommitStatus(ctx context.Context, repo bitbucket.RepoRef, commit string, status bitbucket.CommitStatus) error {
	return errPending
}

// GitCredentials is not implemented yet.
func (c *Client) GitCredentials(ctx context.Context) (bitbucket.GitCredentials, error) {
	return bitbucket.GitCredentials{}, errPending
}
