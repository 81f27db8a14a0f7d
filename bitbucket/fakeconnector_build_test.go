package bitbucket_test

import (
	"context"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// RepositoryPermissions answers from the seeded permissions, like RepositoryPermission.
func (m *memConnector) RepositoryPermissions(ctx context.Context, repos []bitbucket.RepoRef) (map[bitbucket.RepoRef]bitbucket.Permission, error) {
	out := make(map[bitbucket.RepoRef]bitbucket.Permission, len(repos))
	for _, r := range repos {
		p, err := m.RepositoryPermission(ctx, r)
		if err != nil {
			return nil, err
		}
		out[r] = p
	}
	return out, nil
}

// The build-side methods are outside what the helpers' tests exercise.

func (m *memConnector) ListBranches(context.Context, bitbucket.RepoRef, bitbucket.ListBranchesOptions) iter.Seq2[*bitbucket.Branch, error] {
	return func(yield func(*bitbucket.Branch, error) bool) { yield(nil, bitbucket.ErrNotSupported) }
}

func (m *memConnector) ListBranchesPage(context.Context, bitbucket.RepoRef, bitbucket.ListBranchesOptions) (bitbucket.Page[*bitbucket.Branch], error) {
	return bitbucket.Page[*bitbucket.Branch]{}, bitbucket.ErrNotSupported
}

func (m *memConnector) GetFile(context.Context, bitbucket.RepoRef, string, string) ([]byte, error) {
	return nil, bitbucket.ErrNotSupported
}

func (m *memConnector) SetCommitStatus(context.Context, bitbucket.RepoRef, string, bitbucket.CommitStatus) error {
	return bitbucket.ErrNotSupported
}

func (m *memConnector) GitCredentials(context.Context) (bitbucket.GitCredentials, error) {
	return bitbucket.GitCredentials{}, bitbucket.ErrNotSupported
}
