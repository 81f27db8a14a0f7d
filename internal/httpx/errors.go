package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// safeError keeps an underlying error reachable by errors.Is and errors.As while its own text is
// scrubbed of anything that looks like a credential.
type safeError struct {
	err error
	msg string
}

func (e *safeError) Error() string { return e.msg }
func (e *safeError) Unwrap() error { return e.err }

// sanitize returns err without the *url.Error that net/http puts around it (its text holds the
// full URL; the APIError carries a redacted one), with a scrubbed text. Context errors are kept
// as they are, so that err == context.Canceled comparisons keep working.
func sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue == err {
		err = ue.Err
	}
	if err == context.Canceled || err == context.DeadlineExceeded {
		return err
	}
	msg := err.Error()
	if strings.Contains(msg, "failed to parse Location header") {
		// net/http quotes the whole header, which the server wrote and may fill with anything.
		msg = "redirect refused: unparsable Location header"
	}
	return &safeError{err: err, msg: scrubText(msg)}
}

// safeErrorText is the text of sanitize(err), for logs.
func safeErrorText(err error) string { return sanitize(err).Error() }

// transportError makes the *APIError of a call that got no usable response: a transport failure,
// a policy refusal, a refused redirect or a cancelled context. Err keeps the cause.
func (c *Client) transportError(method, redactedURL string, st *callState, err error) *bitbucket.APIError {
	e := &bitbucket.APIError{
		Provider: c.provider,
		Method:   method,
		URL:      redactedURL,
		Attempts: st.attempts,
		Err:      sanitize(err),
	}
	// A refused redirect did get an answer, the redirect itself: keep its status.
	var re *RedirectError
	if errors.As(err, &re) {
		e.StatusCode = st.lastStatus
	}
	return e
}

// decodeError turns a non-2xx response into an *APIError, reading at most maxErrorBody bytes of
// its body.
func (c *Client) decodeError(method, redactedURL string, resp *http.Response, attempts int) *bitbucket.APIError {
	e := &bitbucket.APIError{
		Provider:   c.provider,
		StatusCode: resp.StatusCode,
		Method:     method,
		URL:        redactedURL,
		Attempts:   attempts,
		RequestID:  requestID(resp.Header),
	}
	if ra, ok := retryAfter(resp); ok {
		e.RetryAfter = ra
	}
	body, err := readCapped(resp.Body, maxErrorBody)
	fillFromBody(e, resp.Header.Get("Content-Type"), body)
	if err != nil && len(body) == 0 {
		e.Err = sanitize(err)
	}
	return e
}

// requestID returns the first request id header the service sent.
func requestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "X-Request-UUID", "X-B3-TraceId"} {
		if v := h.Get(k); v != "" {
			return clean(v, 128)
		}
	}
	return ""
}
