package paging

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// fanOutBuffer is how many items one namespace may hold ready ahead of the consumer.
const fanOutBuffer = 256

// FanOut lists every namespace that namespaces yields with list, reading up to width namespaces
// at once, and yields the items in namespace order, as a sequential walk would: all items of a
// namespace before those of the next, and an error after every item of the namespaces before it.
// The namespaces iterator is read once, as far as needed. The first error (from namespaces or
// from a list) is yielded once and ends the iteration; so does a done ctx, and more items in all
// than limits.MaxItems. Breaking out of the loop cancels every list in flight and waits for them.
func FanOut[N, T any](ctx context.Context, namespaces iter.Seq2[N, error], width int, limits Limits,
	list func(ctx context.Context, ns N) iter.Seq2[T, error]) iter.Seq2[T, error] {
	width = max(width, 1)
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
		next, stop := iter.Pull2(namespaces)
		defer stop()

		type item struct {
			v   T
			err error
		}
		// start begins listing the next namespace; it returns nil at the end of the namespaces and
		// a closed channel holding the error when reading them failed.
		start := func() chan item {
			ns, err, ok := next()
			if !ok {
				return nil
			}
			ch := make(chan item, fanOutBuffer)
			if err != nil {
				ch <- item{err: err}
				close(ch)
				return ch
			}
			wg.Go(func() {
				defer close(ch)
				for v, err := range list(fctx, ns) {
					select {
					case ch <- item{v, err}:
					case <-fctx.Done():
						return
					}
					if err != nil {
						return
					}
				}
			})
			return ch
		}
		var window []chan item
		for range width {
			ch := start()
			if ch == nil {
				break
			}
			window = append(window, ch)
		}
		total := 0
		for len(window) > 0 {
			for it := range window[0] {
				if it.err != nil {
					if err := ctx.Err(); err != nil {
						it.err = err
					}
					yield(zero, it.err)
					return
				}
				if total++; total > limits.items() {
					yield(zero, fmt.Errorf("%w: more than %d items in one listing", bitbucket.ErrPaginationStalled, limits.items()))
					return
				}
				if !yield(it.v, nil) {
					return
				}
			}
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			window = window[1:]
			if ch := start(); ch != nil {
				window = append(window, ch)
			}
		}
	}
}
