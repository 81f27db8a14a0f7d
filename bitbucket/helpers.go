package bitbucket

import (
	"context"
	"iter"
)

// CanAdmin reports whether the credentials have admin permission on repo, which creating
// webhooks needs. A repository the caller cannot see is false with a nil error.
func CanAdmin(ctx context.Context, c Connector, repo RepoRef) (bool, error) {
	p, err := c.RepositoryPermission(ctx, repo)
	if err != nil {
		return false, err
	}
	return p >= PermissionAdmin, nil
}

// Collect gathers every item of seq. On an error it returns the items gathered before it, with
// the error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var items []T
	for item, err := range seq {
		if err != nil {
			return items, err
		}
		items = append(items, item)
	}
	return items, nil
}
