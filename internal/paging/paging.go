package paging

import (
	"context"
	"fmt"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Fetch returns the page that cursor names; "" names the first page.
//
// Deprecated: the v0.1 engine, kept until every provider list runs on Source and Iterate.
type Fetch[T any] func(ctx context.Context, cursor string) (bitbucket.Page[T], error)

// Seq iterates over every item from the page that start names onwards. Nothing is fetched before
// the loop starts; breaking out of the loop fetches nothing more. Between pages it checks ctx and
// yields (zero, ctx.Err()) once ctx is done. The first error is yielded once and ends the
// iteration. A cursor seen before, or more than MaxEmptyPages empty pages in a row, yields an error
// wrapping bitbucket.ErrPaginationStalled.
func Seq[T any](ctx context.Context, start string, fetch Fetch[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]bool{start: true}
		cursor, empty := start, 0
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			page, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			if err := check(seen, &empty, page); err != nil {
				yield(zero, err)
				return
			}
			cursor = page.Next
		}
	}
}

// check applies the loop guard to a page that names a successor, and records its cursor.
func check[T any](seen map[string]bool, empty *int, page bitbucket.Page[T]) error {
	if seen[page.Next] {
		return fmt.Errorf("%w: the server repeated a page cursor", bitbucket.ErrPaginationStalled)
	}
	seen[page.Next] = true
	if len(page.Items) == 0 {
		*empty++
		if *empty > MaxEmptyPages {
			return fmt.Errorf("%w: %d empty pages in a row, each claiming another", bitbucket.ErrPaginationStalled, *empty)
		}
	} else {
		*empty = 0
	}
	return nil
}
