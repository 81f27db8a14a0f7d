package cloud

import (
	"context"
	"fmt"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
	"github.com/bbconnect/bbconnect/internal/wiretime"
)

// wireRef is a branch or tag as refs/branches and refs/tags send it.
type wireRef struct {
	Name   string `json:"name"`
	Target struct {
		Hash string        `json:"hash"`
		Date wiretime.Time `json:"date"`
	} `json:"target"`
}

// refQuery is the query of a first branch or tag page.
type refQuery struct {
	PageLen int    `url:"pagelen"`
	Q       string `url:"q,omitempty"`
}

// refCursor is the encoded form of a branch or tag list's Page.Next.
type refCursor struct {
	Kind      string `json:"k"`
	Namespace string `json:"ns"`
	Slug      string `json:"r"`
	Query     string `json:"q,omitempty"`
	PageSize  int    `json:"n"`
	Default   string `json:"d,omitempty"` // branches: the repository's main branch
	Next      string `json:"u"`
}

// refStart validates a ref listing's options and merges them with the cursor they carry,
// before any request. A fresh listing has Next "".
func (c *Client) refStart(kind string, repo bitbucket.RepoRef, query string, pageSize int, cursor string) (refCursor, error) {
	if err := repo.Validate(); err != nil {
		return refCursor{}, err
	}
	n, err := pageLen(pageSize)
	if err != nil {
		return refCursor{}, err
	}
	if _, err := bbqlString(query); err != nil {
		return refCursor{}, err
	}
	if cursor == "" {
		return refCursor{Kind: kind, Namespace: repo.Namespace, Slug: repo.Slug, Query: query, PageSize: n}, nil
	}
	var cur refCursor
	if err := paging.DecodeCursor(cursor, &cur); err != nil {
		return refCursor{}, err
	}
	switch {
	case cur.Kind != kind || cur.Next == "" || cur.PageSize < 1 || cur.PageSize > maxPageLen:
		return refCursor{}, fmt.Errorf("%w: cursor does not belong to this list", bitbucket.ErrInvalidInput)
	case cur.Namespace != repo.Namespace || cur.Slug != repo.Slug:
		return refCursor{}, fmt.Errorf("%w: the cursor belongs to another repository", bitbucket.ErrInvalidInput)
	case query != "" && query != cur.Query:
		return refCursor{}, fmt.Errorf("%w: Query conflicts with the cursor's", bitbucket.ErrInvalidInput)
	case pageSize != 0 && n != cur.PageSize:
		return refCursor{}, fmt.Errorf("%w: PageSize conflicts with the cursor's", bitbucket.ErrInvalidInput)
	}
	if _, err := bbqlString(cur.Query); err != nil {
		return refCursor{}, err
	}
	if err := c.checkLink(cur.Next); err != nil {
		return refCursor{}, err
	}
	return cur, nil
}

// refPages gets the pages of a ref list (ep is refs/branches or refs/tags) for cur.
func (c *Client) refPages(ep endpoint, cur refCursor) func(context.Context, string) (paging.CloudPage[wireRef], error) {
	q := refQuery{PageLen: cur.PageSize}
	if cur.Query != "" {
		lit, _ := bbqlString(cur.Query) // validated by refStart
		q.Q = "name ~ " + lit
	}
	return listPages[wireRef](c, ep, []string{cur.Namespace, cur.Slug}, q, cur.PageSize)
}

// failed is a listing that yields err alone.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
