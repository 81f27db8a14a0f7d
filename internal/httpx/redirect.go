package httpx

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// MaxRedirects is how many same-origin redirects one attempt follows.
const MaxRedirects = 3

// errTooManyRedirects is the cause of an attempt that met more than MaxRedirects redirects.
var errTooManyRedirects = errors.New("more than 3 redirects")

// ErrWriteRedirected is the cause of a redirect answered to a POST or PATCH. net/http would
// repeat a POST as a GET after a 301, 302 or 303 (and report the GET's answer as the POST's), or
// send it again after a 307 or 308; neither is done: the write is not known to have happened.
var ErrWriteRedirected = errors.New("redirect of a write refused: the request is not repeated")

// RedirectError is the cause of a redirect that was not followed: to another origin (it matches
// bitbucket.ErrCrossOriginRedirect), one too many, or any redirect of a POST or PATCH (Method is
// set, and it matches ErrWriteRedirected). The target receives no request.
type RedirectError struct {
	Target  string // the refused target's origin (scheme://host:port), never its path or query
	TooMany bool
	Method  string // the redirected write's method, "" for the other refusals
}

// Error describes the refused redirect.
func (e *RedirectError) Error() string {
	switch {
	case e.Method != "":
		return e.Method + ": " + ErrWriteRedirected.Error()
	case e.TooMany:
		return "redirect refused: " + errTooManyRedirects.Error()
	}
	return bitbucket.ErrCrossOriginRedirect.Error() + ": to " + e.Target
}

// Is reports whether target is bitbucket.ErrCrossOriginRedirect (for a cross-origin redirect).
func (e *RedirectError) Is(target error) bool {
	return !e.TooMany && e.Method == "" && target == bitbucket.ErrCrossOriginRedirect
}

// Unwrap gives errTooManyRedirects for a redirect refused by count, ErrWriteRedirected for a
// redirected write.
func (e *RedirectError) Unwrap() error {
	switch {
	case e.Method != "":
		return ErrWriteRedirected
	case e.TooMany:
		return errTooManyRedirects
	}
	return nil
}

// checkRedirect is the http.Client redirect policy: never for a POST or PATCH; else follow only
// to the origin of the first request (same scheme, host and port), at most MaxRedirects times.
// It runs before the next request is sent, so a refused target receives nothing.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	if m := via[0].Method; m == http.MethodPost || m == http.MethodPatch {
		return &RedirectError{Target: origin(req.URL), Method: m}
	}
	if !sameOrigin(req.URL, via[0].URL) {
		return &RedirectError{Target: origin(req.URL)}
	}
	if len(via) > MaxRedirects {
		return &RedirectError{Target: origin(req.URL), TooMany: true}
	}
	return nil
}

// origin returns scheme://host:port of u, lower-cased, with the scheme's default port made
// explicit.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool { return origin(a) == origin(b) }
