package cloud

import (
	"context"
	"iter"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

const kindTags = "cloud.tags"

// Tag is a tag of a Cloud repository.
type Tag struct {
	Name   string
	Commit string    // the tagged commit's full hash
	Date   time.Time // the tagged commit's date; zero when not given
}

// ListTagsOptions selects tags. The zero value lists every tag, 100 at a time.
type ListTagsOptions struct {
	Query    string // case-insensitive substring of the tag name
	PageSize int    // 0: the maximum, 100
	Cursor   string // resume from Page.Next
}

func toTag(w *wireRef) *Tag {
	return &Tag{Name: w.Name, Commit: w.Target.Hash, Date: w.Target.Date.Time}
}

// ListTags lists the tags of repo (GET /repositories/{workspace}/{repo_slug}/refs/tags).
func (c *Client) ListTags(ctx context.Context, repo bitbucket.RepoRef, opts ListTagsOptions) iter.Seq2[*Tag, error] {
	cur, err := c.refStart(kindTags, repo, opts.Query, opts.PageSize, opts.Cursor)
	if err != nil {
		return failed[*Tag](err)
	}
	return paging.Iterate(ctx, cur.Next, c.limits, paging.NextLinks(c.refPages(epListTags, cur), toTag))
}

// ListTagsPage returns one page of ListTags.
func (c *Client) ListTagsPage(ctx context.Context, repo bitbucket.RepoRef, opts ListTagsOptions) (bitbucket.Page[*Tag], error) {
	cur, err := c.refStart(kindTags, repo, opts.Query, opts.PageSize, opts.Cursor)
	if err != nil {
		return bitbucket.Page[*Tag]{}, err
	}
	return paging.PageAt(ctx, cur.Next, paging.NextLinks(c.refPages(epListTags, cur), toTag), func(next string) string {
		nc := cur
		nc.Next = next
		return paging.EncodeCursor(nc)
	})
}
