package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

func TestCloudOAuth2Config(t *testing.T) {
	cfg := CloudOAuth2Config("key", "secret", "https://app.example.com/cb")
	if cfg.Endpoint.AuthURL != "https://bitbucket.org/site/oauth2/authorize" ||
		cfg.Endpoint.TokenURL != "https://bitbucket.org/site/oauth2/access_token" ||
		cfg.Endpoint.AuthStyle != oauth2.AuthStyleInHeader {
		t.Errorf("endpoint = %+v", cfg.Endpoint)
	}
	u, _ := url.Parse(cfg.AuthCodeURL("st"))
	if q := u.Query(); q.Get("client_id") != "key" || q.Get("response_type") != "code" || q.Get("state") != "st" || q.Has("scope") {
		t.Errorf("authorize URL %s", u)
	}
	if strings.Contains(u.String(), "secret") {
		t.Errorf("secret in the authorize URL")
	}
}

func TestServerOAuth2Config(t *testing.T) {
	cfg := ServerOAuth2Config("https://git.example.com/bitbucket/", "id", "secret", "https://app.example.com/cb", "REPO_READ", "REPO_ADMIN")
	if cfg.Endpoint.AuthURL != "https://git.example.com/bitbucket/rest/oauth2/latest/authorize" ||
		cfg.Endpoint.TokenURL != "https://git.example.com/bitbucket/rest/oauth2/latest/token" {
		t.Errorf("endpoint = %+v", cfg.Endpoint)
	}
	verifier := oauth2.GenerateVerifier()
	u, _ := url.Parse(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("code_challenge") == verifier {
		t.Errorf("PKCE parameters missing: %s", u)
	}
	if q.Get("scope") != "REPO_READ REPO_ADMIN" {
		t.Errorf("scope = %q", q.Get("scope"))
	}
}

func TestExchange(t *testing.T) {
	var used atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		_ = r.ParseForm()
		if !ok || id != testClientID || secret != testClientSecret || r.PostForm.Has("client_secret") {
			t.Errorf("client not authenticated by Basic only")
		}
		if r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("code") != "the-code" ||
			r.PostForm.Get("redirect_uri") != "https://app.example.com/callback" {
			t.Errorf("form = %v", r.PostForm)
		}
		w.Header().Set("Content-Type", "application/json")
		if used.Swap(true) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"code the-code was used; client consumer-secret-XYZ"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"at","refresh_token":"rt","expires_in":7200,"token_type":"bearer","scopes":"account repository"}`))
	}))
	defer srv.Close()
	cfg := CloudOAuth2ConfigFor(srv.URL+"/", testClientID, testClientSecret, "https://app.example.com/callback")
	ctx := context.WithValue(ContextWithAllowedHosts(t.Context(), loopbackHosts), oauth2.HTTPClient, srv.Client())
	tok, err := Exchange(ctx, cfg, "the-code")
	if err != nil || tok.AccessToken != "at" || tok.RefreshToken != "rt" || !tok.Valid() {
		t.Fatalf("got %+v, %v", tok, err)
	}
	_, err = Exchange(ctx, cfg, "the-code")
	if !errors.Is(err, ErrInvalidGrant) || !errors.Is(err, ErrTokenSource) {
		t.Fatalf("reused code: %v", err)
	}
	for _, secret := range []string{testClientSecret, "the-code"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows %q", err, secret)
		}
	}
	if _, err := Exchange(ctx, cfg, ""); !errors.Is(err, ErrTokenSource) {
		t.Errorf("empty code: %v", err)
	}
}

func TestTokenEndpointRedirectRefused(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = w.Write([]byte(`{"access_token":"stolen","token_type":"bearer"}`))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/token", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	cfg := CloudOAuth2ConfigFor(srv.URL, testClientID, testClientSecret, "https://app.example.com/callback")
	ctx := context.WithValue(ContextWithAllowedHosts(t.Context(), loopbackHosts), oauth2.HTTPClient, srv.Client())
	if _, err := Exchange(ctx, cfg, "code"); !errors.Is(err, ErrTokenRedirect) {
		t.Errorf("Exchange: got %v, want ErrTokenRedirect", err)
	}
	_, err := StoredTokenSource(ctx, cfg, NewMemoryTokenStore(expired("at-0", "rt-0"))).Token()
	if !errors.Is(err, ErrTokenRedirect) {
		t.Errorf("refresh: got %v, want ErrTokenRedirect", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("%d requests followed the redirect", n)
	}
}
