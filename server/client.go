package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// Client is a connection to one Bitbucket Server or Data Center instance. It implements
// bitbucket.Connector and adds Data Center extras (Version, ApplicationProperties, Project). A Client is safe
// for concurrent use.
type Client struct {
	http  *httpx.Client
	base  string // normalised base URL, context path kept, no trailing slash
	creds auth.Credentials
	// limits bound every listing (bitbucket.WithListLimits).
	limits paging.Limits
	// maxFileBytes caps GetFile (bitbucket.WithMaxFileBytes).
	maxFileBytes int64

	// versionSem serialises the first fetch of the version, so that it is fetched once.
	versionSem chan struct{}
	versionMu  sync.Mutex
	version    string // "" until known
}

var (
	_ bitbucket.Connector              = (*Client)(nil)
	_ bitbucket.InheritedWebhookLister = (*Client)(nil)
)

// New returns a client for the Data Center instance at baseURL, the address users open in a
// browser, context path included (https://bitbucket.example.com or
// https://host:7990/bitbucket; a trailing slash is fine). It makes no request.
//
// baseURL must be an absolute https URL with no user info, query or fragment; plain http is
// refused unless WithAllowedHosts lets the client reach the host (a literal IP address must fall
// in one of the prefixes; a host name is checked when it is dialled). WithBaseURL is refused:
// the base URL is this function's first argument. Every error wraps bitbucket.ErrInvalidInput
// and never shows a password.
func New(baseURL string, creds auth.Credentials, opts ...bitbucket.Option) (*Client, error) {
	cfg := clientopt.Apply(opts)
	if len(cfg.Errs) > 0 {
		return nil, errors.Join(cfg.Errs...)
	}
	if cfg.BaseURL != "" {
		return nil, fmt.Errorf("%w: server.New: WithBaseURL is not accepted; pass the server's URL as the first argument", bitbucket.ErrInvalidInput)
	}
	base, err := parseBaseURL(baseURL, cfg.AllowedHosts)
	if err != nil {
		return nil, err
	}
	if creds == nil {
		creds = auth.None()
	}
	hc, err := httpx.New(bitbucket.Server, base, creds, cfg)
	if err != nil {
		return nil, err
	}
	return &Client{http: hc, base: base.String(), creds: creds, versionSem: make(chan struct{}, 1),
		limits:       paging.Limits{MaxPages: cfg.MaxPages, MaxItems: cfg.MaxItems},
		maxFileBytes: cmp.Or(cfg.MaxFileBytes, clientopt.DefaultMaxFileBytes)}, nil
}

// parseBaseURL checks and normalises a server base URL typed by a user.
func parseBaseURL(raw string, allowed []netip.Prefix) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("%w: server URL is empty", bitbucket.ErrInvalidInput)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input, which may hold a password: say only what is wrong.
		return nil, fmt.Errorf("%w: server URL is not a valid URL", bitbucket.ErrInvalidInput)
	}
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("%w: server URL must not contain user info (user:password@); pass credentials with the auth package", bitbucket.ErrInvalidInput)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%w: server URL must start with https:// (got scheme %q)", bitbucket.ErrInvalidInput, u.Scheme)
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w: server URL must be absolute, like https://bitbucket.example.com", bitbucket.ErrInvalidInput)
	case u.Fragment != "" || u.RawFragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("%w: server URL must not contain a fragment (#...)", bitbucket.ErrInvalidInput)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("%w: server URL must not contain a query (?...)", bitbucket.ErrInvalidInput)
	}
	if u.Scheme == "http" {
		if err := checkPlainHTTP(u, allowed); err != nil {
			return nil, err
		}
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

// checkPlainHTTP refuses http unless the operator allowed the host: a literal IP must fall in an
// allowed prefix; a host name needs some allowed prefix, and the HTTP stack checks the address it
// resolves to when it dials.
func checkPlainHTTP(u *url.URL, allowed []netip.Prefix) error {
	refused := fmt.Errorf("%w: plain http to %s is refused: use https, or allow the host's addresses with bitbucket.WithAllowedHosts", bitbucket.ErrInvalidInput, u.Host)
	if len(allowed) == 0 {
		return refused
	}
	addr, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]"))
	if err != nil {
		return nil // a host name: checked at dial time
	}
	addr = addr.Unmap()
	for _, p := range allowed {
		if p.Contains(addr) {
			return nil
		}
	}
	return refused
}

// Provider returns bitbucket.Server.
func (c *Client) Provider() bitbucket.Provider { return bitbucket.Server }

// BaseURL returns the server's base URL as normalised by New: context path kept, no trailing
// slash.
func (c *Client) BaseURL() string { return c.base }

// call is one request: the endpoint row, the values of its {params} in order, and what goes with
// it. Query is a struct with `url:` tags.
type call struct {
	ep         endpoint
	args       []string
	query      any
	body       any
	header     http.Header
	maxBody    int64
	idempotent bool
}

// do sends r and decodes a 2xx answer into out (nil discards it, a *[]byte takes it raw). It is
// the one place this package builds a request.
func (c *Client) do(ctx context.Context, r call, out any) (*httpx.Response, error) {
	path, err := r.ep.url(r.args...)
	if err != nil {
		return nil, err
	}
	return c.http.Do(ctx, httpx.Request{Method: r.ep.method, Path: path, Query: r.query, Body: r.body,
		Header: r.header, MaxBodyBytes: r.maxBody, Idempotent: r.idempotent}, out)
}

// repoArgs are the {projectKey} and {repositorySlug} of repo.
func repoArgs(repo bitbucket.RepoRef, more ...string) []string {
	return append([]string{repo.Namespace, repo.Slug}, more...)
}
