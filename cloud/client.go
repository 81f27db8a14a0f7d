package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// DefaultBaseURL is the root of the Bitbucket Cloud REST API 2.0.
const DefaultBaseURL = "https://api.bitbucket.org/2.0"

// Client is a Bitbucket Cloud Connector. It is safe for concurrent use.
type Client struct {
	http *httpx.Client
	base *url.URL
	// nsConcurrency bounds the workspaces read at once across workspaces; 0 means the default.
	nsConcurrency int
}

var _ bitbucket.Connector = (*Client)(nil)

// New returns a Client that authenticates with creds (auth.Basic with the Atlassian account email
// and an API token, auth.Bearer with an access token, or auth.OAuth2). It does no I/O. The API root
// is DefaultBaseURL unless bitbucket.WithBaseURL says otherwise; a base URL must be absolute https
// (plain http only when bitbucket.WithAllowedHosts is given, for fakes on loopback), with no
// userinfo, query or fragment. Errors wrap bitbucket.ErrInvalidInput.
func New(creds auth.Credentials, opts ...bitbucket.Option) (*Client, error) {
	cfg := clientopt.Apply(opts)
	if err := errors.Join(cfg.Errs...); err != nil {
		return nil, err
	}
	raw := DefaultBaseURL
	if cfg.BaseURL != "" {
		raw = cfg.BaseURL
	}
	base, err := parseBaseURL(raw, len(cfg.AllowedHosts) > 0)
	if err != nil {
		return nil, err
	}
	if creds == nil {
		creds = auth.None()
	}
	hc, err := httpx.New(bitbucket.Cloud, base, creds, cfg)
	if err != nil {
		return nil, err
	}
	return &Client{http: hc, base: hc.BaseURL()}, nil
}

// parseBaseURL validates an API root given to New.
func parseBaseURL(raw string, allowHTTP bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: base URL: %v", bitbucket.ErrInvalidInput, errors.Unwrap(err))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return nil, fmt.Errorf("%w: base URL %s: plain http needs WithAllowedHosts", bitbucket.ErrInvalidInput, u.Redacted())
	default:
		return nil, fmt.Errorf("%w: base URL %s: want an absolute https URL", bitbucket.ErrInvalidInput, u.Redacted())
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w: base URL %s has no host", bitbucket.ErrInvalidInput, u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("%w: base URL must not carry userinfo", bitbucket.ErrInvalidInput)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("%w: base URL %s must not have a fragment", bitbucket.ErrInvalidInput, u.Redacted())
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("%w: base URL %s must not have a query", bitbucket.ErrInvalidInput, u.Redacted())
	case u.Opaque != "":
		return nil, fmt.Errorf("%w: base URL %s is not hierarchical", bitbucket.ErrInvalidInput, u.Redacted())
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// Provider returns bitbucket.Cloud.
func (c *Client) Provider() bitbucket.Provider { return bitbucket.Cloud }

// BaseURL returns the API root the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// do sends one request and marks an error that announces a removed endpoint.
func (c *Client) do(ctx context.Context, req httpx.Request, out any) (*httpx.Response, error) {
	resp, err := c.http.Do(ctx, req, out)
	if err != nil {
		return resp, classify(err)
	}
	return resp, nil
}

// statusOf returns the HTTP status of an API error, 0 for anything else.
func statusOf(err error) int {
	var ae *bitbucket.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}
