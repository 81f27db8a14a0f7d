package server

import (
	"context"
	"fmt"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// maxPageLimit is the limit asked for when PageSize is 0: the largest page Data Center serves by
// default (page.max.* settings). The server may answer with less; its answer is used from then on.
const maxPageLimit = 1000

// pageQuery is the start and limit of a paged request; every list query embeds it.
type pageQuery struct {
	Start int `url:"start"`
	Limit int `url:"limit"`
}

func pageOf(at paging.StartAt) pageQuery { return pageQuery{Start: at.Start, Limit: at.Limit} }

// startsSource is the paging source of a Data Center list: GET ep with query(at) at each state,
// each value converted into an item.
//
// The wire values of a page are decoded into one buffer, sized for the page asked and reused by
// the next page of the listing: a source is never called concurrently with itself, and a page's
// values are converted before its source returns. So convert must not keep a pointer into its
// argument. The buffer is zeroed first, as decoding into a
// used element would keep fields the new one lacks.
func startsSource[W, T any](c *Client, ep endpoint, args []string, query func(paging.StartAt) any, convert func(*W) T) paging.Source[paging.StartAt, T] {
	var buf []W
	return paging.Starts(func(ctx context.Context, at paging.StartAt) (paging.ServerPage[W], error) {
		if want := min(max(at.Limit, 0), maxPageLimit); cap(buf) < want {
			buf = make([]W, 0, want)
		}
		clear(buf[:cap(buf)])
		p := paging.ServerPage[W]{Values: buf[:0]}
		_, err := c.do(ctx, call{ep: ep, args: args, query: query(at)}, &p)
		if cap(p.Values) > cap(buf) {
			buf = p.Values[:0] // the server sent more than asked: keep the larger buffer
		}
		return p, err
	}, convert)
}

// Kinds of listing a cursor belongs to.
const (
	kindProjects = "projects"
	kindRepos    = "repos"
	kindBranches = "branches"
	kindTags     = "tags"
)

// listCursor is the state behind Page.Next: the listing's identity and where the next page
// starts. It holds no URL, so it cannot send a request anywhere but this client's server. It is
// encoded and decoded only by the …Page methods.
type listCursor struct {
	Kind      string `json:"k"`
	Namespace string `json:"n,omitempty"`
	Slug      string `json:"r,omitempty"`
	Query     string `json:"q,omitempty"`
	Perm      int    `json:"p,omitempty"`
	// Start is the server's nextPageStart, taken as it came.
	Start int `json:"s"`
	// Limit is the limit the server answered with, used again when PageSize is 0.
	Limit int `json:"l,omitempty"`
}

// decodeListCursor reads cursor into a listCursor of the given kind.
func decodeListCursor(cursor, kind string) (listCursor, error) {
	var cur listCursor
	if err := paging.DecodeCursor(cursor, &cur); err != nil {
		return cur, err
	}
	if cur.Kind != kind || cur.Start <= 0 || cur.Limit < 0 ||
		cur.Perm < int(bitbucket.PermissionNone) || cur.Perm > int(bitbucket.PermissionAdmin) {
		return cur, fmt.Errorf("%w: cursor does not belong to a %s listing of this client", bitbucket.ErrInvalidInput, kind)
	}
	return cur, nil
}

// encoder returns the function PageAt uses to turn the next state into Page.Next.
func (cur listCursor) encoder() func(paging.StartAt) string {
	return func(at paging.StartAt) string {
		next := cur
		next.Start, next.Limit = at.Start, 0
		if at.Adapt {
			next.Limit = at.Limit
		}
		return paging.EncodeCursor(next)
	}
}

// startAt is the first state of a listing: where cur starts, with the limit to ask for (the
// caller's page size, else what the server answered before, else the maximum).
func startAt(cur listCursor, pageSize int) (paging.StartAt, error) {
	at := paging.StartAt{Start: cur.Start, Limit: maxPageLimit, Adapt: pageSize == 0}
	switch {
	case pageSize < 0:
		return at, fmt.Errorf("%w: PageSize %d is negative", bitbucket.ErrInvalidInput, pageSize)
	case pageSize > 0:
		at.Limit = pageSize
	case cur.Limit > 0:
		at.Limit = cur.Limit
	}
	return at, nil
}

// refListing is where a listing of one repository's refs (kind) starts: from cursor when one is
// given, which must belong to the same repository and query, else from the first page.
func refListing(kind string, repo bitbucket.RepoRef, query string, pageSize int, cursor string) (listCursor, paging.StartAt, error) {
	if err := repo.Validate(); err != nil {
		return listCursor{}, paging.StartAt{}, err
	}
	cur := listCursor{Kind: kind, Namespace: repo.Namespace, Slug: repo.Slug, Query: query}
	if cursor != "" {
		var err error
		if cur, err = decodeListCursor(cursor, kind); err != nil {
			return cur, paging.StartAt{}, err
		}
		switch {
		case cur.Namespace != repo.Namespace || cur.Slug != repo.Slug:
			return cur, paging.StartAt{}, conflict("repository")
		case query != "" && query != cur.Query:
			return cur, paging.StartAt{}, conflict("Query")
		}
	}
	at, err := startAt(cur, pageSize)
	return cur, at, err
}

func conflict(field string) error {
	return fmt.Errorf("%w: %s conflicts with the listing the cursor belongs to; pass the cursor alone", bitbucket.ErrInvalidInput, field)
}

// listAll is the iterator of a List… method: the listing from at, or err alone when building it
// failed.
func listAll[T any](ctx context.Context, c *Client, at paging.StartAt, src paging.Source[paging.StartAt, T], err error) iter.Seq2[T, error] {
	if err != nil {
		return func(yield func(T, error) bool) {
			var zero T
			yield(zero, err)
		}
	}
	return paging.Iterate(ctx, at, c.limits, src)
}
