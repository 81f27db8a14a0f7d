package cloud

import (
	"context"
	"fmt"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/wiretime"
)

// Commit is a commit of a Cloud repository.
type Commit struct {
	Hash    string // the full hash
	Message string
	Author  string // the raw author, "Name <email>"
	Date    time.Time
	Parents []string // the parents' full hashes
}

// wireCommit is a commit as GET .../commit/{commit} sends it.
type wireCommit struct {
	Hash    string        `json:"hash"`
	Message string        `json:"message"`
	Date    wiretime.Time `json:"date"`
	Author  struct {
		Raw string `json:"raw"`
	} `json:"author"`
	Parents []struct {
		Hash string `json:"hash"`
	} `json:"parents"`
}

func toCommit(w *wireCommit) *Commit {
	c := &Commit{Hash: w.Hash, Message: w.Message, Author: w.Author.Raw, Date: w.Date.Time}
	for _, p := range w.Parents {
		c.Parents = append(c.Parents, p.Hash)
	}
	return c
}

// GetCommit returns the commit that ref names: a hash, a branch or a tag
// (GET /repositories/{workspace}/{repo_slug}/commit/{commit}). An unknown ref is ErrNotFound.
func (c *Client) GetCommit(ctx context.Context, repo bitbucket.RepoRef, ref string) (*Commit, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	if ref == "" {
		return nil, fmt.Errorf("%w: empty ref", bitbucket.ErrInvalidInput)
	}
	var w wireCommit
	if _, err := c.do(ctx, epGetCommit, []string{repo.Namespace, repo.Slug, ref}, nil, nil, &w); err != nil {
		return nil, err
	}
	if w.Hash == "" {
		return nil, c.answerError(nil, epGetCommit, "the commit has no hash")
	}
	return toCommit(&w), nil
}
