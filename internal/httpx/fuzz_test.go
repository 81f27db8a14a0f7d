package httpx

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

// FuzzDecodeError feeds arbitrary bodies, statuses and headers to the error decoder: it must never
// panic, and what it makes must be bounded, printable, single-line text.
func FuzzDecodeError(f *testing.F) {
	seeds := []struct {
		status      int
		ctype, body string
	}{
		{404, "application/json", `{"type":"error","error":{"message":"Not found","detail":"x","data":{"key":"k"}}}`},
		{403, "application/json", `{"type":"error","error":{"message":"m","detail":{"required":["a"],"granted":[]},"data":{"announcement_url":"u"}}}`},
		{401, "application/json", `{"errors":[{"context":null,"message":"m","exceptionName":"x.AuthorisationException"},{"message":"n"}]}`},
		{429, "text/plain", "Rate limit for this resource has been exceeded"},
		{502, "text/html", "<html><head><title>502 Bad Gateway</title></head></html>"},
		{400, "", `{"error":"invalid_grant","error_description":"d"}`},
		{500, "", `{"error":{"message":7,"detail":[1,{"a":null}],"data":"s"}}`},
		{500, "", `{"errors":{"message":"not an array"}}`},
		{500, "", "<title>" + strings.Repeat("t", 300) + "</title>"},
		{503, "", "\x00\xff\xfe line\nbreak\u2028"},
		{503, "text/html", "<html>\xff\xff\u023a<title>t</title>"},
	}
	for _, s := range seeds {
		f.Add(s.status, s.ctype, "120", []byte(s.body))
	}
	c := &Client{provider: bitbucket.Cloud}
	f.Fuzz(func(t *testing.T, status int, ctype, retryAfter string, body []byte) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		resp.Header.Set("Content-Type", ctype)
		resp.Header.Set("Retry-After", retryAfter)
		e := c.decodeError("GET", "https://api.bitbucket.org/2.0/x", resp, 1)
		if e.StatusCode != status {
			t.Fatalf("status %d, want %d", e.StatusCode, status)
		}
		if e.RetryAfter < 0 || e.RetryAfter > maxRetryAfter {
			t.Fatalf("RetryAfter %v", e.RetryAfter)
		}
		if len(e.Details) > maxDetails {
			t.Fatalf("%d details", len(e.Details))
		}
		for _, s := range append([]string{e.Message, e.Code}, e.Details...) {
			if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxMessageLen+1 {
				t.Fatalf("unbounded or invalid text %q", s)
			}
			if strings.IndexFunc(s, unicode.IsControl) >= 0 {
				t.Fatalf("control character in %q", s)
			}
		}
		_ = e.Error()
		_, _ = e.Is(bitbucket.ErrForbidden), e.Is(bitbucket.ErrUnauthorized)
	})
}

// FuzzDecodeJSON feeds arbitrary 2xx bodies to the one decoder of wire structs: it never panics,
// and a failure is always an *APIError with one of the known messages.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"values":[{"slug":"a","id":1}],"next":"n"}`, `{"slug":"a"}{}`, "{\"description\":\"\xff\"}",
		`[[[[[[[[`, `{"id":1e999}`, `<html><title>x</title>`, ``, `{"values":null}`} {
		f.Add([]byte(s))
	}
	known := map[string]bool{"invalid JSON in response body": true, "truncated JSON in response body": true,
		"response JSON does not have the expected shape": true, "empty response body where JSON was expected": true,
		"response body exceeds 4096 bytes": true}
	c := &Client{provider: bitbucket.Cloud}
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		var out wirePage
		err := c.decodeJSON("GET", "https://api.bitbucket.org/2.0/x", resp, 1, &out, 4096)
		if err == nil {
			return
		}
		var ae *bitbucket.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("%T is not an *APIError", err)
		}
		if !known[ae.Message] && !strings.HasPrefix(ae.Message, htmlMessage) {
			t.Fatalf("unknown message %q", ae.Message)
		}
	})
}

// FuzzRetryAfter: any Retry-After value parses to a delay within [0, maxRetryAfter], or none.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "99999999999999999999999", "+5", "Wed, 21 Oct 2015 07:28:00 GMT", " 7 ", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {v}}}
		d, ok := retryAfter(resp)
		if d < 0 || d > maxRetryAfter || (!ok && d != 0) {
			t.Fatalf("Retry-After %q: %v, %v", v, d, ok)
		}
	})
}

// FuzzLocation: whatever Location a redirect carries, the client never sends a request to
// another origin, never follows a redirect of a POST, never panics, and never quotes a Location
// it cannot parse.
func FuzzLocation(f *testing.F) {
	for _, s := range []string{"/rest/other", "https://evil.example/x", "//evil.example/x", "https://[bad host/\x7f",
		"https://bitbucket.invalid/rest/../../x", "http://bitbucket.invalid/rest/x", "https://１２７.０.０.１/x", "%zz", ""} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, loc string, post bool) {
		m := httpmock.NewMockTransport()
		var hops atomic.Int32
		m.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
			if r.URL.Host != "bitbucket.invalid" || r.URL.Scheme != "https" {
				t.Fatalf("request to another origin: %s", r.URL.Redacted())
			}
			if hops.Add(1) > 1 && post {
				t.Fatalf("a POST was followed to %s %s", r.Method, r.URL.Redacted())
			}
			resp := httpmock.NewStringResponse(http.StatusFound, "")
			resp.Header.Set("Location", loc)
			return resp, nil
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withRetry(0, 0))
		method := "GET"
		if post {
			method = "POST"
		}
		_, err := c.Do(t.Context(), Request{Method: method, Path: "/x", Body: map[string]int{"n": 1}}, nil)
		if err == nil {
			return
		}
		if _, perr := url.Parse(loc); perr != nil && len(loc) >= 4 && strings.Contains(err.Error(), loc) {
			t.Fatalf("error quotes the unparsable Location: %v", err)
		}
	})
}
