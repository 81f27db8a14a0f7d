package server

import (
	"context"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// Tag is a tag of a Data Center repository.
type Tag struct {
	Name   string // short name: "v1.2.0"
	Commit string // the commit the tag points at
}

// wireTag is RestTag.
type wireTag struct {
	DisplayID    string `json:"displayId"`
	LatestCommit string `json:"latestCommit"`
}

// tagsQuery is the query of getTags.
type tagsQuery struct {
	FilterText string `url:"filterText,omitempty"`
	pageQuery
}

func toTag(w *wireTag) *Tag { return &Tag{Name: w.DisplayID, Commit: w.LatestCommit} }

// ListTagsOptions selects tags. The zero value lists every tag, as many a page as the server
// gives (up to 1,000).
type ListTagsOptions struct {
	Query    string // substring of the tag name (filterText)
	PageSize int    // 0: as many as the server gives
	Cursor   string // resume from Page.Next
}

// ListTags iterates over the tags of repo whose name contains opts.Query (getTags).
func (c *Client) ListTags(ctx context.Context, repo bitbucket.RepoRef, opts ListTagsOptions) iter.Seq2[*Tag, error] {
	_, at, src, err := c.tags(repo, opts)
	return listAll(ctx, c, at, src, err)
}

// ListTagsPage returns one page of ListTags; Page.Next resumes the listing.
func (c *Client) ListTagsPage(ctx context.Context, repo bitbucket.RepoRef, opts ListTagsOptions) (bitbucket.Page[*Tag], error) {
	cur, at, src, err := c.tags(repo, opts)
	if err != nil {
		return bitbucket.Page[*Tag]{}, err
	}
	return paging.PageAt(ctx, at, src, cur.encoder())
}

// tags is the tag listing of repo that opts ask for.
func (c *Client) tags(repo bitbucket.RepoRef, opts ListTagsOptions) (listCursor, paging.StartAt, paging.Source[paging.StartAt, *Tag], error) {
	cur, at, err := refListing(kindTags, repo, opts.Query, opts.PageSize, opts.Cursor)
	if err != nil {
		return cur, at, nil, err
	}
	src := startsSource(c, epListTags, repoArgs(repo), func(at paging.StartAt) any {
		return tagsQuery{FilterText: cur.Query, pageQuery: pageOf(at)}
	}, toTag)
	return cur, at, src, nil
}
