package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		ctype       string
		body        string
		header      map[string]string
		wantMessage string
		wantCode    string
		wantDetails []string
		wantReqID   string
		is, isNot   error
	}{
		{
			name: "cloud detail string", status: 404, ctype: "application/json",
			body:        `{"type":"error","error":{"message":"Repository not found","detail":"There is no repository named x","id":"abc"}}`,
			wantMessage: "Repository not found", wantDetails: []string{"There is no repository named x"},
			wantReqID: "abc", is: bitbucket.ErrNotFound,
		},
		{
			name: "cloud detail object and data", status: 403, ctype: "application/json",
			header: map[string]string{"X-Request-UUID": "req-1"},
			body: `{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.",` +
				`"detail":{"granted":["repository"],"required":["webhook"]},` +
				`"data":{"key":"scope-missing","announcement_url":"https://example.com/a"}}}`,
			wantMessage: "Your credentials lack one or more required privilege scopes.", wantCode: "scope-missing",
			wantDetails: []string{"granted: repository", "required: webhook", "announcement_url: https://example.com/a"},
			wantReqID:   "req-1", is: bitbucket.ErrForbidden,
		},
		{
			name: "cloud fields", status: 400, ctype: "application/json",
			body:        `{"type":"error","error":{"message":"Bad request","fields":{"url":["Enter a valid URL."]}}}`,
			wantMessage: "Bad request", wantDetails: []string{"url: Enter a valid URL."}, is: bitbucket.ErrInvalidInput,
		},
		{
			name: "DC authorisation", status: 401, ctype: "application/json",
			header: map[string]string{"X-Request-Id": "dc-1"},
			body: `{"errors":[{"context":null,"message":"You are not permitted to access this resource",` +
				`"exceptionName":"com.atlassian.bitbucket.AuthorisationException"}]}`,
			wantMessage: "You are not permitted to access this resource", wantCode: "com.atlassian.bitbucket.AuthorisationException",
			wantReqID: "dc-1", is: bitbucket.ErrForbidden, isNot: bitbucket.ErrUnauthorized,
		},
		{
			name: "DC authentication", status: 401, ctype: "application/json",
			body: `{"errors":[{"context":null,"message":"Authentication failed. Please check your credentials and try again.",` +
				`"exceptionName":"com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"},` +
				`{"context":"token","message":"expired","exceptionName":null}]}`,
			wantMessage: "Authentication failed. Please check your credentials and try again.",
			wantCode:    "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
			wantDetails: []string{"token: expired"}, is: bitbucket.ErrUnauthorized, isNot: bitbucket.ErrForbidden,
		},
		{
			name: "DC no exception name", status: 401, body: `{"errors":[{"message":"Unauthorized"}]}`,
			wantMessage: "Unauthorized", is: bitbucket.ErrUnauthorized,
		},
		{
			name: "plain text 429", status: 429, ctype: "text/plain",
			body: "Rate limit for this resource has been exceeded", wantMessage: "Rate limit for this resource has been exceeded",
			header: map[string]string{"X-B3-TraceId": "trace-9"}, wantReqID: "trace-9", is: bitbucket.ErrRateLimited,
		},
		{
			name: "HTML 502", status: 502, ctype: "text/html",
			body:        "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><script>x()</script></body></html>",
			wantMessage: `HTML page, not a Bitbucket API response (title "502 Bad Gateway")`,
		},
		{
			// Invalid UTF-8 and letters whose lower case is longer must not shift the title.
			name: "HTML title after non-ASCII bytes", status: 503, ctype: "text/html",
			body:        "<html>\xff\xfe\xff\u023a\u023a<TITLE>Wartung</TITLE></html>",
			wantMessage: `HTML page, not a Bitbucket API response (title "Wartung")`,
		},
		{
			name: "HTML without content type", status: 500, body: "<!DOCTYPE html>\n<html><body>oops</body></html>",
			wantMessage: "HTML page, not a Bitbucket API response",
		},
		{
			name: "OAuth error", status: 400, ctype: "application/json",
			body:        `{"error":"invalid_grant","error_description":"Invalid refresh_token"}`,
			wantMessage: "Invalid refresh_token", wantCode: "invalid_grant",
		},
		{
			name: "multi-line text", status: 409, body: "line one\nline\ttwo\x00", wantMessage: "line one line two", is: bitbucket.ErrConflict,
		},
		{name: "empty", status: 409, body: "", is: bitbucket.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder("GET", mockBase+"/x", func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(tt.status, tt.body)
				if tt.ctype != "" {
					resp.Header.Set("Content-Type", tt.ctype)
				}
				for k, v := range tt.header {
					resp.Header.Set(k, v)
				}
				return resp, nil
			})
			c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withRetry(0, 0))
			_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
			ae := asAPIError(t, err)
			if ae.StatusCode != tt.status || ae.Message != tt.wantMessage || ae.Code != tt.wantCode || ae.RequestID != tt.wantReqID {
				t.Errorf("got status %d message %q code %q request id %q", ae.StatusCode, ae.Message, ae.Code, ae.RequestID)
			}
			if strings.Join(ae.Details, "|") != strings.Join(tt.wantDetails, "|") {
				t.Errorf("details %q, want %q", ae.Details, tt.wantDetails)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v) = false", tt.is)
			}
			if tt.isNot != nil && errors.Is(err, tt.isNot) {
				t.Errorf("errors.Is(%v) = true", tt.isNot)
			}
			if ae.Provider != bitbucket.Server || ae.Method != "GET" || ae.URL != mockBase+"/x" || ae.Attempts != 1 {
				t.Errorf("metadata %+v", ae)
			}
		})
	}
}

