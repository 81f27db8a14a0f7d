package paging_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// server is a scripted list endpoint: pages[cursor] is the page answered for cursor. It records
// every cursor asked for.
type server struct {
	t     *testing.T
	pages map[string]bitbucket.Page[int]
	errs  map[string]error
	asked []string
}

func (s *server) fetch(ctx context.Context, cursor string) (bitbucket.Page[int], error) {
	s.asked = append(s.asked, cursor)
	if err := s.errs[cursor]; err != nil {
		return bitbucket.Page[int]{}, err
	}
	p, ok := s.pages[cursor]
	if !ok {
		s.t.Errorf("fetch of unknown cursor %q", cursor)
		return bitbucket.Page[int]{}, errors.New("unknown cursor")
	}
	return p, nil
}

// threePages serves 1..6 over three pages.
func threePages(t *testing.T) *server {
	return &server{t: t, pages: map[string]bitbucket.Page[int]{
		"":   {Items: []int{1, 2}, Next: "c2"},
		"c2": {Items: []int{3, 4}, Next: "c3"},
		"c3": {Items: []int{5, 6}},
	}}
}

type step struct {
	item int
	err  error
}

func drain(seq func(func(int, error) bool)) []step {
	var out []step
	for item, err := range seq {
		out = append(out, step{item, err})
	}
	return out
}

func TestSeqAll(t *testing.T) {
	t.Parallel()
	s := threePages(t)
	var got []int
	for item, err := range paging.Seq(context.Background(), "", s.fetch) {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		got = append(got, item)
	}
	if !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("items = %v, want 1..6", got)
	}
	if !slices.Equal(s.asked, []string{"", "c2", "c3"}) {
		t.Errorf("fetched %q, want each page once", s.asked)
	}
}

func TestSeqStartsFromCursor(t *testing.T) {
	t.Parallel()
	s := threePages(t)
	steps := drain(paging.Seq(context.Background(), "c2", s.fetch))
	if len(steps) != 4 || steps[0].item != 3 || steps[3].item != 6 {
		t.Errorf("steps = %v, want 3..6", steps)
	}
	if !slices.Equal(s.asked, []string{"c2", "c3"}) {
		t.Errorf("fetched %q, want [c2 c3]", s.asked)
	}
}

func TestSeqIsLazy(t *testing.T) {
	t.Parallel()
	s := threePages(t)
	seq := paging.Seq(context.Background(), "", s.fetch)
	if len(s.asked) != 0 {
		t.Fatalf("Seq fetched %q before the loop started", s.asked)
	}
	// The sequence can be ranged over more than once; each run starts afresh.
	first, second := drain(seq), drain(seq)
	if len(first) != 6 || !slices.Equal(first, second) {
		t.Errorf("two runs gave %v and %v, want the same 6 items", first, second)
	}
	if len(s.asked) != 6 {
		t.Errorf("two runs fetched %q, want 3 pages each", s.asked)
	}
}

func TestSeqBreak(t *testing.T) {
	t.Parallel()
	for _, stopAfter := range []int{1, 2, 3} {
		t.Run(strconv.Itoa(stopAfter), func(t *testing.T) {
			s := threePages(t)
			n := 0
			for _, err := range paging.Seq(context.Background(), "", s.fetch) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				if n == stopAfter {
					break
				}
			}
			wantFetches := (stopAfter + 1) / 2 // two items a page
			if len(s.asked) != wantFetches {
				t.Errorf("break after %d items: fetched %q, want %d page(s)", stopAfter, s.asked, wantFetches)
			}
		})
	}
}

func TestSeqBreakOnError(t *testing.T) {
	t.Parallel()
	s := threePages(t)
	s.errs = map[string]error{"c2": errors.New("boom")}
	for _, err := range paging.Seq(context.Background(), "", s.fetch) {
		if err != nil {
			break // a consumer that stops at the error must not panic the iterator
		}
	}
	if len(s.asked) != 2 {
		t.Errorf("fetched %q", s.asked)
	}
}

