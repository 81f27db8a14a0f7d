package paging

import (
	"context"
	"iter"
	"sync"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// SeqPrefetch is Seq with one page of read-ahead: as soon as a page arrives naming a successor
// (and passing the loop guard), the successor is fetched in a goroutine while the caller
// consumes the current page's items, so the round trip overlaps the caller's work.
//
// At most one fetch is in flight. A last page (Next "") or a page that fails the loop guard
// starts no fetch, so no request is made past the end. Breaking out of the loop, or ctx being
// done, cancels the in-flight fetch through a context derived from ctx, and the iterator waits
// for its goroutine before returning: no goroutine outlives the loop. The only cost of the
// read-ahead is that a loop which breaks early may have started the request of the page after
// the one it stopped in.
//
// Ordering is Seq's: every item of page k is yielded before an error of page k+1; a done ctx
// yields (zero, ctx.Err()) once at the next page boundary; the first error ends the iteration.
// fetch is never called concurrently with itself.
func SeqPrefetch[T any](ctx context.Context, start string, fetch Fetch[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		fctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() {
			cancel()
			wg.Wait()
		}()
		seen := map[string]bool{start: true}
		empty := 0
		res := call(fctx, fetch, start)
		for {
			if res.panicked {
				panic(res.panicValue)
			}
			if res.err != nil {
				if err := ctx.Err(); err != nil {
					yield(zero, err)
					return
				}
				yield(zero, res.err)
				return
			}
			page := res.page
			var next chan result[T]
			var guardErr error
			if page.Next != "" {
				if guardErr = check(seen, &empty, page); guardErr == nil && ctx.Err() == nil {
					next = make(chan result[T], 1)
					wg.Add(1)
					go func(cursor string) {
						defer wg.Done()
						next <- call(fctx, fetch, cursor)
					}(page.Next)
				}
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
			switch {
			case page.Next == "":
				return
			case guardErr != nil:
				yield(zero, guardErr)
				return
			}
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			res = <-next
		}
	}
}

// result is the outcome of one fetch, panics included, so that a panic in the fetching
// goroutine surfaces in the caller's.
type result[T any] struct {
	page       bitbucket.Page[T]
	err        error
	panicked   bool
	panicValue any
}

func call[T any](ctx context.Context, fetch Fetch[T], cursor string) (r result[T]) {
	defer func() {
		if v := recover(); v != nil {
			r = result[T]{panicked: true, panicValue: v}
		}
	}()
	r.page, r.err = fetch(ctx, cursor)
	return r
}