func TestErrorBodyReadIsCapped(t *testing.T) {
	m := newMock(t)
	big := strings.Repeat("a", 10<<20)
	m.RegisterResponder("GET", mockBase+"/x", httpmock.NewStringResponder(500, big))
	c := newClient(t, mockBase, auth.None(), withTransport(m), withRetry(0, 0))
	_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
	if ae := asAPIError(t, err); len(ae.Message) > 4*maxMessageLen {
		t.Errorf("message of %d bytes", len(ae.Message))
	}
}

func TestDecodeFailuresAreTyped(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		limit             int64
		want              string
		cause             error
	}{
		{"HTML 200", "text/html; charset=utf-8", "<html><title>Log in</title></html>", 0, `HTML page, not a Bitbucket API response (title "Log in")`, nil},
		{"HTML sniffed", "application/json", "  <!doctype html><p>hi", 0, "HTML page, not a Bitbucket API response", nil},
		{"truncated", "application/json", `{"values":[{"slug":"a"},{"sl`, 0, "truncated JSON in response body", nil},
		{"invalid", "application/json", `{"values": nope}`, 0, "invalid JSON in response body", nil},
		{"oversize", "application/json", `{"values":"` + strings.Repeat("x", 4096) + `"}`, 1024, "response body exceeds 1024 bytes", ErrBodyTooLarge},
		{"wrong shape", "application/json", `{"values":42}`, 0, "response JSON does not have the expected shape", nil},
		{"empty", "application/json", ``, 0, "empty response body where JSON was expected", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder("GET", mockBase+"/x", func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(200, tt.body)
				resp.Header.Set("Content-Type", tt.ctype)
				return resp, nil
			})
			c := newClient(t, mockBase, auth.None(), withTransport(m))
			var out struct {
				Values []struct {
					Slug string `json:"slug"`
				} `json:"values"`
			}
			resp, err := c.Do(t.Context(), Request{Path: "/x", MaxBodyBytes: tt.limit}, &out)
			ae := asAPIError(t, err)
			if ae.StatusCode != 200 || ae.Message != tt.want || resp == nil {
				t.Errorf("status %d message %q (resp %v)", ae.StatusCode, ae.Message, resp)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("cause %v not reachable from %v", tt.cause, err)
			}
		})
	}
}

