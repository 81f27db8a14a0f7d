package httpx

import (
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bbconnect/bbconnect/internal/netnstest"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
	"github.com/jarcoal/httpmock"
)

// countingServer is a loopback TLS server that counts the requests it receives.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func withRootCAsOf(srv *httptest.Server) option {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return func(c *clientopt.Config) { c.RootCAs = pool }
}

func TestHostPolicyRefusesByDefault(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	srv, hits := countingServer(t)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "10.0.0.1", "169.254.169.254", "100.64.0.1", "[fd00:ec2::254]", "[fe80::1]"} {
		t.Run(host, func(t *testing.T) {
			c := newClient(t, "https://"+host+":"+port+"/rest", auth.Bearer(secret), withRootCAsOf(srv), withRetry(3, 0))
			_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
			if !errors.Is(err, bitbucket.ErrDisallowedHost) {
				t.Fatalf("err = %v, want ErrDisallowedHost", err)
			}
			var he *HostError
			if !errors.As(err, &he) || he.Host != strings.Trim(host, "[]") {
				t.Errorf("HostError %+v does not name %s", he, host)
			}
			ae := asAPIError(t, err)
			if ae.Attempts != 1 || ae.StatusCode != 0 {
				t.Errorf("attempts %d, status %d: a refusal is final", ae.Attempts, ae.StatusCode)
			}
			if host == "localhost" && (strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "::1")) {
				t.Errorf("error shows the resolved address: %v", err)
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("server received %d requests", hits.Load())
	}
}

func TestLoopbackReachableWhenAllowed(t *testing.T) {
	srv, hits := countingServer(t)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	// The test certificate names 127.0.0.1 and ::1, not localhost (covered by TestPlainHTTPNeedsAllowList).
	for _, host := range []string{"127.0.0.1", "[::ffff:127.0.0.1]"} {
		c := newClient(t, "https://"+host+":"+port+"/rest", auth.Bearer(secret), withRootCAsOf(srv), withAllowed(loopback))
		var out struct {
			OK bool `json:"ok"`
		}
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, &out); err != nil || !out.OK {
			t.Errorf("%s: err %v, out %+v", host, err, out)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("server received %d requests, want 2", hits.Load())
	}
}

func TestMetadataRefusedEvenWhenAllowed(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	c := newClient(t, "https://169.254.169.254/latest/meta-data", auth.None(),
		withAllowed(netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("0.0.0.0/0")))
	_, err := c.Do(t.Context(), Request{Path: "/iam"}, nil)
	if !errors.Is(err, bitbucket.ErrDisallowedHost) {
		t.Fatalf("err = %v, want ErrDisallowedHost", err)
	}
}

func TestProxyEnvironmentDoesNotBypassPolicy(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer proxy.Close()
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")

	// The built-in transports never consult the environment (hostpolicy tests the transport).
	for _, target := range []string{"https://10.0.0.1/rest", "https://bitbucket.invalid/rest", "http://192.0.2.1/rest"} {
		c := newClient(t, target, auth.Bearer(secret), withAllowed(loopback), withRetry(0, 0))
		_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
		if err == nil {
			t.Errorf("%s: request succeeded", target)
		}
	}
	srv, hits := countingServer(t)
	c := newClient(t, srv.URL, auth.Bearer(secret), withRootCAsOf(srv), withAllowed(loopback))
	if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil || hits.Load() != 1 {
		t.Errorf("direct request: err %v, hits %d", err, hits.Load())
	}
	if proxied.Load() != 0 {
		t.Errorf("proxy received %d requests", proxied.Load())
	}
}

func TestPlainHTTPNeedsAllowList(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	// Not allowed at all: refused before any dial.
	c := newClient(t, srv.URL, auth.Bearer(secret))
	if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); !errors.Is(err, bitbucket.ErrDisallowedHost) {
		t.Errorf("plain http to loopback, nothing allowed: err %v", err)
	}
	// A public address is fine over https but not over plain http, even with an allow-list.
	c = newClient(t, "http://192.0.2.1/rest", auth.Bearer(secret), withAllowed(loopback, netip.MustParsePrefix("192.0.2.0/32")))
	if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); !errors.Is(err, bitbucket.ErrDisallowedHost) {
		t.Errorf("plain http to an address outside the allow-list: err %v", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("server received %d requests", hits.Load())
	}
	// Covered: allowed, by address and by name.
	for _, base := range []string{srv.URL, "http://localhost:" + u.Port()} {
		c = newClient(t, base, auth.Bearer(secret), withAllowed(loopback))
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("server received %d requests, want 2", hits.Load())
	}
}

