package server

import (
	"context"
	"errors"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// wireBranch is RestBranch. Real servers mark the default with isDefault; the 9.x schema calls it
// default. Both are read, and a listing whose branches carry neither asks for the default branch.
type wireBranch struct {
	ID           string `json:"id"`
	DisplayID    string `json:"displayId"`
	LatestCommit string `json:"latestCommit"`
	IsDefault    *bool  `json:"isDefault"`
	Default      *bool  `json:"default"`
}

// wireMinimalRef is RestMinimalRef: the answer of the default-branch endpoints.
type wireMinimalRef struct {
	ID        string `json:"id"`
	DisplayID string `json:"displayId"`
}

// branchesQuery is the query of getBranches.
type branchesQuery struct {
	FilterText string `url:"filterText,omitempty"`
	pageQuery
}

// flagged reports whether the server marked b, and whether it said anything at all.
func (b *wireBranch) flagged() (isDefault, known bool) {
	switch {
	case b.IsDefault != nil:
		return *b.IsDefault, true
	case b.Default != nil:
		return *b.Default, true
	}
	return false, false
}

// ListBranches iterates over the branches of repo whose name contains opts.Query (getBranches
// with filterText). Exactly one branch, the default, has Default set (none when the filter
// leaves it out).
func (c *Client) ListBranches(ctx context.Context, repo bitbucket.RepoRef, opts bitbucket.ListBranchesOptions) iter.Seq2[*bitbucket.Branch, error] {
	_, at, src, err := c.branches(repo, opts)
	return listAll(ctx, c, at, src, err)
}

// ListBranchesPage returns one page of branches; Page.Next resumes the listing.
func (c *Client) ListBranchesPage(ctx context.Context, repo bitbucket.RepoRef, opts bitbucket.ListBranchesOptions) (bitbucket.Page[*bitbucket.Branch], error) {
	cur, at, src, err := c.branches(repo, opts)
	if err != nil {
		return bitbucket.Page[*bitbucket.Branch]{}, err
	}
	return paging.PageAt(ctx, at, src, cur.encoder())
}

// branches is the branch listing of repo that opts ask for.
func (c *Client) branches(repo bitbucket.RepoRef, opts bitbucket.ListBranchesOptions) (listCursor, paging.StartAt, paging.Source[paging.StartAt, *bitbucket.Branch], error) {
	cur, at, err := refListing(kindBranches, repo, opts.Query, opts.PageSize, opts.Cursor)
	if err != nil {
		return cur, at, nil, err
	}
	get := func(ctx context.Context, at paging.StartAt) (paging.ServerPage[wireBranch], error) {
		var p paging.ServerPage[wireBranch]
		_, err := c.do(ctx, call{ep: epListBranches, args: repoArgs(repo), query: branchesQuery{FilterText: cur.Query, pageQuery: pageOf(at)}}, &p)
		return p, err
	}
	// The default branch's name, asked once per listing, only when the branches carry no flag.
	var defaultName *string
	src := func(ctx context.Context, at paging.StartAt) (paging.Batch[paging.StartAt, *bitbucket.Branch], error) {
		b, err := paging.Starts(get, func(w *wireBranch) *wireBranch { return w })(ctx, at)
		if err != nil {
			return paging.Batch[paging.StartAt, *bitbucket.Branch]{}, err
		}
		out := paging.Batch[paging.StartAt, *bitbucket.Branch]{Next: b.Next, More: b.More, Items: make([]*bitbucket.Branch, len(b.Items))}
		for i, w := range b.Items {
			isDefault, known := w.flagged()
			if !known {
				if defaultName == nil {
					name, err := c.defaultBranch(ctx, repo)
					if err != nil {
						return paging.Batch[paging.StartAt, *bitbucket.Branch]{}, err
					}
					defaultName = &name
				}
				isDefault = *defaultName != "" && w.DisplayID == *defaultName
			}
			out.Items[i] = &bitbucket.Branch{Name: w.DisplayID, Commit: w.LatestCommit, Default: isDefault}
		}
		return out, nil
	}
	return cur, at, src, nil
}

// defaultBranch is the name of repo's default branch (getDefaultBranch_2 on 7.0 and later,
// getDefaultBranch_1 before or where the newer one is missing), "" for an empty repository, which
// the older endpoint answers with 204.
func (c *Client) defaultBranch(ctx context.Context, repo bitbucket.RepoRef) (string, error) {
	v, err := c.parsedVersion(ctx)
	if err != nil {
		return "", err
	}
	var ref wireMinimalRef
	if v.atLeast(sinceDefaultBranch) {
		_, err := c.do(ctx, call{ep: epDefaultBranch, args: repoArgs(repo)}, &ref)
		switch {
		case err == nil:
			return ref.DisplayID, nil
		case !errors.Is(err, bitbucket.ErrNotFound):
			return "", err
		}
	}
	_, err = c.do(ctx, call{ep: epLegacyDefault, args: repoArgs(repo)}, &ref)
	if errors.Is(err, bitbucket.ErrNotFound) {
		return "", nil
	}
	return ref.DisplayID, err
}
