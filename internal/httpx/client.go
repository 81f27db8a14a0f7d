package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
	"github.com/bbconnect/bbconnect/internal/hostpolicy"
	"github.com/bbconnect/bbconnect/internal/secrets"
	"github.com/go-json-experiment/json"
	"github.com/hashicorp/go-retryablehttp"
)

// Version is the library version reported in the default User-Agent.
const Version = "0.1.0"

// DefaultMaxBodyBytes caps a JSON response body decoded by Do.
const DefaultMaxBodyBytes = 32 << 20

// Client sends requests to one API origin. It is safe for concurrent use.
type Client struct {
	provider  bitbucket.Provider
	base      *url.URL
	rc        *retryablehttp.Client
	userAgent string
	maxBody   int64
	maxWait   time.Duration
	logger    *slog.Logger
	// secrets lists the forms of the secret values the credentials hold now, for redaction.
	secrets func() []string
}

// Request is one API call.
type Request struct {
	Method string // "" means GET
	// Path is appended to the base URL's path. Build it with Path so that each segment is escaped.
	Path string
	// URL, when set, replaces base+Path: an absolute URL such as a Cloud "next" link. It must be
	// on the base URL's origin, or the call fails with ErrInvalidInput before any request. Query
	// is not used with URL: the link carries its own.
	URL string
	// Query is a struct whose fields carry `url:` tags, encoded by go-querystring; nil means no
	// query. It is not used with URL.
	Query any
	// Idempotent marks a request that may be repeated after it reached the server, whatever its
	// method: a POST that is an upsert keyed by its body (a commit status) retries like a PUT.
	Idempotent bool
	// Body is encoded as JSON when not nil. It is encoded once and sent again on every retry.
	Body   any
	Header http.Header
	// MaxBodyBytes caps the JSON response body decoded into out; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Response is what Do returns besides the decoded body.
type Response struct {
	StatusCode int
	Header     http.Header // the raw response headers (X-OAuth-Scopes, rate-limit headers, ...)
	Attempts   int         // requests made, retries included
}

// New builds a client for the API rooted at base. It does no I/O.
//
// The transport under credentials and retries is cfg.Transport, else cfg.HTTPClient.Transport,
// used as they are (never cloned, so clients built from one *http.Client share its connection
// pool) behind a pre-send host check; else the built-in transport, shared by every client with
// the same RootCAs and AllowedHosts, whose dialer enforces the host policy on the address
// actually dialled. cfg.HTTPClient.Timeout bounds each attempt; its CheckRedirect and Jar are not
// used (the same-origin redirect policy applies). cfg.RootCAs applies to the built-in transport.
func New(provider bitbucket.Provider, base *url.URL, creds auth.Credentials, cfg clientopt.Config) (*Client, error) {
	if len(cfg.Errs) > 0 {
		return nil, errors.Join(cfg.Errs...)
	}
	if base == nil {
		return nil, fmt.Errorf("%w: no base URL", bitbucket.ErrInvalidInput)
	}
	if _, err := hostpolicy.SchemeIsPlain(base.Scheme); err != nil {
		return nil, err
	}
	if base.Host == "" {
		return nil, fmt.Errorf("%w: base URL has no host", bitbucket.ErrInvalidInput)
	}
	if base.User != nil {
		return nil, fmt.Errorf("%w: base URL must not carry credentials (userinfo)", bitbucket.ErrInvalidInput)
	}
	if err := refuseDotSegments(base.EscapedPath()); err != nil {
		return nil, err
	}
	if creds == nil {
		creds = auth.None()
	}
	var callerRT http.RoundTripper
	var timeout time.Duration
	if cfg.HTTPClient != nil {
		callerRT = cfg.HTTPClient.Transport
		timeout = cfg.HTTPClient.Timeout
	}
	if cfg.Transport != nil {
		callerRT = cfg.Transport
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "bbconnect-go/" + Version
	}
	b := *base
	b.Path = strings.TrimSuffix(b.Path, "/")
	b.RawPath = ""
	b.RawQuery, b.Fragment, b.RawFragment = "", "", ""
	c := &Client{
		provider:  provider,
		base:      &b,
		userAgent: ua,
		maxBody:   DefaultMaxBodyBytes,
		maxWait:   max(cfg.MaxWait, 0),
		logger:    cfg.Logger,
		secrets:   secrets.Of(creds),
	}
	hc := &http.Client{
		// roundTripOnly hides any CloseIdleConnections of the shared transport from
		// go-retryablehttp, which calls it after each failed call.
		Transport:     roundTripOnly{creds.RoundTripper(hostpolicy.RoundTripper(callerRT, cfg.RootCAs, cfg.AllowedHosts))},
		CheckRedirect: checkRedirect,
		Timeout:       timeout,
	}
	c.rc = c.newRetryClient(hc, max(cfg.MaxRetries, 0))
	return c, nil
}

// roundTripOnly exposes RoundTrip and nothing else of the wrapped round tripper.
type roundTripOnly struct{ rt http.RoundTripper }

func (r roundTripOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	return r.rt.RoundTrip(req)
}

// BaseURL returns a copy of the API root.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// Provider returns the provider the client was built for.
func (c *Client) Provider() bitbucket.Provider { return c.provider }

// Path joins segments into an escaped path that starts with a slash. Each segment is escaped on
// its own, so a slash or brace inside one cannot change the route; a segment "." or ".." (which
// escaping leaves as it is) makes Do fail with ErrInvalidInput before any request.
func Path(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// Do sends req and, on a 2xx answer, decodes its JSON body into out (nil discards it; a *[]byte
// receives the body as it is, for plain-text endpoints). Any other answer, and any failure to get
// or decode one, is an *bitbucket.APIError; an invalid req is an error wrapping
// bitbucket.ErrInvalidInput, returned before any request. Whenever a response arrived, its
// Response is returned too, errors included, so that callers can read its headers.
//
// Every text of a returned *APIError that a server could have written (Message, Details, Code,
// RequestID, URL, the cause's text) is scrubbed of the secret values the client holds, and of the
// secrets the request body carries, in their escaped and base64 forms.
func (c *Client) Do(ctx context.Context, req Request, out any) (*Response, error) {
	st := &callState{}
	resp, err := c.do(ctx, req, out, st)
	if err != nil {
		err = scrubError(err, c.scrubber(st))
	}
	return resp, err
}

// do is Do before the redaction of its error; st is filled as the call proceeds.
func (c *Client) do(ctx context.Context, req Request, out any, st *callState) (*Response, error) {
	if ctx == nil {
		return nil, fmt.Errorf("%w: nil context", bitbucket.ErrInvalidInput)
	}
	target, err := c.target(req)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	var body any // untyped nil: no body at all
	if req.Body != nil {
		b, err := json.Marshal(req.Body, encodeOptions)
		if err != nil {
			return nil, fmt.Errorf("%w: encode request body: %v", bitbucket.ErrInvalidInput, err)
		}
		body = b
		st.bodySecrets = bodySecrets(b)
	}
	st.method, st.idempotent, st.host, st.path = method, req.Idempotent || idempotent(method), target.Host, target.EscapedPath()
	ctx = context.WithValue(ctx, stateKey{}, st)
	redactedURL := RedactURL(target)
	rr, err := retryablehttp.NewRequestWithContext(ctx, method, target.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%w: build request %s %s: %s", bitbucket.ErrInvalidInput, method, redactedURL, safeErrorText(err))
	}
	for k, v := range req.Header {
		rr.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	rr.Header.Set("User-Agent", c.userAgent)
	if rr.Header.Get("Accept") == "" {
		rr.Header.Set("Accept", "application/json")
	}
	if body != nil && rr.Header.Get("Content-Type") == "" {
		rr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.rc.Do(rr)
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		return nil, c.transportError(method, redactedURL, st, err)
	}
	defer func() {
		// Drain a little so that the connection can be reused, then close.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}()
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Attempts: st.attempts}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r, c.decodeError(method, redactedURL, resp, st.attempts)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent || method == http.MethodHead {
		return r, nil
	}
	limit := req.MaxBodyBytes
	if limit <= 0 {
		limit = c.maxBody
	}
	if raw, ok := out.(*[]byte); ok {
		return r, c.readRaw(method, redactedURL, resp, st.attempts, raw, limit)
	}
	if err := c.decodeJSON(method, redactedURL, resp, st.attempts, out, limit); err != nil {
		return r, err
	}
	return r, nil
}

// target resolves the URL of req, refusing an absolute URL on another origin or carrying
// userinfo.
func (c *Client) target(req Request) (*url.URL, error) {
	if req.URL != "" {
		u, err := url.Parse(req.URL)
		if err != nil {
			return nil, fmt.Errorf("%w: unparsable link", bitbucket.ErrInvalidInput)
		}
		if !u.IsAbs() || !sameOrigin(u, c.base) {
			return nil, fmt.Errorf("%w: link to another origin refused", bitbucket.ErrInvalidInput)
		}
		if u.User != nil {
			return nil, fmt.Errorf("%w: link carries userinfo", bitbucket.ErrInvalidInput)
		}
		u.Fragment, u.RawFragment = "", ""
		if err := refuseDotSegments(u.EscapedPath()); err != nil {
			return nil, err
		}
		return u, nil
	}
	if req.Path != "" && !strings.HasPrefix(req.Path, "/") {
		return nil, fmt.Errorf("%w: path must start with a slash", bitbucket.ErrInvalidInput)
	}
	u := *c.base
	escaped := c.base.EscapedPath() + req.Path
	if err := refuseDotSegments(escaped); err != nil {
		return nil, err
	}
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, fmt.Errorf("%w: path is not validly escaped", bitbucket.ErrInvalidInput)
	}
	u.Path, u.RawPath = p, escaped
	q, err := encodeQuery(req.Query)
	if err != nil {
		return nil, err
	}
	u.RawQuery = q
	return &u, nil
}