func TestCallerTransportIsCheckedBeforeSending(t *testing.T) {
	m := newMock(t)
	var calls atomic.Int32
	for _, u := range []string{"https://bitbucket.invalid/rest/x", "https://8.8.8.8/rest/x"} {
		m.RegisterResponder("GET", u, func(*http.Request) (*http.Response, error) {
			calls.Add(1)
			return httpmock.NewStringResponse(200, `{}`), nil
		})
	}
	for _, base := range []string{"https://10.0.0.1/rest", "https://localhost/rest", "https://[::ffff:127.0.0.1]/rest",
		"https://169.254.169.254/rest", "http://8.8.8.8/rest", "http://bitbucket.invalid/rest"} {
		c := newClient(t, base, auth.Bearer(secret), withTransport(m), withAllowed(netip.MustParsePrefix("169.254.0.0/16")))
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); !errors.Is(err, bitbucket.ErrDisallowedHost) {
			t.Errorf("%s: err %v, want ErrDisallowedHost", base, err)
		}
	}
	if calls.Load() != 0 {
		t.Fatalf("mock received %d requests", calls.Load())
	}
	for _, base := range []string{"https://bitbucket.invalid/rest", "https://8.8.8.8/rest"} {
		c := newClient(t, base, auth.Bearer(secret), withTransport(m))
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
}

func TestSharedHTTPClientSharesItsTransport(t *testing.T) {
	var sent atomic.Int32
	m := newMock(t)
	m.RegisterResponder("GET", mockBase+"/x", func(*http.Request) (*http.Response, error) {
		sent.Add(1)
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	hc := &http.Client{Transport: m}
	for range 3 {
		c := newClient(t, mockBase, auth.None(), func(cfg *clientopt.Config) { cfg.HTTPClient = hc })
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if sent.Load() != 3 {
		t.Errorf("the shared *http.Client's transport got %d requests, want 3", sent.Load())
	}
}

// TestCallerTransportRefusesRemappedHosts: net/http maps a non-ASCII host (full-width digits,
// ideographic full stops) with IDNA before dialling, so the pre-send check refuses it rather than
// checking a spelling that is not what would be dialled (issue 11 item 1).
func TestCallerTransportRefusesRemappedHosts(t *testing.T) {
	m := newMock(t)
	m.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		t.Errorf("caller's transport reached: %s", r.URL.Host)
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	for _, base := range []string{"https://１２７.０.０.１:8443/rest", "https://127。0。0。1/rest", "https://１６９.２５４.１６９.２５４/rest"} {
		c := newClient(t, base, auth.Bearer(secret), withTransport(m), withAllowed(netip.MustParsePrefix("0.0.0.0/0")))
		_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
		if !errors.Is(err, bitbucket.ErrDisallowedHost) {
			t.Errorf("%s: err %v, want ErrDisallowedHost", base, err)
		}
		// The same host as an absolute link (a next link, a cursor) on that base.
		_, err = c.Do(t.Context(), Request{URL: base + "/y?page=2"}, nil)
		if !errors.Is(err, bitbucket.ErrDisallowedHost) {
			t.Errorf("link on %s: err %v, want ErrDisallowedHost", base, err)
		}
	}
}
