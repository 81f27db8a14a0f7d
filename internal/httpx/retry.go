package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/hashicorp/go-retryablehttp"
)

// baseBackoff is the first wait of the exponential backoff, before jitter.
const baseBackoff = time.Second

// callState follows one call to Do across its attempts. It travels in the request's context,
// which go-retryablehttp hands to every hook; the hooks run one after the other on the calling
// goroutine.
type callState struct {
	method     string
	idempotent bool // the request may be repeated after it reached the server
	host, path string
	attempts   int       // attempts started
	start      time.Time // start of the current attempt
	lastStatus int       // status of the last response, 0 when none
	// bodySecrets are the forms of the secrets the request body carries, for redaction.
	bodySecrets []string
}

type stateKey struct{}

func stateFrom(ctx context.Context) *callState {
	if st, ok := ctx.Value(stateKey{}).(*callState); ok {
		return st
	}
	return &callState{} // unreachable from Do; keeps the hooks total
}

// newRetryClient wires go-retryablehttp around hc: this package's retry policy, backoff and
// attempt accounting, and no logger of its own.
func (c *Client) newRetryClient(hc *http.Client, maxRetries int) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient: hc,
		Logger:     nil,
		RetryMax:   maxRetries,
		RequestLogHook: func(_ retryablehttp.Logger, r *http.Request, _ int) {
			st := stateFrom(r.Context())
			st.attempts++
			st.start = time.Now()
		},
		CheckRetry: c.checkRetry,
		Backoff:    c.backoff,
		// Keep the last response so that Do can decode it into an *APIError.
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			if err != nil {
				if resp != nil {
					_ = resp.Body.Close()
				}
				return nil, err
			}
			return resp, nil
		},
	}
}

// checkRetry is called once after every attempt: it logs the attempt and decides whether another
// one may follow.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateFrom(ctx)
	st.lastStatus = 0
	if resp != nil {
		st.lastStatus = resp.StatusCode
	}
	c.logAttempt(ctx, st, resp, err)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return retryableError(st.idempotent, err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		// The server refused before doing anything, so any method may be repeated.
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if !st.idempotent {
			return false, nil // the server may have acted: never repeat a POST or PATCH
		}
	default:
		return false, nil
	}
	if ra, ok := retryAfter(resp); ok && ra > c.maxWait {
		return false, nil // longer than we may wait: fail now, with RetryAfter on the error
	}
	return true, nil
}

// idempotent reports whether a request with this method may be repeated after it reached the
// server.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retryableError decides on a failure with no response. Errors of policy, trust and credentials
// are final; a failed dial (nothing was sent) may be repeated for any method; other transport
// errors only for idempotent requests.
func retryableError(idempotent bool, err error) bool {
	var (
		uae  x509.UnknownAuthorityError
		cie  x509.CertificateInvalidError
		he   x509.HostnameError
		cve  *tls.CertificateVerificationError
		rhe  tls.RecordHeaderError
		ae   tls.AlertError
		dnse *net.DNSError
		ope  *net.OpError
	)
	switch {
	case errors.Is(err, bitbucket.ErrDisallowedHost),
		errors.Is(err, bitbucket.ErrCrossOriginRedirect),
		errors.Is(err, bitbucket.ErrInvalidInput),
		errors.Is(err, errTooManyRedirects),
		errors.Is(err, ErrWriteRedirected),
		errors.Is(err, auth.ErrTokenSource),
		errors.As(err, &uae), errors.As(err, &cie), errors.As(err, &he), errors.As(err, &cve),
		errors.As(err, &rhe), errors.As(err, &ae):
		return false
	case errors.As(err, &dnse):
		return !dnse.IsNotFound
	case errors.As(err, &ope) && ope.Op == "dial":
		return true
	}
	return idempotent
}

// backoff returns the wait before attempt n+1: the server's Retry-After when it sent one we may
// honour, else an exponential backoff with jitter, at most maxWait.
func (c *Client) backoff(_, _ time.Duration, n int, resp *http.Response) time.Duration {
	if ra, ok := retryAfter(resp); ok && ra <= c.maxWait {
		return ra
	}
	d := c.maxWait
	if n < 30 {
		if e := baseBackoff << n; e < d {
			d = e
		}
	}
	if d <= 0 {
		return 0
	}
	// Equal jitter: half fixed, half random, so that many clients do not retry in step.
	half := d / 2
	return half + rand.N(d-half+1)
}

// maxRetryAfter bounds a parsed Retry-After so that arithmetic on it cannot overflow.
const maxRetryAfter = 365 * 24 * time.Hour

// retryAfter parses the Retry-After of a 429 or 503 answer: delay-seconds or an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		switch {
		case secs < 0:
			return 0, false // a negative delay (or one below the range of int64) is no delay
		case secs > int64(maxRetryAfter/time.Second):
			// Longer than maxRetryAfter, or more seconds than int64 holds: the cap, not absent.
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := time.Until(t)
	switch {
	case d < 0:
		d = 0
	case d > maxRetryAfter:
		d = maxRetryAfter
	}
	return d.Round(time.Second), true
}
