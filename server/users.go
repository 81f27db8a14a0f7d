package server

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// wireUser is RestDetailedUser (and the smaller RestApplicationUser).
type wireUser struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Slug         string `json:"slug"`
	DisplayName  string `json:"displayName"`
	EmailAddress string `json:"emailAddress"`
}

// usersQuery is the query of GET /users.
type usersQuery struct {
	Filter string `url:"filter"`
	pageQuery
}

// userFilterLimit is the page size of a user lookup by filter.
const userFilterLimit = 100

func toUser(w *wireUser) *bitbucket.User {
	u := &bitbucket.User{Username: w.Slug, DisplayName: w.DisplayName, Email: w.EmailAddress}
	if u.Username == "" {
		u.Username = w.Name
	}
	if w.ID != 0 {
		u.ID = strconv.FormatInt(w.ID, 10)
	}
	return u
}

// user reads the record of the user named name (getUser). The slug is usually the name; when it
// is not (names with characters a slug cannot hold), the user is looked up by filter (getUsers_2)
// and matched exactly. A user whose record the credentials may not read (the bot user of a project
// or repository access token, which the server may answer 401, 403 or 404 for) is returned with
// its name only: the name came from the server, so the credentials work.
func (c *Client) user(ctx context.Context, name string) (*bitbucket.User, error) {
	var w wireUser
	_, err := c.do(ctx, call{ep: epGetUser, args: []string{name}}, &w)
	switch {
	case err == nil:
		return toUser(&w), nil
	case !recordHidden(err):
		return nil, err
	case !errors.Is(err, bitbucket.ErrNotFound):
		return &bitbucket.User{Username: name}, nil // the record exists but is not readable
	}
	src := startsSource(c, epListUsers, nil, func(at paging.StartAt) any {
		return usersQuery{Filter: name, pageQuery: pageOf(at)}
	}, func(w *wireUser) wireUser { return *w }) // a copy: the page's buffer is reused

	for u, err := range paging.Iterate(ctx, paging.StartAt{Limit: userFilterLimit}, c.limits, src) {
		if err != nil {
			if recordHidden(err) {
				break
			}
			return nil, err
		}
		if strings.EqualFold(u.Name, name) {
			return toUser(&u), nil
		}
	}
	return &bitbucket.User{Username: name}, nil
}

// recordHidden reports an answer that says a user record is missing or not readable with these
// credentials, as opposed to a failure of the request.
func recordHidden(err error) bool {
	return errors.Is(err, bitbucket.ErrNotFound) || errors.Is(err, bitbucket.ErrForbidden) || errors.Is(err, bitbucket.ErrUnauthorized)
}
