package security_test

import (
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// loopback covers the addresses the test servers listen on.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// everything is an allow-list that covers every address: what stays refused under it is refused
// always.
var everything = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

// tripwire is a caller's transport that must never be reached: it fails the test and answers
// nothing, so that a regression sends no byte anywhere.
type tripwire struct {
	t     *testing.T
	calls atomic.Int32
}

func newTripwire(t *testing.T) *tripwire { return &tripwire{t: t} }

func (w *tripwire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.calls.Add(1)
	w.t.Errorf("request reached the caller's transport: %s %s", r.Method, r.URL.Redacted())
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return nil, errors.New("tripwire")
}

// testServer is a loopback TLS server with the options that let a client reach it.
type testServer struct {
	*httptest.Server
	opts []bitbucket.Option
	hits atomic.Int32
}

func newServer(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	s.opts = []bitbucket.Option{bitbucket.WithRootCAs(pool), bitbucket.WithAllowedHosts(loopback...), bitbucket.WithRetry(0, 0)}
	return s
}

// refused reports whether err is a refusal made before any request: the host policy or invalid
// input.
func refused(err error) bool {
	return errors.Is(err, bitbucket.ErrDisallowedHost) || errors.Is(err, bitbucket.ErrInvalidInput)
}
