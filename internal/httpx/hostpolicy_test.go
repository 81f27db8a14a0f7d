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
		var out struct{ OK bool }
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, &out); err != nil || !out.OK {
			t.Errorf("%s: err %v, out %+v", host, err, out)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("server received %d requests, want 2", hits.Load())
	}
}

func TestMetadataRefusedEvenWhenAllowed(t *testing.T) {
	c := newClient(t, "https://169.254.169.254/latest/meta-data", auth.None(),
		withAllowed(netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("0.0.0.0/0")))
	_, err := c.Do(t.Context(), Request{Path: "/iam"}, nil)
	if !errors.Is(err, bitbucket.ErrDisallowedHost) {
		t.Fatalf("err = %v, want ErrDisallowedHost", err)
	}
	p := hostPolicy{allowed: []netip.Prefix{netip.MustParsePrefix("::/0"), netip.MustParsePrefix("0.0.0.0/0")}}
	for _, a := range []string{"169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254"} {
		if p.check(netip.MustParseAddr(a), false) == "" {
			t.Errorf("%s allowed by a covering allow-list", a)
		}
	}
}

func TestHostPolicyCheck(t *testing.T) {
	def := hostPolicy{}
	allowed := hostPolicy{allowed: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::ffff:192.168.1.0/120")}}
	tests := []struct {
		addr          string
		policy        hostPolicy
		plain, refuse bool
	}{
		{"8.8.8.8", def, false, false},
		{"2001:4860:4860::8888", def, false, false},
		{"8.8.8.8", def, true, true}, // plain http needs the allow-list
		{"127.0.0.2", def, false, true},
		{"::ffff:10.1.2.3", def, false, true},
		{"172.16.0.1", def, false, true},
		{"192.168.0.1", def, false, true},
		{"100.127.255.254", def, false, true},
		{"fc00::1", def, false, true},
		{"224.0.0.1", def, false, true},
		{"ff02::1", def, false, true},
		{"::", def, false, true},
		{"255.255.255.255", def, false, true},
		{"64:ff9b::7f00:1", def, false, true},
		{"10.2.3.4", allowed, false, false},
		{"10.2.3.4", allowed, true, false},
		{"::ffff:10.2.3.4", allowed, true, false},
		{"192.168.1.7", allowed, false, false},
		{"192.168.2.7", allowed, false, true},
	}
	for _, tt := range tests {
		why := tt.policy.check(netip.MustParseAddr(tt.addr), tt.plain)
		if (why != "") != tt.refuse {
			t.Errorf("check(%s, plain=%v) = %q, want refused=%v", tt.addr, tt.plain, why, tt.refuse)
		}
	}
}

func TestProxyEnvironmentDoesNotBypassPolicy(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer proxy.Close()
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")

	// The built-in transports never consult the environment.
	g := newGuardedTransport(nil, []netip.Prefix{loopback})
	if g.https.Proxy != nil || g.plain.Proxy != nil {
		t.Fatal("built-in transport has a Proxy function")
	}
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
	hc := &http.Client{Transport: &http.Transport{}}
	var rts []http.RoundTripper
	for range 3 {
		c := newClient(t, mockBase, auth.None(), func(cfg *clientopt.Config) { cfg.HTTPClient = hc })
		pc, ok := c.rc.HTTPClient.Transport.(roundTripOnly).rt.(*precheck)
		if !ok {
			t.Fatalf("transport is %T, want the pre-send check", c.rc.HTTPClient.Transport)
		}
		rts = append(rts, pc.next)
	}
	for _, rt := range rts {
		if rt != hc.Transport {
			t.Error("client does not send through the shared *http.Client's transport")
		}
	}
	a, b := defaultTransport(nil, []netip.Prefix{loopback}), defaultTransport(nil, []netip.Prefix{loopback})
	if a != b {
		t.Error("clients with the same configuration do not share the built-in transport")
	}
	if defaultTransport(nil, nil) == a {
		t.Error("different allow-lists share a transport")
	}
}