func TestSeqContextCancelledBetweenPages(t *testing.T) {
	t.Parallel()
	s := threePages(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var steps []step
	for item, err := range paging.Seq(ctx, "", s.fetch) {
		steps = append(steps, step{item, err})
		if item == 2 {
			cancel() // after the last item of the first page
		}
	}
	want := []step{{1, nil}, {2, nil}, {0, context.Canceled}}
	if !slices.Equal(steps, want) {
		t.Errorf("steps = %v, want %v", steps, want)
	}
	if !slices.Equal(s.asked, []string{""}) {
		t.Errorf("fetched %q after cancel, want only the first page", s.asked)
	}
}

func TestSeqContextCancelledMidPage(t *testing.T) {
	t.Parallel()
	s := threePages(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var steps []step
	for item, err := range paging.Seq(ctx, "", s.fetch) {
		steps = append(steps, step{item, err})
		cancel() // during the first page: its items are already here, the next page is not fetched
	}
	want := []step{{1, nil}, {2, nil}, {0, context.Canceled}}
	if !slices.Equal(steps, want) {
		t.Errorf("steps = %v, want %v", steps, want)
	}
	if len(s.asked) != 1 {
		t.Errorf("fetched %q, want one page", s.asked)
	}
}

func TestSeqContextDoneBeforeStart(t *testing.T) {
	t.Parallel()
	s := threePages(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("tenant removed"))
	steps := drain(paging.Seq(ctx, "", s.fetch))
	if len(steps) != 1 || !errors.Is(steps[0].err, context.Canceled) {
		t.Errorf("steps = %v, want a single ctx error", steps)
	}
	if len(s.asked) != 0 {
		t.Errorf("fetched %q with a done context", s.asked)
	}
}

func TestSeqErrorOnce(t *testing.T) {
	t.Parallel()
	boom := &bitbucket.APIError{StatusCode: 502}
	for _, failAt := range []string{"", "c2", "c3"} {
		t.Run("at "+failAt, func(t *testing.T) {
			s := threePages(t)
			s.errs = map[string]error{failAt: boom}
			steps := drain(paging.Seq(context.Background(), "", s.fetch))
			var errs []error
			for _, st := range steps {
				if st.err != nil {
					errs = append(errs, st.err)
					if st.item != 0 {
						t.Errorf("error yielded with item %d, want the zero value", st.item)
					}
				}
			}
			if len(errs) != 1 || !errors.Is(errs[0], boom) {
				t.Fatalf("errors = %v, want the fetch error once", errs)
			}
			if last := steps[len(steps)-1]; last.err == nil {
				t.Errorf("an item followed the error: %v", steps)
			}
			if s.asked[len(s.asked)-1] != failAt {
				t.Errorf("fetched %q: fetching went on after the error", s.asked)
			}
		})
	}
}

func TestSeqRepeatedCursor(t *testing.T) {
	t.Parallel()
	tests := map[string]map[string]bitbucket.Page[int]{
		"page names itself": {
			"":   {Items: []int{1}, Next: "c2"},
			"c2": {Items: []int{2}, Next: "c2"},
		},
		"cycle of two": {
			"":   {Items: []int{1}, Next: "a"},
			"a":  {Items: []int{2}, Next: "b"},
			"b":  {Items: []int{3}, Next: "a"},
			"zz": {},
		},
		"back to the start": {
			"s": {Items: []int{1}, Next: "t"},
			"t": {Items: []int{2}, Next: "s"},
		},
	}
	for name, pages := range tests {
		t.Run(name, func(t *testing.T) {
			s := &server{t: t, pages: pages}
			start := ""
			if _, ok := pages[""]; !ok {
				start = "s"
			}
			items, err := bitbucket.Collect(paging.Seq(context.Background(), start, s.fetch))
			if !errors.Is(err, bitbucket.ErrPaginationStalled) {
				t.Fatalf("error = %v, want ErrPaginationStalled", err)
			}
			if len(items) == 0 {
				t.Errorf("items before the stall were lost")
			}
			if len(s.asked) > len(pages) {
				t.Errorf("fetched %q: a page was fetched twice", s.asked)
			}
		})
	}
}

// emptyRun serves n empty pages that each name a successor, then one page of items.
func emptyRun(t *testing.T, n int) *server {
	pages := map[string]bitbucket.Page[int]{}
	cur := ""
	for i := range n {
		next := fmt.Sprintf("e%d", i+1)
		pages[cur] = bitbucket.Page[int]{Next: next}
		cur = next
	}
	pages[cur] = bitbucket.Page[int]{Items: []int{42}}
	return &server{t: t, pages: pages}
}

func TestSeqEmptyPages(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, paging.MaxEmptyPages} {
		t.Run(fmt.Sprintf("%d then items", n), func(t *testing.T) {
			s := emptyRun(t, n)
			items, err := bitbucket.Collect(paging.Seq(context.Background(), "", s.fetch))
			if err != nil || !slices.Equal(items, []int{42}) {
				t.Errorf("Collect = %v, %v; want [42], nil", items, err)
			}
		})
	}
	t.Run("too many", func(t *testing.T) {
		s := emptyRun(t, 100)
		items, err := bitbucket.Collect(paging.Seq(context.Background(), "", s.fetch))
		if !errors.Is(err, bitbucket.ErrPaginationStalled) {
			t.Errorf("Collect = %v, %v; want ErrPaginationStalled", items, err)
		}
		if len(s.asked) != paging.MaxEmptyPages+1 {
			t.Errorf("fetched %d pages, want the guard to stop after %d", len(s.asked), paging.MaxEmptyPages+1)
		}
	})
	t.Run("items reset the count", func(t *testing.T) {
		// Runs of empty pages shorter than the limit, separated by items, are fine.
		pages := map[string]bitbucket.Page[int]{}
		cur, want := "", []int(nil)
		for block := range 4 {
			for i := range paging.MaxEmptyPages {
				next := fmt.Sprintf("b%d-e%d", block, i)
				pages[cur] = bitbucket.Page[int]{Next: next}
				cur = next
			}
			next := fmt.Sprintf("b%d-items", block)
			if block == 3 {
				next = ""
			}
			pages[cur] = bitbucket.Page[int]{Items: []int{block}, Next: next}
			want = append(want, block)
			cur = next
		}
		s := &server{t: t, pages: pages}
		items, err := bitbucket.Collect(paging.Seq(context.Background(), "", s.fetch))
		if err != nil || !slices.Equal(items, want) {
			t.Errorf("Collect = %v, %v; want %v, nil", items, err, want)
		}
	})
	t.Run("empty last page", func(t *testing.T) {
		s := &server{t: t, pages: map[string]bitbucket.Page[int]{"": {Items: []int{1}, Next: "x"}, "x": {}}}
		items, err := bitbucket.Collect(paging.Seq(context.Background(), "", s.fetch))
		if err != nil || !slices.Equal(items, []int{1}) {
			t.Errorf("Collect = %v, %v; want [1], nil", items, err)
		}
	})
}
