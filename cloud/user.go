package cloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// CheckConnection asks who the credentials act as (GET /user) and which scopes they hold
// (X-OAuth-Scopes). A repository, project or workspace access token has no user: Bitbucket
// answers /user with 401 or 403 and names the token in X-Credential-Type; that connection is
// working, and ConnectionInfo.User stays zero. The email is filled when the credentials may read
// it; a missing email scope is not an error.
func (c *Client) CheckConnection(ctx context.Context) (*bitbucket.ConnectionInfo, error) {
	info := &bitbucket.ConnectionInfo{Provider: bitbucket.Cloud, BaseURL: c.BaseURL()}
	u, scopes, err := c.user(ctx)
	if err != nil {
		var tok *accessTokenError
		if asAccessToken(err, &tok) {
			info.Scopes = tok.scopes
			return info, nil
		}
		return nil, err
	}
	info.User, info.Scopes = *u, scopes
	return info, nil
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
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: httpx.Path("user")}, &w)
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
	var page wireEmailPage
	_, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: httpx.Path("user", "emails"), Query: url.Values{"pagelen": {"100"}}}, &page)
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
