package bitbuckettest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const dcTestCallback = "https://app.example.com/bitbucket/callback"

// newDCOAuthFixture seeds client "app" (REPO_READ, REPO_ADMIN) and user alice on a Data Center
// fake, and returns a config shaped as auth.ServerOAuth2Config makes it.
func newDCOAuthFixture(t *testing.T) (*Server, *oauth2.Config) {
	t.Helper()
	srv := NewServer()
	t.Cleanup(srv.Close)
	srv.AddUser(User{Username: "alice", DisplayName: "Alice"})
	srv.AddServerOAuthClient("app", "app-secret", dcTestCallback, "REPO_READ", "REPO_ADMIN")
	cfg := &oauth2.Config{
		ClientID:     "app",
		ClientSecret: "app-secret",
		RedirectURL:  dcTestCallback,
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL() + "/rest/oauth2/latest/authorize",
			TokenURL: srv.URL() + "/rest/oauth2/latest/token", AuthStyle: oauth2.AuthStyleInParams},
	}
	return srv, cfg
}

// postToken posts form to the fake's token endpoint and returns the status and decoded answer.
func postToken(t *testing.T, cfg *oauth2.Config, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(cfg.Endpoint.TokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token answer: %v", err)
	}
	return resp.StatusCode, body
}

// dcFirstToken runs the code flow without PKCE and returns the raw token answer.
func dcFirstToken(t *testing.T, srv *Server, cfg *oauth2.Config) map[string]any {
	t.Helper()
	code, err := srv.AuthorizeServerOAuth("app", "alice")
	if err != nil {
		t.Fatal(err)
	}
	status, body := postToken(t, cfg, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {"app"}, "client_secret": {"app-secret"}, "redirect_uri": {dcTestCallback}})
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, body)
	}
	return body
}

func refreshForm(rt string, redirect bool) url.Values {
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"app"}, "client_secret": {"app-secret"}}
	if redirect {
		f.Set("redirect_uri", dcTestCallback)
	}
	return f
}

