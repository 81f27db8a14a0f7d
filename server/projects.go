package server

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"unicode"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// wireProject is RestProject.
type wireProject struct {
	ID          int64  `json:"id"`
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Public      bool   `json:"public"`
	Type        string `json:"type"` // NORMAL | PERSONAL
	Links       struct {
		Self []wireLink `json:"self"`
	} `json:"links"`
}

// wireLink is one entry of a links list; Name is "http" or "ssh" among clone links.
type wireLink struct {
	Href string `json:"href"`
	Name string `json:"name"`
}

// projectsQuery is the query of GET /projects.
type projectsQuery struct {
	Name string `url:"name,omitempty"`
	pageQuery
}

func toNamespace(w *wireProject) *bitbucket.Namespace {
	return &bitbucket.Namespace{Key: w.Key, Name: w.Name, Personal: w.Type == "PERSONAL"}
}

// ListNamespaces iterates over the projects the caller can see (getProjects), filtered by name
// when opts.Query is set.
func (c *Client) ListNamespaces(ctx context.Context, opts bitbucket.ListNamespacesOptions) iter.Seq2[*bitbucket.Namespace, error] {
	_, at, src, err := c.namespaces(opts)
	return listAll(ctx, c, at, src, err)
}

// ListNamespacesPage returns one page of projects (getProjects).
func (c *Client) ListNamespacesPage(ctx context.Context, opts bitbucket.ListNamespacesOptions) (bitbucket.Page[*bitbucket.Namespace], error) {
	cur, at, src, err := c.namespaces(opts)
	if err != nil {
		return bitbucket.Page[*bitbucket.Namespace]{}, err
	}
	return paging.PageAt(ctx, at, src, cur.encoder())
}

// namespaces is the project listing opts ask for: its identity, first state and source.
func (c *Client) namespaces(opts bitbucket.ListNamespacesOptions) (listCursor, paging.StartAt, paging.Source[paging.StartAt, *bitbucket.Namespace], error) {
	cur := listCursor{Kind: kindProjects, Query: opts.Query}
	if opts.Cursor != "" {
		var err error
		if cur, err = decodeListCursor(opts.Cursor, kindProjects); err != nil {
			return cur, paging.StartAt{}, nil, err
		}
		if opts.Query != "" && opts.Query != cur.Query {
			return cur, paging.StartAt{}, nil, conflict("Query")
		}
	}
	at, err := startAt(cur, opts.PageSize)
	if err != nil {
		return cur, at, nil, err
	}
	src := startsSource(c, epListProjects, nil, func(at paging.StartAt) any {
		return projectsQuery{Name: cur.Query, pageQuery: pageOf(at)}
	}, toNamespace)
	return cur, at, src, nil
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

// Project returns the project with the given key (getProject).
func (c *Client) Project(ctx context.Context, key string) (*Project, error) {
	if key == "" || strings.Contains(key, "/") || strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return nil, fmt.Errorf("%w: project key %q", bitbucket.ErrInvalidInput, key)
	}
	var w wireProject
	if _, err := c.do(ctx, call{ep: epGetProject, args: []string{key}}, &w); err != nil {
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
