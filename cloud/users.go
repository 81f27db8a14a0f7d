package cloud

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

type wireUser struct {
	UUID        string `json:"uuid"`
	AccountID   string `json:"account_id"`
	Nickname    string `json:"nickname"`
	Username    string `json:"username"` // legacy; sent by some older payloads
	DisplayName string `json:"display_name"`
}

func toUser(w *wireUser) *bitbucket.User {
	name := w.Nickname
	if name == "" {
		name = w.Username
	}
	return &bitbucket.User{ID: w.UUID, Username: name, DisplayName: w.DisplayName}
}

type wireEmail struct {
	Email       string `json:"email"`
	IsPrimary   bool   `json:"is_primary"`
	IsConfirmed bool   `json:"is_confirmed"`
}

// CurrentUser returns the account the credentials act as. An access token has no user: its error
// wraps bitbucket.ErrNotSupported and the service's *bitbucket.APIError.
func (c *Client) CurrentUser(ctx context.Context) (*bitbucket.User, error) {
	u, _, err := c.user(ctx)
	if err != nil {
		var tok *accessTokenError
		if asAccessToken(err, &tok) {
			return nil, fmt.Errorf("%w: a Bitbucket Cloud %s acts as no user: %w", bitbucket.ErrNotSupported, tok.kind, tok.err)
		}
		return nil, err
	}
	return u, nil
}

// accessTokenError is a 401 or 403 from /user that X-Credential-Type attributes to an access token.
type accessTokenError struct {
	kind   string
	scopes []string
	err    error
}

func (e *accessTokenError) Error() string { return e.err.Error() }
func (e *accessTokenError) Unwrap() error { return e.err }

func asAccessToken(err error, target **accessTokenError) bool {
	t, ok := err.(*accessTokenError)
	if ok {
		*target = t
	}
	return ok
}

// user fetches the acting user, its email when readable, and the granted scopes.
func (c *Client) user(ctx context.Context) (*bitbucket.User, []string, error) {
	var w wireUser
	resp, err := c.do(ctx, epGetUser, nil, nil, nil, &w)
	if err != nil {
		if st := statusOf(err); (st == http.StatusUnauthorized || st == http.StatusForbidden) && isAccessToken(header(resp, headerCredentialType)) {
			return nil, nil, &accessTokenError{kind: header(resp, headerCredentialType), scopes: parseScopes(header(resp, headerScopes)), err: err}
		}
		return nil, nil, err
	}
	scopes := parseScopes(resp.Header.Get(headerScopes))
	u := toUser(&w)
	if mayReadEmail(scopes) {
		email, err := c.primaryEmail(ctx)
		if err != nil {
			return nil, nil, err
		}
		u.Email = email
	}
	return u, scopes, nil
}

// mayReadEmail reports whether asking for the email addresses can succeed: the scopes are unknown
// (API tokens may not report them), or include the OAuth "email" scope or the API-token user scope.
func mayReadEmail(scopes []string) bool {
	return len(scopes) == 0 || slices.Contains(scopes, "email") || slices.Contains(scopes, "read:user:bitbucket")
}

// primaryEmail returns the primary, confirmed address, or "" when the credentials may not read
// addresses (401, 403) or none qualifies.
func (c *Client) primaryEmail(ctx context.Context) (string, error) {
	var page paging.CloudPage[wireEmail]
	_, err := c.do(ctx, epListUserEmails, nil, pageQuery{PageLen: maxPageLen}, nil, &page)
	switch statusOf(err) {
	case 0:
		if err != nil {
			return "", err
		}
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return "", nil
	default:
		return "", err
	}
	for _, e := range page.Values {
		if e.IsPrimary && e.IsConfirmed {
			return e.Email, nil
		}
	}
	return "", nil
}
