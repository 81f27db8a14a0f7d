package paging_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// Every test here runs in a synctest bubble: synctest.Test fails (deadlock) if a goroutine the
// iterator started is still blocked when the test function returns, so each one is also a leak
// check.

// lockedServer is a scripted list endpoint safe to inspect while a fetch runs in another goroutine.
type lockedServer struct {
	mu    sync.Mutex
	inner *server
}

func (s *lockedServer) fetch(ctx context.Context, cursor string) (bitbucket.Page[int], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inner.fetch(ctx, cursor)
}

func (s *lockedServer) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.inner.asked)
}

func TestSeqPrefetchAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := threePages(t)
		items, err := bitbucket.Collect(paging.SeqPrefetch(context.Background(), "", s.fetch))
		if err != nil || !slices.Equal(items, []int{1, 2, 3, 4, 5, 6}) {
			t.Errorf("Collect = %v, %v; want 1..6", items, err)
		}
		// No request past the last page, and each page once.
		if !slices.Equal(s.asked, []string{"", "c2", "c3"}) {
			t.Errorf("fetched %q, want [\"\" c2 c3]", s.asked)
		}
	})
}

func TestSeqPrefetchLazyAndRestartable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := threePages(t)
		seq := paging.SeqPrefetch(context.Background(), "c2", s.fetch)
		if len(s.asked) != 0 {
			t.Fatalf("fetched %q before the loop started", s.asked)
		}
		first, second := drain(seq), drain(seq)
		if len(first) != 4 || first[0].item != 3 || !slices.Equal(first, second) {
			t.Errorf("two runs gave %v and %v, want 3..6 twice", first, second)
		}
	})
}

// The next page is requested while the caller is still on the current one.
func TestSeqPrefetchReadsAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &lockedServer{inner: threePages(t)}
		var during [][]string
		for item, err := range paging.SeqPrefetch(context.Background(), "", s.fetch) {
			if err != nil {
				t.Fatal(err)
			}
			if item == 1 || item == 3 {
				synctest.Wait() // let the read-ahead goroutine run to completion
				during = append(during, s.asked())
			}
		}
		want := [][]string{{"", "c2"}, {"", "c2", "c3"}}
		if !slices.EqualFunc(during, want, slices.Equal) {
			t.Errorf("pages fetched while on items 1 and 3: %q, want %q", during, want)
		}
	})
}

// Breaking out cancels the fetch in flight and waits for its goroutine.
func TestSeqPrefetchBreakCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fetchErr atomic.Value
		var returned atomic.Bool
		fetch := func(ctx context.Context, cursor string) (bitbucket.Page[int], error) {
			if cursor == "" {
				return bitbucket.Page[int]{Items: []int{1, 2}, Next: "c2"}, nil
			}
			<-ctx.Done() // a slow server: only cancellation ends it
			fetchErr.Store(ctx.Err())
			returned.Store(true)
			return bitbucket.Page[int]{}, ctx.Err()
		}
		for item, err := range paging.SeqPrefetch(context.Background(), "", fetch) {
			if err != nil {
				t.Fatal(err)
			}
			if item == 1 {
				break
			}
		}
		if !returned.Load() {
			t.Fatal("the iterator returned before its fetching goroutine ended")
		}
		if err, _ := fetchErr.Load().(error); !errors.Is(err, context.Canceled) {
			t.Errorf("in-flight fetch saw %v, want context.Canceled", err)
		}
	})
}

func TestSeqPrefetchContextCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &lockedServer{inner: threePages(t)}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var steps []step
		for item, err := range paging.SeqPrefetch(ctx, "", s.fetch) {
			steps = append(steps, step{item, err})
			if item == 1 {
				cancel()
			}
		}
		want := []step{{1, nil}, {2, nil}, {0, context.Canceled}}
		if !slices.Equal(steps, want) {
			t.Errorf("steps = %v, want %v", steps, want)
		}
		if slices.Contains(s.asked(), "c3") {
			t.Errorf("fetched %q after cancel", s.asked())
		}
	})
}

func TestSeqPrefetchAlreadyCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := threePages(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		steps := drain(paging.SeqPrefetch(ctx, "", s.fetch))
		if !slices.Equal(steps, []step{{0, context.Canceled}}) || len(s.asked) != 0 {
			t.Errorf("steps = %v, fetched %q; want only the ctx error and no request", steps, s.asked)
		}
	})
}

