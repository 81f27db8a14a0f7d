package bitbucket

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. Match them with errors.Is; HTTP failures are *APIError values whose Is method
// maps their status onto these.
var (
	ErrNotFound            = errors.New("bitbucket: not found")
	ErrUnauthorized        = errors.New("bitbucket: unauthorized")
	ErrForbidden           = errors.New("bitbucket: forbidden")
	ErrConflict            = errors.New("bitbucket: conflict")
	ErrRateLimited         = errors.New("bitbucket: rate limited")
	ErrInvalidInput        = errors.New("bitbucket: invalid input")
	ErrNotSupported        = errors.New("bitbucket: not supported")
	ErrDisallowedHost      = errors.New("bitbucket: host not allowed")
	ErrCrossOriginRedirect = errors.New("bitbucket: cross-origin redirect refused")
	ErrPaginationStalled   = errors.New("bitbucket: pagination stalled")
)

// authorisationException is the suffix of the Data Center exception name for a valid credential
// that lacks a permission; Data Center answers it with 401.
const authorisationException = "AuthorisationException"

// APIError is an HTTP failure: a response outside 2xx, or a request refused by policy after it
// was built. Every field is safe to log: URL is redacted and no credential is ever kept.
type APIError struct {
	Provider   Provider
	StatusCode int // 0 when no response was received
	Method     string
	URL        string // redacted: no userinfo, no values of secret-bearing query keys
	// Message is the service's own message (Cloud error.message, Data Center errors[0].message),
	// or a short excerpt of a plain-text body.
	Message string
	Details []string
	// RequestID is the service's request id, when it sends one.
	RequestID string
	// Code is the Data Center exceptionName or the Cloud error key, when given.
	Code string
	// RetryAfter is how long the service asked to wait, on 429, when known.
	RetryAfter time.Duration
	// Attempts is how many requests were made, retries included.
	Attempts int
	// Err is the underlying cause when there is one (a policy sentinel, a transport error); it is
	// reached by errors.Is and errors.As through Unwrap.
	Err error
}

// Error describes the failure in one line.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("bitbucket")
	if e.Provider != "" {
		b.WriteString(" " + string(e.Provider))
	}
	b.WriteString(": ")
	if e.Method != "" || e.URL != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	} else {
		b.WriteString("no response")
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if len(e.Details) > 0 {
		b.WriteString(" [" + strings.Join(e.Details, "; ") + "]")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *APIError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Is maps the status code onto the sentinels: 404 ErrNotFound, 401 ErrUnauthorized, 403
// ErrForbidden, 409 ErrConflict, 429 ErrRateLimited, 400 and 422 ErrInvalidInput. A Data Center 401
// whose Code names an AuthorisationException (a valid credential that lacks a permission) is
// ErrForbidden, not ErrUnauthorized, so that missing rights read the same on both providers.
func (e *APIError) Is(target error) bool {
	if e == nil {
		return false
	}
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized && !e.isAuthorisation()
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden ||
			(e.StatusCode == http.StatusUnauthorized && e.isAuthorisation())
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrInvalidInput:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	}
	return false
}

func (e *APIError) isAuthorisation() bool {
	return strings.HasSuffix(e.Code, authorisationException)
}
