package paging

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// counting is a Source over n items in pages of size, whose state is the index of the page's
// first item; it counts its calls.
func counting(n, size int, calls *atomic.Int32) Source[int, int] {
	return func(ctx context.Context, at int) (Batch[int, int], error) {
		calls.Add(1)
		var b Batch[int, int]
		for i := at; i < min(at+size, n); i++ {
			b.Items = append(b.Items, i)
		}
		if at+size < n {
			b.Next, b.More = at+size, true
		}
		return b, nil
	}
}

func TestIterateYieldsEveryItemOnce(t *testing.T) {
	var calls atomic.Int32
	got, err := bitbucket.Collect(Iterate(t.Context(), 0, Limits{}, counting(250, 100, &calls)))
	if err != nil || len(got) != 250 || !slices.IsSorted(got) || got[249] != 249 {
		t.Fatalf("got %d items (%v), err %v", len(got), got[len(got)-1], err)
	}
	if calls.Load() != 3 {
		t.Fatalf("%d fetches, want 3", calls.Load())
	}
}

func TestIterateFetchesNothingBeforeTheLoop(t *testing.T) {
	var calls atomic.Int32
	seq := Iterate(t.Context(), 0, Limits{}, counting(10, 5, &calls))
	if calls.Load() != 0 {
		t.Fatalf("fetched %d pages before the loop", calls.Load())
	}
	for range seq {
		break
	}
	// The first page, and at most one page of read-ahead.
	if n := calls.Load(); n < 1 || n > 2 {
		t.Fatalf("%d fetches after break, want 1 or 2", n)
	}
}

