package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// GetRepository returns one repository (GET /projects/{key}/repos/{slug}). A repository the
// caller cannot see answers like a missing one: an *APIError matching bitbucket.ErrNotFound, or
// bitbucket.ErrForbidden where the server says the project is not readable.
func (c *Client) GetRepository(ctx context.Context, repo bitbucket.RepoRef) (*bitbucket.Repository, error) {
	w, err := c.getRepository(ctx, repo)
	if err != nil {
		return nil, err
	}
	return convertRepository(*w), nil
}

func (c *Client) getRepository(ctx context.Context, repo bitbucket.RepoRef) (*wireRepository, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	var w wireRepository
	if _, err := c.http.Do(ctx, httpx.Request{Method: "GET", Path: repoPath(repo)}, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// Project is a Data Center project, with more than bitbucket.Namespace carries.
type Project struct {
	ID          string // numeric id in decimal
	Key         string
	Name        string
	Description string
	Public      bool // every user who can log in may read its repositories
	Personal    bool // a user's personal project ("~user")
	WebURL      string
}

// Project returns the project with the given key (GET /projects/{key}).
func (c *Client) Project(ctx context.Context, key string) (*Project, error) {
	if key == "" || strings.Contains(key, "/") || strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return nil, fmt.Errorf("%w: project key %q", bitbucket.ErrInvalidInput, key)
	}
	var w wireProject
	if _, err := c.http.Do(ctx, httpx.Request{Method: "GET", Path: projectPath(key)}, &w); err != nil {
		return nil, err
	}
	p := &Project{Key: w.Key, Name: w.Name, Description: w.Description, Public: w.Public, Personal: w.Type == "PERSONAL"}
	if w.ID != 0 {
		p.ID = strconv.FormatInt(w.ID, 10)
	}
	if len(w.Links.Self) > 0 {
		p.WebURL = w.Links.Self[0].Href
	}
	return p, nil
}