// Items of page k come before the error of page k+1, the error comes once, and nothing is
// fetched after it.
func TestSeqPrefetchErrorOrdering(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		failAt    string
		wantItems []int
	}{
		{"", nil},
		{"c2", []int{1, 2}},
		{"c3", []int{1, 2, 3, 4}},
	} {
		t.Run("at "+tc.failAt, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := threePages(t)
				s.errs = map[string]error{tc.failAt: boom}
				steps := drain(paging.SeqPrefetch(context.Background(), "", s.fetch))
				var items []int
				for i, st := range steps {
					if st.err != nil {
						if i != len(steps)-1 || !errors.Is(st.err, boom) {
							t.Fatalf("steps = %v: want the fetch error once, last", steps)
						}
						continue
					}
					items = append(items, st.item)
				}
				if !slices.Equal(items, tc.wantItems) {
					t.Errorf("items before the error = %v, want %v", items, tc.wantItems)
				}
				if last := steps[len(steps)-1]; last.err == nil {
					t.Errorf("no error yielded: %v", steps)
				}
				if s.asked[len(s.asked)-1] != tc.failAt {
					t.Errorf("fetched %q: fetching went on after the error", s.asked)
				}
			})
		})
	}
}

func TestSeqPrefetchBreakOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := threePages(t)
		s.errs = map[string]error{"c2": errors.New("boom")}
		for _, err := range paging.SeqPrefetch(context.Background(), "", s.fetch) {
			if err != nil {
				break
			}
		}
		if !slices.Equal(s.asked, []string{"", "c2"}) {
			t.Errorf("fetched %q", s.asked)
		}
	})
}

// The loop guard applies before the read-ahead: a repeated cursor is never requested.
func TestSeqPrefetchLoopGuard(t *testing.T) {
	t.Run("repeated cursor", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := &server{t: t, pages: map[string]bitbucket.Page[int]{
				"":  {Items: []int{1}, Next: "a"},
				"a": {Items: []int{2}, Next: "b"},
				"b": {Items: []int{3}, Next: "a"},
			}}
			items, err := bitbucket.Collect(paging.SeqPrefetch(context.Background(), "", s.fetch))
			if !errors.Is(err, bitbucket.ErrPaginationStalled) || !slices.Equal(items, []int{1, 2, 3}) {
				t.Errorf("Collect = %v, %v; want [1 2 3], ErrPaginationStalled", items, err)
			}
			if !slices.Equal(s.asked, []string{"", "a", "b"}) {
				t.Errorf("fetched %q: the repeated cursor was requested", s.asked)
			}
		})
	})
	t.Run("empty pages", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := emptyRun(t, 100)
			_, err := bitbucket.Collect(paging.SeqPrefetch(context.Background(), "", s.fetch))
			if !errors.Is(err, bitbucket.ErrPaginationStalled) {
				t.Errorf("error = %v, want ErrPaginationStalled", err)
			}
			if len(s.asked) != paging.MaxEmptyPages+1 {
				t.Errorf("fetched %d pages, want the guard to stop after %d", len(s.asked), paging.MaxEmptyPages+1)
			}
		})
	})
	t.Run("empty pages then items", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := emptyRun(t, paging.MaxEmptyPages)
			items, err := bitbucket.Collect(paging.SeqPrefetch(context.Background(), "", s.fetch))
			if err != nil || !slices.Equal(items, []int{42}) {
				t.Errorf("Collect = %v, %v; want [42], nil", items, err)
			}
		})
	})
}

// A panic in the fetching goroutine surfaces in the caller's goroutine.
func TestSeqPrefetchPanicSurfaces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fetch := func(ctx context.Context, cursor string) (bitbucket.Page[int], error) {
			if cursor == "" {
				return bitbucket.Page[int]{Items: []int{1}, Next: "c2"}, nil
			}
			panic("fetch bug")
		}
		defer func() {
			if v := recover(); v != "fetch bug" {
				t.Errorf("recovered %v, want the fetch's panic", v)
			}
		}()
		for range paging.SeqPrefetch(context.Background(), "", fetch) {
		}
		t.Error("no panic")
	})
}