func TestBodyAtExactlyTheCapIsAccepted(t *testing.T) {
	m := newMock(t)
	body := `{"a":"` + strings.Repeat("x", 100) + `"}`
	m.RegisterResponder("GET", mockBase+"/x", httpmock.NewStringResponder(200, body))
	c := newClient(t, mockBase, auth.None(), withTransport(m))
	var out struct {
		A string `json:"a"`
	}
	if _, err := c.Do(t.Context(), Request{Path: "/x", MaxBodyBytes: int64(len(body))}, &out); err != nil || len(out.A) != 100 {
		t.Fatalf("err %v, out %d bytes", err, len(out.A))
	}
}

func TestTransportErrorsReachableThroughWrapping(t *testing.T) {
	// DNS failure, as a caller's transport reports it.
	m := newMock(t)
	dnsErr := &net.DNSError{Err: "no such host", Name: "bitbucket.invalid", IsNotFound: true}
	m.RegisterResponder("GET", mockBase+"/x", httpmock.NewErrorResponder(&net.OpError{Op: "dial", Net: "tcp", Err: dnsErr}))
	c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
	_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
	var de *net.DNSError
	var oe *net.OpError
	if !errors.As(err, &de) || !errors.As(err, &oe) || de.Name != "bitbucket.invalid" {
		t.Errorf("DNS error not reachable from %v", err)
	}
	if ae := asAPIError(t, err); ae.StatusCode != 0 || ae.Attempts != 1 {
		t.Errorf("status %d, attempts %d: a name that does not exist is not retried", ae.StatusCode, ae.Attempts)
	}
}

func TestUnknownAuthorityReachableAndNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	srv.Config.ErrorLog = discardLogger()
	srv.StartTLS()
	defer srv.Close()
	c := newClient(t, srv.URL, auth.Bearer(secret), withAllowed(loopback), withRetry(3, time.Hour))
	_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
	var ua x509.UnknownAuthorityError
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &ua) || !errors.As(err, &cve) {
		t.Fatalf("x509 errors not reachable from %v", err)
	}
	if ae := asAPIError(t, err); ae.Attempts != 1 || hits.Load() != 0 {
		t.Errorf("attempts %d, hits %d: trust errors are final", ae.Attempts, hits.Load())
	}
}

func TestErrorsIsAsThroughWrapping(t *testing.T) {
	ae := &bitbucket.APIError{StatusCode: 401, Code: "com.atlassian.bitbucket.AuthorisationException",
		Err: sanitize(&HostError{Host: "h", Reason: "r"})}
	wrapped := errors.Join(errors.New("context"), ae)
	var got *bitbucket.APIError
	var he *HostError
	if !errors.As(wrapped, &got) || !errors.As(wrapped, &he) || !errors.Is(wrapped, bitbucket.ErrForbidden) ||
		!errors.Is(wrapped, bitbucket.ErrDisallowedHost) || errors.Is(wrapped, bitbucket.ErrUnauthorized) {
		t.Errorf("matching through wrapping failed for %v", wrapped)
	}
	re := &bitbucket.APIError{Err: sanitize(&RedirectError{Target: "https://x:443"})}
	if !errors.Is(re, bitbucket.ErrCrossOriginRedirect) || errors.Is(re, bitbucket.ErrDisallowedHost) {
		t.Error("redirect error does not match ErrCrossOriginRedirect alone")
	}
}

func TestRawBodyOut(t *testing.T) {
	m := newMock(t)
	m.RegisterResponder("GET", mockBase+"/whoami", httpmock.NewStringResponder(200, "alice"))
	c := newClient(t, mockBase, auth.None(), withTransport(m))
	var raw []byte
	if _, err := c.Do(t.Context(), Request{Path: "/whoami"}, &raw); err != nil || string(raw) != "alice" {
		t.Fatalf("raw %q, err %v", raw, err)
	}
	_, err := c.Do(t.Context(), Request{Path: "/whoami", MaxBodyBytes: 3}, &raw)
	if !errors.Is(err, ErrBodyTooLarge) || asAPIError(t, err).Message != "response body exceeds 3 bytes" {
		t.Errorf("oversize raw body: %v", err)
	}
}
