package paging

import (
	"context"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Batch is one fetched page in typed state: its items, and when More is true the state of the
// page that follows.
type Batch[S, T any] struct {
	Items []T
	Next  S
	More  bool
}

// Source fetches the page that state names. A provider builds one per listing, usually with
// NextLinks (Cloud) or Starts (Data Center).
type Source[S, T any] func(ctx context.Context, state S) (Batch[S, T], error)

// PageAt fetches the single page at state for a …Page method, encoding the following state into
// the opaque Page.Next with encode. A page that claims a successor but has the same state is
// refused with bitbucket.ErrPaginationStalled, since a caller following it would never end.
func PageAt[S comparable, T any](ctx context.Context, state S, src Source[S, T], encode func(S) string) (bitbucket.Page[T], error) {
	b, err := src(ctx, state)
	if err != nil {
		return bitbucket.Page[T]{}, err
	}
	if err := NewGuard(Limits{}, state).Step(len(b.Items), b.Next, b.More); err != nil {
		return bitbucket.Page[T]{}, err
	}
	p := bitbucket.Page[T]{Items: b.Items}
	if b.More {
		p.Next = encode(b.Next)
	}
	return p, nil
}

// Gather reads a whole listing into a slice, for the lists the API returns whole (webhooks). It
// stops at the first error, returning the items gathered before it.
func Gather[S comparable, T any](ctx context.Context, start S, limits Limits, src Source[S, T]) ([]T, error) {
	var out []T
	for item, err := range Iterate(ctx, start, limits, src) {
		if err != nil {
			return out, err
		}
		out = append(out, item)
	}
	return out, nil
}

// Iterate turns src into the iter.Seq2 that every List… method returns, from the page at start.
//
// Nothing is fetched before the loop starts. Every page passes the Guard; a done ctx yields
// (zero, ctx.Err()) once at the next page boundary; the first error is yielded once and ends the
// iteration. While the caller consumes a page, the next one is fetched in a goroutine (one page of
// read-ahead, at most one fetch in flight, src never called concurrently with itself), so the
// round trip overlaps the caller's work. Breaking out of the loop cancels the fetch in flight and
// waits for it: no goroutine outlives the loop. The only cost is that a loop which breaks early
// may have started the request of the page after the one it stopped in.
func Iterate[S comparable, T any](ctx context.Context, start S, limits Limits, src Source[S, T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		fctx, cancel := context.WithCancel(ctx)
		ahead := make(chan outcome[S, T], 1)
		inFlight := false
		defer func() {
			cancel()
			if inFlight {
				<-ahead
			}
		}()
		guard := NewGuard(limits, start)
		res := fetch(fctx, src, start)
		for {
			if res.panicked {
				panic(res.panicValue)
			}
			if res.err != nil {
				if err := ctx.Err(); err != nil {
					res.err = err
				}
				yield(zero, res.err)
				return
			}
			b := res.batch
			guardErr := guard.Step(len(b.Items), b.Next, b.More)
			if b.More && guardErr == nil && ctx.Err() == nil {
				inFlight = true
				go func(state S) { ahead <- fetch(fctx, src, state) }(b.Next)
			}
			for _, item := range b.Items {
				if !yield(item, nil) {
					return
				}
			}
			switch {
			case guardErr != nil:
				yield(zero, guardErr)
				return
			case !b.More:
				return
			}
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			res, inFlight = <-ahead, false
		}
	}
}

// outcome is the result of one fetch, a panic included, so that a panic in the fetching
// goroutine surfaces in the caller's.
type outcome[S, T any] struct {
	batch      Batch[S, T]
	err        error
	panicked   bool
	panicValue any
}

func fetch[S, T any](ctx context.Context, src Source[S, T], state S) (o outcome[S, T]) {
	defer func() {
		if v := recover(); v != nil {
			o = outcome[S, T]{panicked: true, panicValue: v}
		}
	}()
	o.batch, o.err = src(ctx, state)
	return o
}