func TestGuardRefusesARepeatedState(t *testing.T) {
	src := func(ctx context.Context, at int) (Batch[int, int], error) {
		return Batch[int, int]{Items: []int{at}, Next: (at + 1) % 3, More: true}, nil
	}
	got, err := bitbucket.Collect(Iterate(t.Context(), 0, Limits{}, src))
	if !errors.Is(err, bitbucket.ErrPaginationStalled) || len(got) != 3 {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestGuardRefusesEndlessEmptyPages(t *testing.T) {
	var calls atomic.Int32
	src := func(ctx context.Context, at int) (Batch[int, int], error) {
		calls.Add(1)
		return Batch[int, int]{Next: at + 1, More: true}, nil
	}
	_, err := bitbucket.Collect(Iterate(t.Context(), 0, Limits{}, src))
	if !errors.Is(err, bitbucket.ErrPaginationStalled) || calls.Load() > MaxEmptyPages+2 {
		t.Fatalf("%d fetches, err %v", calls.Load(), err)
	}
}

func TestLimitsCapPagesAndItems(t *testing.T) {
	endless := func(ctx context.Context, at int) (Batch[int, int], error) {
		return Batch[int, int]{Items: []int{at, at}, Next: at + 1, More: true}, nil
	}
	for name, lim := range map[string]Limits{"pages": {MaxPages: 50}, "items": {MaxItems: 77}} {
		t.Run(name, func(t *testing.T) {
			got, err := bitbucket.Collect(Iterate(t.Context(), 0, lim, endless))
			if !errors.Is(err, bitbucket.ErrPaginationStalled) {
				t.Fatalf("err %v", err)
			}
			if len(got) > 100+2 {
				t.Fatalf("%d items past the cap", len(got))
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		var calls atomic.Int32
		src := func(ctx context.Context, at int) (Batch[int, int], error) {
			calls.Add(1)
			return Batch[int, int]{Items: []int{at}, Next: at + 1, More: true}, nil
		}
		_, err := Gather(t.Context(), 0, Limits{}, src)
		if !errors.Is(err, bitbucket.ErrPaginationStalled) || calls.Load() > DefaultMaxPages+1 {
			t.Fatalf("%d fetches, err %v", calls.Load(), err)
		}
	})
}

func TestIterateStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var calls atomic.Int32
	n := 0
	var last error
	for _, err := range Iterate(ctx, 0, Limits{}, counting(1000, 10, &calls)) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 15 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) || n > 20 {
		t.Fatalf("%d items, last error %v", n, last)
	}
}

func TestIterateYieldsAnErrorOnce(t *testing.T) {
	boom := errors.New("boom")
	src := func(ctx context.Context, at int) (Batch[int, int], error) {
		if at == 1 {
			return Batch[int, int]{}, boom
		}
		return Batch[int, int]{Items: []int{at}, Next: at + 1, More: true}, nil
	}
	var errs, items int
	for _, err := range Iterate(t.Context(), 0, Limits{}, src) {
		if err != nil {
			errs++
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			continue
		}
		items++
	}
	if errs != 1 || items != 1 {
		t.Fatalf("%d errors, %d items", errs, items)
	}
}

func TestPageAtEncodesTheNextState(t *testing.T) {
	var calls atomic.Int32
	p, err := PageAt(t.Context(), 0, counting(15, 10, &calls), func(s int) string { return fmt.Sprint("at", s) })
	if err != nil || len(p.Items) != 10 || p.Next != "at10" {
		t.Fatalf("%+v, %v", p, err)
	}
	p, err = PageAt(t.Context(), 10, counting(15, 10, &calls), func(s int) string { return fmt.Sprint("at", s) })
	if err != nil || len(p.Items) != 5 || p.Next != "" {
		t.Fatalf("%+v, %v", p, err)
	}
	self := func(ctx context.Context, at int) (Batch[int, int], error) {
		return Batch[int, int]{Next: at, More: true}, nil
	}
	if _, err := PageAt(t.Context(), 3, self, func(int) string { return "x" }); !errors.Is(err, bitbucket.ErrPaginationStalled) {
		t.Fatalf("a page naming itself: %v", err)
	}
}

func TestStartsWalker(t *testing.T) {
	intp := func(i int) *int { return &i }
	pages := map[int]ServerPage[string]{
		0: {Values: []string{"a", "b"}, Limit: 2, NextPageStart: intp(2)},
		2: {Values: []string{"c"}, Limit: 2, IsLastPage: true},
	}
	var asked []StartAt
	get := func(ctx context.Context, at StartAt) (ServerPage[string], error) {
		asked = append(asked, at)
		return pages[at.Start], nil
	}
	got, err := Gather(t.Context(), StartAt{Limit: 1000, Adapt: true}, Limits{}, Starts(get, func(s *string) string { return *s }))
	if err != nil || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("%v, %v", got, err)
	}
	if asked[1] != (StartAt{Start: 2, Limit: 2, Adapt: true}) {
		t.Fatalf("second page asked as %+v: the server's limit is used once answered", asked[1])
	}
	for name, p := range map[string]ServerPage[string]{
		"no nextPageStart": {Values: []string{"a"}},
		"backwards":        {Values: []string{"a"}, NextPageStart: intp(0)},
	} {
		get := func(context.Context, StartAt) (ServerPage[string], error) { return p, nil }
		if _, err := Gather(t.Context(), StartAt{Limit: 5}, Limits{}, Starts(get, func(s *string) string { return *s })); !errors.Is(err, bitbucket.ErrPaginationStalled) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNextLinksWalker(t *testing.T) {
	pages := map[string]CloudPage[int]{
		"":   {Values: []int{1, 2}, Next: "p2"},
		"p2": {Values: []int{3}, Next: "p2"}, // a server that names the page itself
	}
	get := func(ctx context.Context, link string) (CloudPage[int], error) { return pages[link], nil }
	got, err := Gather(t.Context(), "", Limits{}, NextLinks(get, func(v *int) int { return *v * 10 }))
	if !errors.Is(err, bitbucket.ErrPaginationStalled) || !slices.Equal(got, []int{10, 20, 30}) {
		t.Fatalf("%v, %v", got, err)
	}
}

// namespaces yields the given names, then err when it is not nil.
func namespaces(names []string, err error) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, n := range names {
			if !yield(n, nil) {
				return
			}
		}
		if err != nil {
			yield("", err)
		}
	}
}

func TestFanOutKeepsNamespaceOrder(t *testing.T) {
	sizes := map[string]int{"a": 0, "b": 3, "c": 250, "d": 1}
	list := func(ctx context.Context, ns string) iter.Seq2[string, error] {
		var calls atomic.Int32
		src := counting(sizes[ns], 100, &calls)
		return func(yield func(string, error) bool) {
			for i, err := range Iterate(ctx, 0, Limits{}, src) {
				if !yield(fmt.Sprint(ns, i), err) {
					return
				}
			}
		}
	}
	for _, width := range []int{1, 2, 4, 8} {
		got, err := bitbucket.Collect(FanOut(t.Context(), namespaces([]string{"a", "b", "c", "d"}, nil), width, Limits{}, list))
		if err != nil || len(got) != 254 || got[0] != "b0" || got[3] != "c0" || got[253] != "d0" {
			t.Fatalf("width %d: %d items, err %v", width, len(got), err)
		}
	}
}

func TestFanOutErrorsComeAfterEarlierNamespaces(t *testing.T) {
	boom := errors.New("boom")
	list := func(ctx context.Context, ns string) iter.Seq2[string, error] {
		return func(yield func(string, error) bool) {
			if ns == "b" {
				yield("", boom)
				return
			}
			for i := range 300 {
				if !yield(fmt.Sprint(ns, i), nil) {
					return
				}
			}
		}
	}
	got, err := bitbucket.Collect(FanOut(t.Context(), namespaces([]string{"a", "b", "c"}, nil), 3, Limits{}, list))
	if !errors.Is(err, boom) || len(got) != 300 {
		t.Fatalf("%d items, %v", len(got), err)
	}
	got, err = bitbucket.Collect(FanOut(t.Context(), namespaces([]string{"a"}, boom), 3, Limits{}, list))
	if !errors.Is(err, boom) || len(got) != 300 {
		t.Fatalf("namespaces failing: %d items, %v", len(got), err)
	}
}

func TestFanOutBreakStopsEveryList(t *testing.T) {
	var running atomic.Int32
	list := func(ctx context.Context, ns string) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			running.Add(1)
			defer running.Add(-1)
			for i := 0; ; i++ {
				if !yield(i, nil) || ctx.Err() != nil {
					return
				}
			}
		}
	}
	n := 0
	for range FanOut(t.Context(), namespaces([]string{"a", "b", "c", "d"}, nil), 4, Limits{}, list) {
		if n++; n == 1000 {
			break
		}
	}
	if running.Load() != 0 {
		t.Fatalf("%d lists still running after break", running.Load())
	}
}

func TestFanOutCapsItems(t *testing.T) {
	list := func(ctx context.Context, ns string) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := range 100 {
				if !yield(i, nil) {
					return
				}
			}
		}
	}
	got, err := bitbucket.Collect(FanOut(t.Context(), namespaces([]string{"a", "b", "c"}, nil), 2, Limits{MaxItems: 150}, list))
	if !errors.Is(err, bitbucket.ErrPaginationStalled) || len(got) != 150 {
		t.Fatalf("%d items, %v", len(got), err)
	}
}
