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

// ListTags iterates over the tags of repo whose name contains filter (getTags).
func (c *Client) ListTags(ctx context.Context, repo bitbucket.RepoRef, filter string) iter.Seq2[*Tag, error] {
	if err := repo.Validate(); err != nil {
		return listAll[*Tag](ctx, c, paging.StartAt{}, nil, err)
	}
	src := startsSource(c, epListTags, repoArgs(repo), func(at paging.StartAt) any {
		return tagsQuery{FilterText: filter, pageQuery: pageOf(at)}
	}, toTag)
	return listAll(ctx, c, paging.StartAt{Limit: maxPageLimit, Adapt: true}, src, nil)
}
