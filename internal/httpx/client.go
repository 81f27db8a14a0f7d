// Package httpx is the one HTTP stack of the module: transport and host policy, credentials,
// retries and backoff, the redirect policy, error decoding into *bitbucket.APIError, capped
// streaming JSON decoding, logging and redaction. Nothing else in the module talks HTTP.
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
)

// Version is the library version reported in the default User-Agent.
const Version = "0.1.0"

// DefaultMaxBodyBytes caps a JSON response body decoded by Do.
const DefaultMaxBodyBytes = 32 << 20

// Client sends requests to one API origin.
type Client struct {
	provider  bitbucket.Provider
	base      *url.URL
	hc        *http.Client
	userAgent string
	maxBody   int64
	cfg       clientopt.Config
}

// Request is one API call.
type Request struct {
	Method string
	// Path is appended to the base URL's path. Build it with Path so that each segment is escaped.
	Path string
	// URL, when set, replaces base+Path: an absolute URL such as a Cloud "next" link. It must be
	// on the base URL's origin, or the call fails with ErrInvalidInput before any request.
	URL   string
	Query url.Values
	// Body is encoded as JSON when not nil.
	Body   any
	Header http.Header
}

// Response is what Do returns besides the decoded body.
type Response struct {
	StatusCode int
	Header     http.Header
}

// New builds a client for the API rooted at base.
func New(provider bitbucket.Provider, base *url.URL, creds auth.Credentials, cfg clientopt.Config) (*Client, error) {
	if creds == nil {
		creds = auth.None()
	}
	var baseRT http.RoundTripper = http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		baseRT = cfg.HTTPClient.Transport
	}
	if cfg.Transport != nil {
		baseRT = cfg.Transport
	}
	hc := &http.Client{Transport: creds.RoundTripper(baseRT)}
	if cfg.HTTPClient != nil {
		hc.Timeout = cfg.HTTPClient.Timeout
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "bbconnect-go/" + Version
	}
	b := *base
	b.Path = strings.TrimSuffix(b.Path, "/")
	b.RawPath = ""
	return &Client{provider: provider, base: &b, hc: hc, userAgent: ua, maxBody: DefaultMaxBodyBytes, cfg: cfg}, nil
}

// BaseURL returns a copy of the API root.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// Path joins segments into an escaped path that starts with a slash. Each segment is escaped on
// its own, so a slash or brace inside one cannot change the route.
func Path(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// Do sends req and, on a 2xx answer, decodes its JSON body into out (nil discards it; a *[]byte
// receives the raw body, for plain-text endpoints). Any other answer is an *bitbucket.APIError.
func (c *Client) Do(ctx context.Context, req Request, out any) (*Response, error) {
	target, err := c.target(req)
	if err != nil {
		return nil, err
	}
	var body []byte
	if req.Body != nil {
		if body, err = json.Marshal(req.Body); err != nil {
			return nil, fmt.Errorf("%w: encode request: %v", bitbucket.ErrInvalidInput, err)
		}
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: build request: %v", bitbucket.ErrInvalidInput, err)
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	hr.Header.Set("User-Agent", c.userAgent)
	hr.Header.Set("Accept", "application/json")
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(hr)
	if err != nil {
		return nil, &bitbucket.APIError{Provider: c.provider, Method: req.Method, URL: RedactURL(target), Attempts: 1, Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(c.provider, hr, resp, 1)
	}
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header}
	if raw, ok := out.(*[]byte); ok {
		// A *[]byte asks for the body as it is, for the few plain-text endpoints.
		b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody))
		if err != nil {
			return r, &bitbucket.APIError{Provider: c.provider, StatusCode: resp.StatusCode, Method: req.Method, URL: RedactURL(target),
				Message: "reading the response failed", Attempts: 1, Err: err}
		}
		*raw = b
		return r, nil
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return r, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, c.maxBody)).Decode(out); err != nil {
		return r, &bitbucket.APIError{Provider: c.provider, StatusCode: resp.StatusCode, Method: req.Method, URL: RedactURL(target),
			Message: "response is not the JSON expected", Attempts: 1, Err: err}
	}
	return r, nil
}

// target resolves the URL of req, refusing an absolute URL on another origin.
func (c *Client) target(req Request) (*url.URL, error) {
	if req.URL != "" {
		u, err := url.Parse(req.URL)
		if err != nil || !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
			return nil, fmt.Errorf("%w: link to another origin refused", bitbucket.ErrInvalidInput)
		}
		return u, nil
	}
	u := *c.base
	u.RawPath = ""
	escaped := c.base.EscapedPath() + req.Path
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, fmt.Errorf("%w: path %q: %v", bitbucket.ErrInvalidInput, req.Path, err)
	}
	u.Path, u.RawPath = p, escaped
	u.RawQuery = req.Query.Encode()
	return &u, nil
}

// decodeError turns a non-2xx response into an APIError.
func decodeError(p bitbucket.Provider, req *http.Request, resp *http.Response, attempts int) *bitbucket.APIError {
	e := &bitbucket.APIError{Provider: p, StatusCode: resp.StatusCode, Method: req.Method, URL: RedactURL(req.URL), Attempts: attempts,
		RequestID: resp.Header.Get("X-Request-Id")}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var env struct {
		Error *struct {
			Message string          `json:"message"`
			Detail  json.RawMessage `json:"detail"`
			ID      string          `json:"id"`
		} `json:"error"`
		Errors []struct {
			Message       string `json:"message"`
			ExceptionName string `json:"exceptionName"`
		} `json:"errors"`
	}
	if json.Unmarshal(raw, &env) == nil {
		switch {
		case env.Error != nil:
			e.Message = env.Error.Message
		case len(env.Errors) > 0:
			e.Message, e.Code = env.Errors[0].Message, env.Errors[0].ExceptionName
			for _, x := range env.Errors[1:] {
				e.Details = append(e.Details, x.Message)
			}
		}
		return e
	}
	e.Message = strings.TrimSpace(string(raw))
	if len(e.Message) > 200 {
		e.Message = e.Message[:200]
	}
	return e
}

// RedactURL returns u as a string with userinfo removed and the values of secret-bearing query
// keys masked.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	r.User = nil
	if r.RawQuery != "" {
		q := r.Query()
		for k := range q {
			switch strings.ToLower(k) {
			case "access_token", "token", "client_secret", "code", "refresh_token", "state", "secret", "password":
				q[k] = []string{"REDACTED"}
			}
		}
		r.RawQuery = q.Encode()
	}
	return r.String()
}
