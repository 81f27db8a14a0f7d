package bitbuckettest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const testCallback = "https://app.example.com/callback"

// newOAuthFixture seeds consumer "app" (scopes account, repository) and user alice.
func newOAuthFixture(t *testing.T) (*Server, *oauth2.Config) {
	t.Helper()
	srv := NewCloud()
	t.Cleanup(srv.Close)
	srv.AddUser(User{Username: "alice", DisplayName: "Alice"})
	srv.AddOAuthConsumer("app", "app-secret", testCallback, "account", "repository")
	cfg := &oauth2.Config{
		ClientID:     "app",
		ClientSecret: "app-secret",
		RedirectURL:  testCallback,
		Endpoint: oauth2.Endpoint{AuthURL: srv.OAuthAuthorizeURL(), TokenURL: srv.OAuthTokenURL(),
			AuthStyle: oauth2.AuthStyleInHeader},
	}
	return srv, cfg
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func codeFrom(t *testing.T, redirect string) string {
	t.Helper()
	u, err := url.Parse(redirect)
	if err != nil {
		t.Fatal(err)
	}
	code := u.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %q", redirect)
	}
	return code
}

func wantOAuthError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != code {
		t.Fatalf("error %v, want OAuth error %q", err, code)
	}
}

func TestOAuthConsentPageAndForm(t *testing.T) {
	srv, cfg := newOAuthFixture(t)
	srv.SetOAuthUser("alice")
	authURL := cfg.AuthCodeURL("st<1>")

	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("consent page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<form method="post" action="/site/oauth2/authorize">`, "<button", "Grant access",
		`name="state" value="st&lt;1&gt;"`, "alice"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("consent page lacks %q:\n%s", want, page)
		}
	}

	form := url.Values{"client_id": {"app"}, "response_type": {"code"}, "state": {"st<1>"},
		"redirect_uri": {testCallback}, "user": {"alice"}, "decision": {"grant"}}
	resp, err = noRedirect.PostForm(srv.OAuthAuthorizeURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, testCallback+"?") {
		t.Fatalf("grant: %d %q", resp.StatusCode, loc)
	}
	if u, _ := url.Parse(loc); u.Query().Get("state") != "st<1>" {
		t.Errorf("state lost: %q", loc)
	}
	tok, err := cfg.Exchange(context.Background(), codeFrom(t, loc))
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("exchange: %v", err)
	}

	form.Set("decision", "deny")
	resp, err = noRedirect.PostForm(srv.OAuthAuthorizeURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if u, _ := url.Parse(resp.Header.Get("Location")); u == nil || u.Query().Get("error") != "access_denied" || u.Query().Get("code") != "" {
		t.Errorf("deny: %q", resp.Header.Get("Location"))
	}

	for name, bad := range map[string]string{
		"unknown client":       strings.Replace(authURL, "client_id=app", "client_id=nope", 1),
		"foreign redirect_uri": strings.Replace(authURL, url.QueryEscape(testCallback), url.QueryEscape("https://evil.example.com/callback"), 1),
	} {
		resp, err := noRedirect.Get(bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestOAuthCodeExchangeIsSingleUse(t *testing.T) {
	srv, cfg := newOAuthFixture(t)
	ctx := context.Background()
	redirect, err := srv.Approve(cfg.AuthCodeURL("s1"), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(redirect); u.Query().Get("state") != "s1" {
		t.Errorf("state lost: %q", redirect)
	}
	code := codeFrom(t, redirect)
	tok, err := cfg.Exchange(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "bearer" || tok.RefreshToken == "" || tok.Extra("scopes") != "account repository" ||
		tok.Extra("scope") != "account repository" || tok.Extra("expires_in") != float64(7200) {
		t.Errorf("token response: %+v scopes=%v expires_in=%v", tok, tok.Extra("scopes"), tok.Extra("expires_in"))
	}

	rep := cloudDo(t, srv, "GET", "/user", bearer(tok.AccessToken), "")
	rep.wantStatus(t, 200)
	if rep.body["nickname"] != "alice" || rep.header.Get("X-OAuth-Scopes") != "account, repository" ||
		rep.header.Get("X-Credential-Type") != "oauth2" {
		t.Errorf("/user with the OAuth token: %v %s", rep.header, rep.raw)
	}

	_, err = cfg.Exchange(ctx, code)
	wantOAuthError(t, err, "invalid_grant")
	_, err = cfg.Exchange(ctx, "made-up")
	wantOAuthError(t, err, "invalid_grant")
}

func TestOAuthClientAuthenticationInHeaderOnly(t *testing.T) {
	srv, cfg := newOAuthFixture(t)
	ctx := context.Background()
	code, err := srv.Authorize("app", "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	inBody := *cfg
	inBody.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	_, err = inBody.Exchange(ctx, code)
	wantOAuthError(t, err, "invalid_request")

	wrong := *cfg
	wrong.ClientSecret = "nope"
	code, _ = srv.Authorize("app", "alice", "")
	_, err = wrong.Exchange(ctx, code)
	wantOAuthError(t, err, "invalid_client")

	if _, err := srv.Authorize("nope", "alice", ""); err == nil {
		t.Error("Authorize accepted an unknown consumer")
	}
}

func TestOAuthRefreshRotation(t *testing.T) {
	srv, cfg := newOAuthFixture(t)
	ctx := context.Background()
	code, _ := srv.Authorize("app", "alice", "")
	first, err := cfg.Exchange(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(rt string) (*oauth2.Token, error) {
		return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt, Expiry: time.Now().Add(-time.Minute)}).Token()
	}
	second, err := refresh(first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatalf("refresh did not rotate: %q → %q", first.RefreshToken, second.RefreshToken)
	}
	_, err = refresh(first.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	if _, err := refresh(second.RefreshToken); err != nil {
		t.Fatalf("the rotated refresh token: %v", err)
	}
	if n := srv.Refreshes(); n != 2 {
		t.Errorf("Refreshes() = %d, want 2", n)
	}
	cloudDo(t, srv, "GET", "/user", bearer(second.AccessToken), "").wantStatus(t, 200)
}

func TestOAuthAccessTokenExpiry(t *testing.T) {
	srv, cfg := newOAuthFixture(t)
	ctx := context.Background()
	srv.SetTokenLifetime(90 * time.Second)
	code, _ := srv.Authorize("app", "alice", "")
	tok, err := cfg.Exchange(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Extra("expires_in") != float64(90) {
		t.Errorf("expires_in %v, want 90", tok.Extra("expires_in"))
	}
	cloudDo(t, srv, "GET", "/user", bearer(tok.AccessToken), "").wantStatus(t, 200)
	srv.ExpireAccessTokens()
	rep := cloudDo(t, srv, "GET", "/user", bearer(tok.AccessToken), "")
	rep.wantCloudError(t, 401)
	if !strings.Contains(str(rep.body, "error.message"), "expired") {
		t.Errorf("expired token message: %s", rep.raw)
	}
}

func TestOAuthClientCredentials(t *testing.T) {
	srv, cfg := newOAuthFixture(t)
	srv.AddUser(User{Username: "owner"})
	srv.SetOAuthConsumerOwner("app", "owner")
	body := strings.NewReader("grant_type=client_credentials")
	req, _ := http.NewRequest("POST", srv.OAuthTokenURL(), body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(cfg.ClientID, cfg.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || strings.Contains(string(raw), "refresh_token") || !strings.Contains(string(raw), `"access_token"`) {
		t.Fatalf("client_credentials: %d %s", resp.StatusCode, raw)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(raw, &tok); err != nil {
		t.Fatal(err)
	}
	if rep := cloudDo(t, srv, "GET", "/user", bearer(tok.AccessToken), ""); rep.body["nickname"] != "owner" {
		t.Errorf("client_credentials token acts as %v", rep.body["nickname"])
	}
}

func TestOAuthConcurrency(t *testing.T) {
	srv, cfg := newOAuthFixture(t)
	ctx := context.Background()
	code, _ := srv.Authorize("app", "alice", "")
	tok, err := cfg.Exchange(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	var wins, grantErrs atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(2)
		// Everyone races to use the same refresh token: exactly one may win.
		go func() {
			defer wg.Done()
			_, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
			var re *oauth2.RetrieveError
			switch {
			case err == nil:
				wins.Add(1)
			case errors.As(err, &re) && re.ErrorCode == "invalid_grant":
				grantErrs.Add(1)
			default:
				t.Errorf("refresh: %v", err)
			}
		}()
		// Meanwhile others run whole flows and call the API.
		go func() {
			defer wg.Done()
			code, err := srv.Authorize("app", "alice", "")
			if err != nil {
				t.Error(err)
				return
			}
			tk, err := cfg.Exchange(ctx, code)
			if err != nil {
				t.Errorf("exchange: %v", err)
				return
			}
			req, _ := http.NewRequest("GET", srv.URL()+"/user", nil)
			req.Header.Set("Authorization", "Bearer "+tk.AccessToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("/user: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || grantErrs.Load() != n-1 || srv.Refreshes() != 1 {
		t.Errorf("%d refreshes won, %d refused, Refreshes()=%d; want 1, %d, 1", wins.Load(), grantErrs.Load(), srv.Refreshes(), n-1)
	}
}
