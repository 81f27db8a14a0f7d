package paging

import (
	"fmt"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Default bounds of one listing. They are far beyond any real repository, workspace or project,
// and small enough that a server which never ends cannot grow the heap without bound.
const (
	DefaultMaxPages = 10_000
	DefaultMaxItems = 1_000_000
)

// MaxEmptyPages is how many pages in a row may come back empty while still naming a successor
// before a listing gives up. Providers skip empty namespaces themselves, so a run this long means
// a server that claims pages it never gives.
const MaxEmptyPages = 8

// Limits bound one listing. The zero value means the defaults.
type Limits struct {
	MaxPages int // pages fetched at most; 0 means DefaultMaxPages
	MaxItems int // items yielded at most; 0 means DefaultMaxItems
}

func (l Limits) pages() int {
	if l.MaxPages > 0 {
		return l.MaxPages
	}
	return DefaultMaxPages
}

func (l Limits) items() int {
	if l.MaxItems > 0 {
		return l.MaxItems
	}
	return DefaultMaxItems
}

// Guard is the loop guard of one running listing, written once for every list: a page state seen
// before, a run of more than MaxEmptyPages empty pages that each claim a successor, and more pages
// or items than the Limits allow all end the listing with an error wrapping
// bitbucket.ErrPaginationStalled.
type Guard[S comparable] struct {
	limits Limits
	seen   map[S]struct{}
	pages  int
	items  int
	empty  int
}

// NewGuard starts a guard for a listing whose first page has state start.
func NewGuard[S comparable](limits Limits, start S) *Guard[S] {
	return &Guard[S]{limits: limits, seen: map[S]struct{}{start: {}}}
}

// Step records a fetched page of n items. When more is true the page names next as its
// successor, which must not have been seen before. It returns the error that ends the listing, or
// nil when the listing may go on.
func (g *Guard[S]) Step(n int, next S, more bool) error {
	g.pages++
	g.items += n
	if g.items > g.limits.items() {
		return fmt.Errorf("%w: more than %d items in one listing", bitbucket.ErrPaginationStalled, g.limits.items())
	}
	if !more {
		return nil
	}
	if g.pages >= g.limits.pages() {
		return fmt.Errorf("%w: more than %d pages in one listing", bitbucket.ErrPaginationStalled, g.limits.pages())
	}
	if _, ok := g.seen[next]; ok {
		return fmt.Errorf("%w: the server repeated a page", bitbucket.ErrPaginationStalled)
	}
	g.seen[next] = struct{}{}
	if n > 0 {
		g.empty = 0
		return nil
	}
	g.empty++
	if g.empty > MaxEmptyPages {
		return fmt.Errorf("%w: %d empty pages in a row, each claiming another", bitbucket.ErrPaginationStalled, g.empty)
	}
	return nil
}
