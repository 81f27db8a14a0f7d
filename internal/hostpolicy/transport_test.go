package hostpolicy

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

var loopback = netip.MustParsePrefix("127.0.0.0/8")

func TestBuiltInTransportIgnoresProxyEnvironment(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	g := NewTransport(nil, []netip.Prefix{loopback})
	if g.https.Proxy != nil || g.plain.Proxy != nil {
		t.Fatal("built-in transport has a Proxy function")
	}
}

func TestSharedTransportIsSharedPerConfiguration(t *testing.T) {
	a, b := SharedTransport(nil, []netip.Prefix{loopback}), SharedTransport(nil, []netip.Prefix{loopback})
	if a != b {
		t.Error("the same configuration does not share the built-in transport")
	}
	if SharedTransport(nil, nil) == a {
		t.Error("different allow-lists share a transport")
	}
}

// recorder is a caller's transport that must never be reached.
type recorder struct{ calls atomic.Int32 }

func (r *recorder) RoundTrip(*http.Request) (*http.Response, error) {
	r.calls.Add(1)
	return nil, errors.New("reached the caller's transport")
}

func TestPrecheckRefusesHostsNetHTTPWouldRemap(t *testing.T) {
	rec := &recorder{}
	rt := New([]netip.Prefix{netip.MustParsePrefix("8.8.8.0/24")}).Precheck(rec)
	for _, u := range []string{
		"https://１２７.０.０.１:8443/x", "https://127。0。0。1/x", "https://１６９.２５４.１６９.２５４/",
		"https://xn--bcher-kva.example。/x", "https://bücher.invalid/x", "https://８.８.８.８/x",
	} {
		req := httptest.NewRequest(http.MethodGet, "https://placeholder.invalid/", nil)
		var err error
		if req.URL, err = req.URL.Parse(u); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		_, err = rt.RoundTrip(req)
		if !errors.Is(err, bitbucket.ErrDisallowedHost) {
			t.Errorf("%s: err %v, want ErrDisallowedHost", u, err)
		}
	}
	if rec.calls.Load() != 0 {
		t.Fatalf("caller's transport reached %d times", rec.calls.Load())
	}
}

func TestHostErrorHintsOnlyWhatCanBeAllowed(t *testing.T) {
	rec := &recorder{}
	rt := New(nil).Precheck(rec)
	for u, hint := range map[string]bool{"https://10.0.0.1/": true, "https://169.254.169.254/": false, "https://１２７.０.０.１/": false} {
		req := httptest.NewRequest(http.MethodGet, "https://placeholder.invalid/", nil)
		req.URL, _ = req.URL.Parse(u)
		_, err := rt.RoundTrip(req)
		if got := strings.Contains(err.Error(), "WithAllowedHosts"); got != hint {
			t.Errorf("%s: %v; want a hint: %v", u, err, hint)
		}
	}
}
