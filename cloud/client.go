package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// DefaultBaseURL is the root of the Bitbucket Cloud REST API 2.0.
const DefaultBaseURL = "https://api.bitbucket.org/2.0"

// Client is a Bitbucket Cloud Connector. It is safe for concurrent use.
type Client struct {
	http *httpx.Client
	base *url.URL
	// nsConcurrency bounds the workspaces read at once across workspaces; 0 means the default.
	nsConcurrency int
	creds         auth.Credentials
	limits        paging.Limits // page and item caps of every listing
	maxFileBytes  int64         // GetFile's cap
	admins        *adminCache   // the workspaces the caller administers, read at most once a minute
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
	return &Client{http: hc, base: hc.BaseURL(), creds: creds, admins: newAdminCache(),
		limits:       paging.Limits{MaxPages: cfg.MaxPages, MaxItems: cfg.MaxItems},
		maxFileBytes: cfg.MaxFileBytes}, nil
}

// parseBaseURL validates an API root given to New. Its errors never quote the URL, which may
// carry a token (in userinfo or a query) by mistake.
func parseBaseURL(raw string, allowHTTP bool) (*url.URL, error) {
	bad := func(why string) error { return fmt.Errorf("%w: base URL %s", bitbucket.ErrInvalidInput, why) }
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, bad("does not parse as a URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return nil, bad("is plain http, which needs WithAllowedHosts")
	default:
		return nil, bad("is not an absolute https URL")
	}
	switch {
	case u.User != nil:
		return nil, bad("must not carry userinfo")
	case u.Host == "" || u.Hostname() == "":
		return nil, bad("has no host")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, bad("must not have a fragment")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, bad("must not have a query")
	case u.Opaque != "":
		return nil, bad("is not hierarchical")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// Provider returns bitbucket.Cloud.
func (c *Client) Provider() bitbucket.Provider { return bitbucket.Cloud }

// BaseURL returns the API root the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// do is the one request helper: it sends ep with the template filled from args, query (a
// struct with url tags, or nil) and body (JSON, or nil), decodes a 2xx answer into out, and marks
// an error that announces a removed endpoint. Whenever a response arrived it is returned, errors
// included, for its headers.
func (c *Client) do(ctx context.Context, ep endpoint, args []string, query, body, out any) (*httpx.Response, error) {
	return c.doRequest(ctx, ep, args, httpx.Request{Query: query, Body: body}, out)
}

// doRequest is do with the rest of the request given in req (Idempotent, Header, MaxBodyBytes
// as well as Query and Body); its Method and Path come from ep and args.
func (c *Client) doRequest(ctx context.Context, ep endpoint, args []string, req httpx.Request, out any) (*httpx.Response, error) {
	path, err := ep.expand(args...)
	if err != nil {
		return nil, err
	}
	req.Method, req.Path, req.URL = ep.method, path, ""
	return c.send(ctx, req, out)
}

// follow GETs a pagination link (a next link from an answer, or one a cursor carries) after
// checking that it stays in the API.
func (c *Client) follow(ctx context.Context, link string, out any) (*httpx.Response, error) {
	if err := c.checkLink(link); err != nil {
		return nil, err
	}
	return c.send(ctx, httpx.Request{Method: http.MethodGet, URL: link}, out)
}

// send is the transport step shared by do and follow.
func (c *Client) send(ctx context.Context, req httpx.Request, out any) (*httpx.Response, error) {
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

// maxPageLen is the largest pagelen Bitbucket Cloud honours on the lists this package reads.
const maxPageLen = 100

// pageLen returns the pagelen to ask for: the maximum when n is 0, at most the maximum otherwise.
func pageLen(n int) (int, error) {
	switch {
	case n < 0:
		return 0, fmt.Errorf("%w: PageSize %d is negative", bitbucket.ErrInvalidInput, n)
	case n == 0 || n > maxPageLen:
		return maxPageLen, nil
	}
	return n, nil
}

// checkLink accepts a pagination link only when it points into this client's API: same scheme,
// same host, under the base path, with no userinfo or fragment, and no "." or ".." segment, raw
// or escaped, that the server would resolve out of the API root. A cursor is checked with it
// before any request is sent, so a forged cursor cannot aim the client (and its credentials)
// elsewhere.
func (c *Client) checkLink(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.User != nil || u.Fragment != "" || u.Opaque != "" ||
		!strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
		return fmt.Errorf("%w: pagination link is not on the API origin %s://%s", bitbucket.ErrInvalidInput, c.base.Scheme, c.base.Host)
	}
	for seg := range strings.SplitSeq(u.EscapedPath(), "/") {
		s, err := url.PathUnescape(seg)
		if err != nil || s == "." || s == ".." {
			return fmt.Errorf("%w: pagination link has a dot segment", bitbucket.ErrInvalidInput)
		}
	}
	if p := c.base.Path; p != "" && u.Path != p && !strings.HasPrefix(u.Path, p+"/") {
		return fmt.Errorf("%w: pagination link is outside the API root %s", bitbucket.ErrInvalidInput, c.base.Path)
	}
	return nil
}

// listPages returns the page getter of paging.NextLinks for one list: link "" is the first page,
// ep with args and query; any other link is followed as it came, after checkLink. A next link
// that leaves the API fails the page it came with. Each page's values are decoded into a slice
// of capacity pageLen, the size asked for, so that decoding does not grow it step by step.
func listPages[W any](c *Client, ep endpoint, args []string, query any, pageLen int) func(context.Context, string) (paging.CloudPage[W], error) {
	return func(ctx context.Context, link string) (paging.CloudPage[W], error) {
		p := paging.CloudPage[W]{Values: make([]W, 0, pageLen)}
		var err error
		if link == "" {
			_, err = c.do(ctx, ep, args, query, nil, &p)
		} else {
			_, err = c.follow(ctx, link, &p)
		}
		if err != nil {
			return paging.CloudPage[W]{}, err
		}
		if p.Next != "" {
			if err := c.checkLink(p.Next); err != nil {
				return paging.CloudPage[W]{}, err
			}
		}
		return p, nil
	}
}

// pageQuery is the query of a first page that only sets its size.
type pageQuery struct {
	PageLen int `url:"pagelen"`
}

// answerError is the *bitbucket.APIError of a 2xx answer that cannot be used (a create whose
// answer names no id).
func (c *Client) answerError(resp *httpx.Response, ep endpoint, msg string) error {
	e := &bitbucket.APIError{Provider: bitbucket.Cloud, Method: ep.method, URL: c.BaseURL() + ep.path, Message: msg}
	if resp != nil {
		e.StatusCode, e.Attempts = resp.StatusCode, resp.Attempts
	}
	return e
}
