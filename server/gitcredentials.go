package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// GitCredentials returns the username and password for git over HTTPS with the client's
// credentials: for auth.Basic its user and password; for a token (auth.Bearer, auth.OAuth2) the
// user the token acts as (X-AUSERNAME, else the whoami servlet) and the token, fresh from its
// source. auth.None has no git credentials: an error wrapping bitbucket.ErrUnauthorized.
func (c *Client) GitCredentials(ctx context.Context) (bitbucket.GitCredentials, error) {
	scheme, value, err := c.authorization(ctx)
	if err != nil {
		return bitbucket.GitCredentials{}, err
	}
	switch {
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(value)
		user, pass, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok {
			return bitbucket.GitCredentials{}, fmt.Errorf("%w: basic credentials cannot be read", bitbucket.ErrInvalidInput)
		}
		return bitbucket.GitCredentials{Username: user, Password: pass}, nil
	case strings.EqualFold(scheme, "Bearer"):
		_, resp, err := c.applicationProperties(ctx)
		if err != nil {
			return bitbucket.GitCredentials{}, err
		}
		name, err := c.actingName(ctx, resp.Header)
		if err != nil {
			return bitbucket.GitCredentials{}, err
		}
		return bitbucket.GitCredentials{Username: name, Password: value}, nil
	}
	return bitbucket.GitCredentials{}, fmt.Errorf("%w: these credentials carry no secret git can use", bitbucket.ErrUnauthorized)
}

// authorization is the Authorization header the credentials put on a request, split into scheme
// and value. It is read by running the credentials' round tripper over a transport that answers
// locally: nothing is sent.
func (c *Client) authorization(ctx context.Context) (scheme, value string, err error) {
	if c.creds.Scheme() == "none" {
		return "", "", fmt.Errorf("%w: auth.None has no git credentials", bitbucket.ErrUnauthorized)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base, nil)
	if err != nil {
		return "", "", fmt.Errorf("%w: base URL", bitbucket.ErrInvalidInput)
	}
	var seen string
	capture := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r.Header.Get("Authorization")
		return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
	})
	resp, err := c.creds.RoundTripper(capture).RoundTrip(req)
	if err != nil {
		return "", "", err // the credentials' own failure (a token source), already safe to show
	}
	_ = resp.Body.Close()
	scheme, value, _ = strings.Cut(seen, " ")
	return scheme, strings.TrimSpace(value), nil
}

// roundTripFunc is a function as an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
