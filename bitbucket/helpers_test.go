package bitbucket_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestCanAdmin(t *testing.T) {
	t.Parallel()
	repo := bitbucket.RepoRef{Namespace: "acme", Slug: "widgets"}
	for _, tt := range []struct {
		perm bitbucket.Permission
		want bool
	}{
		{bitbucket.PermissionNone, false},
		{bitbucket.PermissionRead, false},
		{bitbucket.PermissionWrite, false},
		{bitbucket.PermissionAdmin, true},
	} {
		c := newMemConnector(bitbucket.Cloud)
		c.perms[repo] = tt.perm
		got, err := bitbucket.CanAdmin(context.Background(), c, repo)
		if err != nil || got != tt.want {
			t.Errorf("CanAdmin with %s = %v, %v; want %v, nil", tt.perm, got, err, tt.want)
		}
		if calls := c.Calls(); !slices.Equal(calls, []string{"RepositoryPermission acme/widgets"}) {
			t.Errorf("CanAdmin made calls %q, want one RepositoryPermission", calls)
		}
	}
}

func TestCanAdminError(t *testing.T) {
	t.Parallel()
	c := newMemConnector(bitbucket.Server)
	c.perms[bitbucket.RepoRef{Namespace: "P", Slug: "r"}] = bitbucket.PermissionAdmin
	c.fail["RepositoryPermission"] = &bitbucket.APIError{StatusCode: 401}
	got, err := bitbucket.CanAdmin(context.Background(), c, bitbucket.RepoRef{Namespace: "P", Slug: "r"})
	if got {
		t.Errorf("CanAdmin = true alongside an error")
	}
	if !errors.Is(err, bitbucket.ErrUnauthorized) {
		t.Errorf("CanAdmin error = %v, want the connector's error (ErrUnauthorized)", err)
	}
}

// seqOf yields items, then err if not nil, and records how far the consumer went.
func seqOf[T any](items []T, err error, pulled *int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, it := range items {
			*pulled++
			if !yield(it, nil) {
				return
			}
		}
		if err != nil {
			var zero T
			*pulled++
			if !yield(zero, err) {
				return
			}
			// A well-behaved sequence stops after its error; this one does not, to check that
			// Collect stops on its own.
			*pulled++
			yield(*new(T), nil)
		}
	}
}

func TestCollect(t *testing.T) {
	t.Parallel()
	t.Run("all", func(t *testing.T) {
		var pulled int
		got, err := bitbucket.Collect(seqOf([]string{"a", "b", "c"}, nil, &pulled))
		if err != nil || !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Errorf("Collect = %q, %v; want [a b c], nil", got, err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		var pulled int
		got, err := bitbucket.Collect(seqOf[int](nil, nil, &pulled))
		if err != nil || len(got) != 0 {
			t.Errorf("Collect of nothing = %v, %v", got, err)
		}
	})
	t.Run("error keeps the items before it", func(t *testing.T) {
		var pulled int
		boom := &bitbucket.APIError{StatusCode: 503}
		got, err := bitbucket.Collect(seqOf([]*int{new(int), new(int)}, boom, &pulled))
		if !errors.Is(err, boom) {
			t.Errorf("Collect error = %v, want the sequence's error", err)
		}
		if len(got) != 2 {
			t.Errorf("Collect returned %d items with the error, want the 2 gathered before it", len(got))
		}
		if pulled != 3 {
			t.Errorf("Collect pulled %d values, want it to stop at the error (3)", pulled)
		}
	})
	t.Run("error first", func(t *testing.T) {
		var pulled int
		got, err := bitbucket.Collect(seqOf[string](nil, bitbucket.ErrPaginationStalled, &pulled))
		if !errors.Is(err, bitbucket.ErrPaginationStalled) || len(got) != 0 {
			t.Errorf("Collect = %q, %v; want no items and ErrPaginationStalled", got, err)
		}
	})
}
