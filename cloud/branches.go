package cloud

import (
	"context"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

const kindBranches = "cloud.branches"

// fieldsQuery trims an answer to the fields named.
type fieldsQuery struct {
	Fields string `url:"fields"`
}

// ListBranches lists the branches of repo (GET /repositories/{workspace}/{repo_slug}/refs/branches).
// Query keeps the branches whose name contains it, case-insensitively (BBQL name ~ "..."). The
// repository's main branch (mainbranch, read once with the first page and kept in the cursor) is
// the one branch with Default set. The next page is fetched while the caller consumes the current
// one.
func (c *Client) ListBranches(ctx context.Context, repo bitbucket.RepoRef, opts bitbucket.ListBranchesOptions) iter.Seq2[*bitbucket.Branch, error] {
	cur, err := c.refStart(kindBranches, repo, opts.Query, opts.PageSize, opts.Cursor)
	if err != nil {
		return failed[*bitbucket.Branch](err)
	}
	return paging.Iterate(ctx, cur.Next, c.limits, c.branchSource(&cur))
}

// ListBranchesPage returns one page of ListBranches.
func (c *Client) ListBranchesPage(ctx context.Context, repo bitbucket.RepoRef, opts bitbucket.ListBranchesOptions) (bitbucket.Page[*bitbucket.Branch], error) {
	cur, err := c.refStart(kindBranches, repo, opts.Query, opts.PageSize, opts.Cursor)
	if err != nil {
		return bitbucket.Page[*bitbucket.Branch]{}, err
	}
	return paging.PageAt(ctx, cur.Next, c.branchSource(&cur), func(next string) string {
		nc := cur
		nc.Next = next
		return paging.EncodeCursor(nc)
	})
}

// branchSource is the branch listing of cur. On the first page it also reads the repository's
// main branch, at the same time, and records it in cur.
func (c *Client) branchSource(cur *refCursor) paging.Source[string, *bitbucket.Branch] {
	pages := c.refPages(epListBranches, *cur)
	repo := bitbucket.RepoRef{Namespace: cur.Namespace, Slug: cur.Slug}
	return func(ctx context.Context, link string) (paging.Batch[string, *bitbucket.Branch], error) {
		var p paging.CloudPage[wireRef]
		var err error
		if link == "" {
			type result struct {
				name string
				err  error
			}
			main := make(chan result, 1)
			go func() {
				name, err := c.mainBranch(ctx, repo)
				main <- result{name, err}
			}()
			p, err = pages(ctx, link)
			m := <-main
			if err == nil {
				err = m.err
			}
			cur.Default = m.name
		} else {
			p, err = pages(ctx, link)
		}
		if err != nil {
			return paging.Batch[string, *bitbucket.Branch]{}, err
		}
		items := make([]*bitbucket.Branch, len(p.Values))
		for i := range p.Values {
			w := &p.Values[i]
			items[i] = &bitbucket.Branch{Name: w.Name, Commit: w.Target.Hash, Default: w.Name != "" && w.Name == cur.Default}
		}
		return paging.Batch[string, *bitbucket.Branch]{Items: items, Next: p.Next, More: p.Next != ""}, nil
	}
}

// mainBranch reads the name of repo's main branch ("" when it has none yet).
func (c *Client) mainBranch(ctx context.Context, repo bitbucket.RepoRef) (string, error) {
	var w wireRepository
	_, err := c.do(ctx, epGetRepository, []string{repo.Namespace, repo.Slug}, fieldsQuery{Fields: "mainbranch.name"}, nil, &w)
	return w.Mainbranch.Name, err
}

// resolveBranch returns the head commit of branch name (GET .../refs/branches/{name}).
func (c *Client) resolveBranch(ctx context.Context, repo bitbucket.RepoRef, name string) (string, error) {
	var w wireRef
	_, err := c.do(ctx, epGetBranch, []string{repo.Namespace, repo.Slug, name}, nil, nil, &w)
	return w.Target.Hash, err
}
