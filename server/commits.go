package server

import (
	"context"
	"fmt"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/wiretime"
)

// Commit is a commit of a Data Center repository.
type Commit struct {
	Hash        string
	Message     string
	AuthorName  string
	AuthorEmail string
	AuthoredAt  time.Time
	Parents     []string
}

// wireCommit is RestCommit. Its timestamps are epoch milliseconds, or ISO strings on 10.x.
type wireCommit struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Author  struct {
		Name         string `json:"name"`
		EmailAddress string `json:"emailAddress"`
	} `json:"author"`
	AuthorTimestamp wiretime.Time `json:"authorTimestamp"`
	Parents         []struct {
		ID string `json:"id"`
	} `json:"parents"`
}

func toCommit(w *wireCommit) *Commit {
	c := &Commit{Hash: w.ID, Message: w.Message, AuthorName: w.Author.Name, AuthorEmail: w.Author.EmailAddress, AuthoredAt: w.AuthorTimestamp.Time}
	for _, p := range w.Parents {
		c.Parents = append(c.Parents, p.ID)
	}
	return c
}

// GetCommit returns the commit that ref (a hash, branch or tag) names in repo (getCommit); one
// that names nothing matches bitbucket.ErrNotFound.
func (c *Client) GetCommit(ctx context.Context, repo bitbucket.RepoRef, ref string) (*Commit, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	if ref == "" {
		return nil, fmt.Errorf("%w: GetCommit needs a ref", bitbucket.ErrInvalidInput)
	}
	var w wireCommit
	if _, err := c.do(ctx, call{ep: epGetCommit, args: repoArgs(repo, ref)}, &w); err != nil {
		return nil, err
	}
	return toCommit(&w), nil
}