func TestServerOAuthConsentPageAndForm(t *testing.T) {
	srv, cfg := newDCOAuthFixture(t)
	srv.SetServerOAuthUser("alice")
	authURL := cfg.AuthCodeURL("st<1>", oauth2.S256ChallengeOption("verifier-verifier-verifier-verifier-verifier"))

	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("consent page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`action="/bitbucket/rest/oauth2/latest/authorize"`, `name="state" value="st&lt;1&gt;"`,
		`name="code_challenge_method" value="S256"`, "alice", "REPO_READ, REPO_ADMIN"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("consent page lacks %q:\n%s", want, page)
		}
	}

	form := url.Values{}
	for k, v := range mustParse(t, authURL).Query() {
		form[k] = v
	}
	for decision, want := range map[string]string{"allow": "code", "deny": "error"} {
		form.Set("decision", decision)
		resp, err := noRedirect.PostForm(cfg.Endpoint.AuthURL, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := mustParse(t, resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Query().Get(want) == "" || loc.Query().Get("state") != "st<1>" ||
			!strings.HasPrefix(loc.String(), dcTestCallback+"?") {
			t.Errorf("%s: %d, Location %q", decision, resp.StatusCode, loc)
		}
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestServerOAuthAuthorizeRefusals(t *testing.T) {
	srv, cfg := newDCOAuthFixture(t)
	srv.AddServerOAuthClient("public", "", dcTestCallback, "REPO_READ")
	pkce := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())
	other := *cfg
	other.RedirectURL = "https://evil.example.com/callback"
	unknown := *cfg
	unknown.ClientID = "nobody"
	public := *cfg
	public.ClientID = "public"
	wideScope := *cfg
	wideScope.Scopes = []string{"PROJECT_ADMIN"}
	for name, tc := range map[string]struct {
		url, want string
	}{
		"unknown client":        {unknown.AuthCodeURL("s"), "Invalid client_id"},
		"foreign redirect_uri":  {other.AuthCodeURL("s"), "redirect_uri"},
		"scope beyond the link": {wideScope.AuthCodeURL("s"), "invalid_scope"},
		"plain PKCE":            {cfg.AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge", "abc")), "invalid_request"},
		"public without PKCE":   {public.AuthCodeURL("s"), "invalid_request"},
	} {
		if _, err := srv.ApproveServerOAuth(tc.url, "alice"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, tc.want)
		}
	}
	if _, err := srv.ApproveServerOAuth(public.AuthCodeURL("s", pkce), "alice"); err != nil {
		t.Errorf("public client with PKCE: %v", err)
	}
	if _, err := srv.AuthorizeServerOAuth("public", "alice"); err == nil {
		t.Error("AuthorizeServerOAuth issued a code without PKCE to a public client")
	}
}

func TestServerOAuthPKCE(t *testing.T) {
	srv, cfg := newDCOAuthFixture(t)
	ctx := context.Background()
	approve := func(verifier string) string {
		redirect, err := srv.ApproveServerOAuth(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "alice")
		if err != nil {
			t.Fatal(err)
		}
		return mustParse(t, redirect).Query().Get("code")
	}
	verifier := oauth2.GenerateVerifier()
	code := approve(verifier)
	_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	wantOAuthError(t, err, "invalid_grant")
	_, err = cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	wantOAuthError(t, err, "invalid_grant") // the failed attempt used the code up

	_, err = cfg.Exchange(ctx, approve(verifier))
	wantOAuthError(t, err, "invalid_grant") // no verifier for a code with a challenge

	tok, err := cfg.Exchange(ctx, approve(verifier), oauth2.VerifierOption(verifier))
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("exchange with the right verifier: %v", err)
	}
	// A code without a challenge refuses a verifier.
	plain, err := srv.AuthorizeServerOAuth("app", "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Exchange(ctx, plain, oauth2.VerifierOption(verifier))
	wantOAuthError(t, err, "invalid_grant")
}

func TestServerOAuthClientAuthInParamsOnly(t *testing.T) {
	srv, cfg := newDCOAuthFixture(t)
	header := *cfg
	header.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	code, err := srv.AuthorizeServerOAuth("app", "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, err = header.Exchange(context.Background(), code)
	wantOAuthError(t, err, "invalid_client")

	wrong := *cfg
	wrong.ClientSecret = "not-the-secret"
	code, _ = srv.AuthorizeServerOAuth("app", "alice")
	_, err = wrong.Exchange(context.Background(), code)
	wantOAuthError(t, err, "invalid_client")

	code, _ = srv.AuthorizeServerOAuth("app", "alice")
	if _, err := cfg.Exchange(context.Background(), code); err != nil {
		t.Fatalf("client credentials in params: %v", err)
	}
}

func TestServerOAuthDefaultLifetimes(t *testing.T) {
	srv, cfg := newDCOAuthFixture(t)
	if a, r := srv.ServerOAuthTokenLifetimes(); a != 3600*time.Second || r != 90*24*time.Hour {
		t.Errorf("default lifetimes %v and %v, want 3600 s and 90 days", a, r)
	}
	body := dcFirstToken(t, srv, cfg)
	if body["expires_in"] != float64(3600) || body["token_type"] != "bearer" || body["scope"] != "REPO_READ REPO_ADMIN" {
		t.Errorf("token answer %v", body)
	}

	// A refresh token past its lifetime is refused.
	srv.SetServerOAuthTokenLifetimes(time.Hour, time.Nanosecond)
	rt := dcFirstToken(t, srv, cfg)["refresh_token"].(string)
	time.Sleep(time.Millisecond)
	if status, body := postToken(t, cfg, refreshForm(rt, true)); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("expired refresh token: %d %v", status, body)
	}
}

// TestServerOAuthRefreshSwitches runs the refresh grant under the four answers to the two
// unconfirmed points.
func TestServerOAuthRefreshSwitches(t *testing.T) {
	for _, rotate := range []bool{true, false} {
		for _, require := range []bool{true, false} {
			t.Run(fmt.Sprintf("rotate=%v/redirect_required=%v", rotate, require), func(t *testing.T) {
				srv, cfg := newDCOAuthFixture(t)
				srv.SetServerOAuthRotation(rotate)
				srv.SetServerOAuthRefreshNeedsRedirectURI(require)
				rt := dcFirstToken(t, srv, cfg)["refresh_token"].(string)

				status, body := postToken(t, cfg, refreshForm(rt, false))
				if require {
					if status != http.StatusBadRequest || body["error"] != "invalid_request" {
						t.Fatalf("refresh without redirect_uri: %d %v, want invalid_request", status, body)
					}
					f := refreshForm(rt, false)
					f.Set("redirect_uri", "https://elsewhere.example.com/cb")
					if status, body := postToken(t, cfg, f); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
						t.Fatalf("refresh with a foreign redirect_uri: %d %v, want invalid_grant", status, body)
					}
					if srv.ServerOAuthRefreshes() != 0 {
						t.Fatal("a refused refresh was counted")
					}
					status, body = postToken(t, cfg, refreshForm(rt, true))
				}
				if status != http.StatusOK || body["access_token"] == nil {
					t.Fatalf("refresh: %d %v", status, body)
				}
				next, hasNext := body["refresh_token"].(string)
				if hasNext != rotate || (rotate && next == rt) {
					t.Fatalf("rotate=%v: answer refresh_token %q (old %q)", rotate, next, rt)
				}
				status, body = postToken(t, cfg, refreshForm(rt, true))
				if rotate && (status != http.StatusBadRequest || body["error"] != "invalid_grant") {
					t.Errorf("reused rotated refresh token: %d %v, want invalid_grant", status, body)
				}
				if !rotate && status != http.StatusOK {
					t.Errorf("reused non-rotating refresh token: %d %v", status, body)
				}
				if rotate {
					if status, body := postToken(t, cfg, refreshForm(next, true)); status != http.StatusOK {
						t.Errorf("the rotated refresh token: %d %v", status, body)
					}
				}
				if n := srv.ServerOAuthRefreshes(); n != 2 {
					t.Errorf("%d refreshes counted, want 2", n)
				}
			})
		}
	}
}

func TestServerOAuthAccessTokenAuthenticatesAPI(t *testing.T) {
	srv, cfg := newDCOAuthFixture(t)
	access := dcFirstToken(t, srv, cfg)["access_token"].(string)
	whoami := func() (int, string, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/plugins/servlet/applinks/whoami", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("X-AUSERNAME")
	}
	if status, body, user := whoami(); status != 200 || body != "alice" || user != "alice" {
		t.Fatalf("whoami with the access token: %d %q, X-AUSERNAME %q", status, body, user)
	}
	srv.ExpireServerOAuthAccessTokens()
	if status, _, _ := whoami(); status != http.StatusUnauthorized {
		t.Fatalf("whoami with an expired access token: %d, want 401", status)
	}
}
