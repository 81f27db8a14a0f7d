package security_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/internal/netnstest"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/server"
	"golang.org/x/oauth2"
)

const clientSecret = "client-secret-S1"

func expiredToken() *oauth2.Token {
	return &oauth2.Token{AccessToken: "access-A1", RefreshToken: "refresh-R1", Expiry: time.Now().Add(-time.Hour)}
}

// plainTokenEndpoint is a plain-http token endpoint on loopback that counts what reaches it.
func plainTokenEndpoint(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"new","refresh_token":"new-r","token_type":"bearer","expires_in":3600}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestTokenEndpointFollowsTheHostPolicy: ServerOAuth2Config with a tenant's plain-http loopback
// URL, which server.New refuses, is refused for Exchange and for the refresh of
// StoredTokenSource too: the client secret, the code and the refresh token never leave (issue 11
// item 2).
func TestTokenEndpointFollowsTheHostPolicy(t *testing.T) {
	srv, hits := plainTokenEndpoint(t)
	if _, err := server.New(srv.URL, auth.Bearer("x")); !refused(err) {
		t.Fatalf("server.New accepts %s: %v", srv.URL, err)
	}
	cfg := auth.ServerOAuth2Config(srv.URL, "client", clientSecret, "https://app.example.com/cb")
	if _, err := auth.Exchange(t.Context(), cfg, "code-C1"); !errors.Is(err, bitbucket.ErrDisallowedHost) {
		t.Errorf("Exchange: err %v, want ErrDisallowedHost", err)
	}
	ts := auth.StoredTokenSource(t.Context(), cfg, auth.NewMemoryTokenStore(expiredToken()))
	if _, err := ts.Token(); !errors.Is(err, bitbucket.ErrDisallowedHost) {
		t.Errorf("refresh: err %v, want ErrDisallowedHost", err)
	}
	// Through the API's OAuth2 credentials too.
	c, err := server.New("https://bitbucket.invalid", auth.OAuth2(ts), bitbucket.WithTransport(newTripwire(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CheckConnection(t.Context()); err == nil {
		t.Error("CheckConnection succeeded with a refused token endpoint")
	}
	if hits.Load() != 0 {
		t.Fatalf("the token endpoint received %d requests", hits.Load())
	}
}

// TestTokenEndpointNeverReachesMetadata: a metadata address is refused even when the caller's
// HTTP client is in the context and the allow-list covers everything.
func TestTokenEndpointNeverReachesMetadata(t *testing.T) {
	wire := newTripwire(t)
	ctx := auth.ContextWithAllowedHosts(t.Context(), everything...)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: wire})
	for _, base := range []string{"https://169.254.169.254", "http://169.254.169.254", "https://[fd00:ec2::254]", "https://１６９.２５４.１６９.２５４"} {
		for _, cfg := range []*oauth2.Config{
			auth.ServerOAuth2Config(base, "client", clientSecret, "https://app.example.com/cb"),
			auth.CloudOAuth2ConfigFor(base, "client", clientSecret, "https://app.example.com/cb"),
		} {
			if _, err := auth.Exchange(ctx, cfg, "code-C1"); !errors.Is(err, bitbucket.ErrDisallowedHost) {
				t.Errorf("%s Exchange: err %v", cfg.Endpoint.TokenURL, err)
			}
			if _, err := auth.StoredTokenSource(ctx, cfg, auth.NewMemoryTokenStore(expiredToken())).Token(); !errors.Is(err, bitbucket.ErrDisallowedHost) {
				t.Errorf("%s refresh: err %v", cfg.Endpoint.TokenURL, err)
			}
			if _, err := cfg.Exchange(auth.TokenContext(ctx), "code-C1"); !errors.Is(err, bitbucket.ErrDisallowedHost) {
				t.Errorf("%s oauth2 Exchange on TokenContext: err %v", cfg.Endpoint.TokenURL, err)
			}
		}
	}
}

// TestTokenRequestsUseNoEnvironmentProxy: with HTTP_PROXY and HTTPS_PROXY pointing at a loopback
// listener, no token request goes to it. The endpoint is a documentation address, refused before
// any socket exists, so nothing leaves loopback either way.
func TestTokenRequestsUseNoEnvironmentProxy(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	proxy, proxied := plainTokenEndpoint(t)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	for _, base := range []string{"http://192.0.2.10", "https://192.0.2.10"} {
		cfg := auth.ServerOAuth2Config(base, "client", clientSecret, "https://app.example.com/cb")
		_, _ = auth.Exchange(t.Context(), cfg, "code-C1")
		_, _ = auth.StoredTokenSource(t.Context(), cfg, auth.NewMemoryTokenStore(expiredToken())).Token()
	}
	if proxied.Load() != 0 {
		t.Fatalf("the environment's proxy received %d token requests", proxied.Load())
	}
}

// TestTokenEndpointErrorIsNotEchoed: an endpoint that copies the request into "error", or writes
// a newline there, gets neither into the error (issue 11 item 5).
func TestTokenEndpointErrorIsNotEchoed(t *testing.T) {
	var echo atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		e := strings.ReplaceAll(echo.Load().(string), "FORM", r.PostForm.Encode())
		b, _ := json.Marshal(map[string]string{"error": e, "error_description": r.PostForm.Encode()})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	ctx := auth.ContextWithAllowedHosts(t.Context(), loopback...)
	cfg := auth.ServerOAuth2Config(srv.URL, "client", clientSecret, "https://app.example.com/cb")
	for _, e := range []string{"FORM", "invalid_request\ntime=now level=ERROR msg=forged", clientSecret, "refresh-R1"} {
		echo.Store(e)
		_, errX := auth.Exchange(ctx, cfg, "code-C1")
		_, errR := auth.StoredTokenSource(ctx, cfg, auth.NewMemoryTokenStore(expiredToken())).Token()
		for _, err := range []error{errX, errR} {
			if err == nil {
				t.Fatal("no error")
			}
			for _, leak := range []string{clientSecret, "code-C1", "refresh-R1", "\n", "forged"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("echo %q: error %q shows %q", e, err, leak)
				}
			}
		}
	}
}

// TestTokenHoldersPrintNoToken: StoredTokenSource and MemoryTokenStore, alone or inside a
// caller's struct, print no token with any verb, slog or json.Marshal (issue 11 item 8).
func TestTokenHoldersPrintNoToken(t *testing.T) {
	tok := &oauth2.Token{AccessToken: "access-A1", RefreshToken: "refresh-R1", Expiry: time.Now().Add(time.Hour)}
	store := auth.NewMemoryTokenStore(tok)
	cfg := auth.CloudOAuth2Config("client", clientSecret, "https://app.example.com/cb")
	ts := auth.StoredTokenSource(t.Context(), cfg, store)
	if _, err := ts.Token(); err != nil {
		t.Fatal(err)
	}
	type connection struct {
		Store  auth.TokenStore
		source oauth2.TokenSource
		store  *auth.MemoryTokenStore
	}
	for _, v := range []any{ts, store, connection{store, ts, store}, &connection{store, ts, store}} {
		var out []string
		for _, verb := range []string{"%s", "%q", "%v", "%+v", "%#v", "%t", "%d", "%x", "%X", "%p"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
		j, _ := json.Marshal(v)
		var logs bytes.Buffer
		slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "v", v)
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "v", v)
		out = append(out, string(j), logs.String())
		for _, o := range out {
			for _, s := range []string{"access-A1", "refresh-R1", clientSecret} {
				if strings.Contains(o, s) {
					t.Errorf("%T printed %s: %.200s", v, s, o)
				}
			}
		}
	}
}
