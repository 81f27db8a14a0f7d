package cloud

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Git usernames Bitbucket Cloud accepts with a token as the password.
const (
	gitTokenUser    = "x-token-auth"               // OAuth, repository, project and workspace access tokens
	gitAPITokenUser = "x-bitbucket-api-token-auth" // API tokens (auth.Basic with the account email)
)

// GitCredentials returns the username and password for git over HTTPS with the client's
// credentials. Bearer tokens (access tokens, OAuth) go as x-token-auth; an OAuth token is taken
// from the same token source as the API calls, so it is refreshed first when it has expired. An
// API token (auth.Basic with the Atlassian account email) goes as x-bitbucket-api-token-auth;
// other Basic credentials (a Bitbucket username and app password) go as they are. Without
// credentials the error wraps bitbucket.ErrNotSupported. No request is sent.
func (c *Client) GitCredentials(ctx context.Context) (bitbucket.GitCredentials, error) {
	authz, err := c.authorization(ctx)
	if err != nil {
		return bitbucket.GitCredentials{}, err
	}
	scheme, value, _ := strings.Cut(authz, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer") && value != "":
		return bitbucket.GitCredentials{Username: gitTokenUser, Password: value}, nil
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(value)
		user, pass, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok || pass == "" {
			break
		}
		if strings.Contains(user, "@") {
			user = gitAPITokenUser
		}
		return bitbucket.GitCredentials{Username: user, Password: pass}, nil
	}
	return bitbucket.GitCredentials{}, fmt.Errorf("%w: %s credentials carry no token for git", bitbucket.ErrNotSupported, c.creds.Scheme())
}

// authorization returns the Authorization header the credentials put on a request to the API,
// by running them over a transport that records it and sends nothing.
func (c *Client) authorization(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL()+"/user", nil)
	if err != nil {
		return "", fmt.Errorf("%w: %v", bitbucket.ErrInvalidInput, err)
	}
	var rec recorder
	resp, err := c.creds.RoundTripper(&rec).RoundTrip(req)
	if err != nil {
		return "", err
	}
	_ = resp.Body.Close()
	return rec.authorization, nil
}

// recorder is a RoundTripper that keeps the Authorization header of the request it gets and
// answers 204 without any I/O.
type recorder struct{ authorization string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.authorization = req.Header.Get("Authorization")
	return &http.Response{StatusCode: http.StatusNoContent, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}, Request: req}, nil
}
