package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/internal/netnstest"

	"github.com/bbconnect/bbconnect/bitbucket"
	"golang.org/x/oauth2"
)

// countingServer is a plain-http loopback server that counts what it receives and would issue a
// token.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"at","refresh_token":"rt","token_type":"bearer","expires_in":3600}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// refusingTransport fails the test when a request reaches it.
type refusingTransport struct {
	t     *testing.T
	calls atomic.Int32
}

func (r *refusingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.calls.Add(1)
	r.t.Errorf("token request reached the caller's transport: %s", req.URL.Host)
	return nil, errors.New("refused by the test")
}

func TestTokenRequestsRefusePlainHTTPToLoopback(t *testing.T) {
	srv, hits := countingServer(t)
	cfg := ServerOAuth2Config(srv.URL, "client", "client-secret", "https://app.example.com/cb")
	_, err := Exchange(t.Context(), cfg, "the-code")
	if !errors.Is(err, bitbucket.ErrDisallowedHost) || !errors.Is(err, ErrTokenSource) {
		t.Errorf("Exchange: err %v, want ErrDisallowedHost and ErrTokenSource", err)
	}
	store := NewMemoryTokenStore(&oauth2.Token{AccessToken: "old", RefreshToken: "refresh-secret", Expiry: time.Now().Add(-time.Hour)})
	_, err = StoredTokenSource(t.Context(), cfg, store).Token()
	if !errors.Is(err, bitbucket.ErrDisallowedHost) {
		t.Errorf("refresh: err %v, want ErrDisallowedHost", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the token endpoint received %d requests", hits.Load())
	}
	// Allowed explicitly, the same endpoint is reached.
	if _, err := Exchange(ContextWithAllowedHosts(t.Context(), loopbackHosts), cfg, "the-code"); err != nil || hits.Load() != 1 {
		t.Errorf("allowed: err %v, %d requests", err, hits.Load())
	}
}

func TestTokenRequestsNeverReachMetadata(t *testing.T) {
	rt := &refusingTransport{t: t}
	ctx := ContextWithAllowedHosts(t.Context(), netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
	ctx = contextWithClient(ctx, &http.Client{Transport: rt})
	for _, base := range []string{"https://169.254.169.254", "http://169.254.169.254", "https://[fd00:ec2::254]", "https://１６９.２５４.１６９.２５４"} {
		cfg := ServerOAuth2Config(base, "client", "client-secret", "https://app.example.com/cb")
		if _, err := Exchange(ctx, cfg, "code"); !errors.Is(err, bitbucket.ErrDisallowedHost) {
			t.Errorf("%s: err %v, want ErrDisallowedHost", base, err)
		}
		store := NewMemoryTokenStore(&oauth2.Token{AccessToken: "old", RefreshToken: "rt", Expiry: time.Now().Add(-time.Hour)})
		if _, err := StoredTokenSource(ctx, cfg, store).Token(); !errors.Is(err, bitbucket.ErrDisallowedHost) {
			t.Errorf("%s refresh: err %v, want ErrDisallowedHost", base, err)
		}
	}
	// The Cloud configuration goes through the same client.
	cfg := CloudOAuth2ConfigFor("https://169.254.169.254", "client", "client-secret", "https://app.example.com/cb")
	if _, err := Exchange(ctx, cfg, "code"); !errors.Is(err, bitbucket.ErrDisallowedHost) {
		t.Errorf("Cloud config: err %v, want ErrDisallowedHost", err)
	}
}

// TestTokenRequestsIgnoreProxyEnvironment: with HTTP_PROXY set, http.DefaultClient would hand
// the client secret to the proxy. The token client uses no proxy: the documentation address
// below is refused by the policy before any socket exists, and the proxy receives nothing.
func TestTokenRequestsIgnoreProxyEnvironment(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	proxy, proxied := countingServer(t)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	for _, base := range []string{"http://192.0.2.10", "https://192.0.2.10"} {
		cfg := ServerOAuth2Config(base, "client", "client-secret", "https://app.example.com/cb")
		_, err := Exchange(t.Context(), cfg, "code")
		if !errors.Is(err, bitbucket.ErrDisallowedHost) {
			t.Errorf("%s: err %v, want ErrDisallowedHost", base, err)
		}
		if strings.Contains(err.Error(), "client-secret") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
	if proxied.Load() != 0 {
		t.Fatalf("the proxy from the environment received %d token requests", proxied.Load())
	}
}

func TestTokenContextIsIdempotent(t *testing.T) {
	ctx := TokenContext(ContextWithAllowedHosts(t.Context(), loopbackHosts))
	if TokenContext(ctx).Value(oauth2.HTTPClient) != ctx.Value(oauth2.HTTPClient) {
		t.Error("TokenContext wrapped its own client again")
	}
}

func contextWithClient(ctx context.Context, hc *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}
