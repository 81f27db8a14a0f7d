package httpx

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
	"github.com/jarcoal/httpmock"
)

// secret is the credential that must never show up in an error string or a log line.
const secret = "tok-SECRET-123"

// mockBase is the API root used with mock transports: .invalid never resolves, so the pre-send
// host check does not ask DNS.
const mockBase = "https://bitbucket.invalid/rest"

var loopback = netip.MustParsePrefix("127.0.0.0/8")

type option func(*clientopt.Config)

func withTransport(rt http.RoundTripper) option {
	return func(c *clientopt.Config) { c.Transport = rt }
}

func withRetry(n int, wait time.Duration) option {
	return func(c *clientopt.Config) { c.MaxRetries, c.MaxWait = n, wait }
}

func withAllowed(ps ...netip.Prefix) option {
	return func(c *clientopt.Config) { c.AllowedHosts = append(c.AllowedHosts, ps...) }
}

// newClient builds a client for base with creds and the options.
func newClient(t testing.TB, base string, creds auth.Credentials, opts ...option) *Client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	cfg := clientopt.Default()
	for _, o := range opts {
		o(&cfg)
	}
	c, err := New(bitbucket.Server, u, creds, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// newMock returns a mock transport on which any request without a responder fails the test.
func newMock(t testing.TB) *httpmock.MockTransport {
	t.Helper()
	m := httpmock.NewMockTransport()
	m.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		return nil, errors.New("unexpected request")
	})
	return m
}

// sequence answers with the given statuses in turn (the last one repeats), counting calls.
func sequence(calls *atomic.Int32, statuses ...int) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		n := int(calls.Add(1))
		s := statuses[min(n, len(statuses))-1]
		if s == http.StatusOK {
			resp := httpmock.NewStringResponse(s, `{"ok":true}`)
			resp.Header.Set("Content-Type", "application/json")
			return resp, nil
		}
		return httpmock.NewStringResponse(s, `{"errors":[{"message":"try later"}]}`), nil
	}
}

// asAPIError returns err as an *APIError or fails the test.
func asAPIError(t testing.TB, err error) *bitbucket.APIError {
	t.Helper()
	var ae *bitbucket.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return ae
}

// containsSecret reports whether s shows the test credential.
func containsSecret(s string) bool { return strings.Contains(s, secret) }

// discardLogger silences an httptest server's error log (expected TLS handshake failures).
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
