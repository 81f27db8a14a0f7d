package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/internal/hostpolicy"
	"golang.org/x/oauth2"
)

const dcCallback = "https://app.example.com/bitbucket/callback"

// newDCFake starts a Data Center fake with user jane and client testClientID, and returns it with
// its ServerOAuth2Config and the first token of an authorization (no PKCE).
func newDCFake(t *testing.T, rotate, requireRedirect bool) (*bitbuckettest.Server, *oauth2.Config, *oauth2.Token) {
	t.Helper()
	fake := bitbuckettest.NewServer()
	t.Cleanup(fake.Close)
	fake.AddUser(bitbuckettest.User{Username: "jane"})
	fake.AddServerOAuthClient(testClientID, testClientSecret, dcCallback, "REPO_READ", "REPO_ADMIN")
	fake.SetServerOAuthRotation(rotate)
	fake.SetServerOAuthRefreshNeedsRedirectURI(requireRedirect)
	cfg := ServerOAuth2Config(fake.URL(), testClientID, testClientSecret, dcCallback, "REPO_READ", "REPO_ADMIN")
	code, err := fake.AuthorizeServerOAuth(testClientID, "jane")
	if err != nil {
		t.Fatal(err)
	}
	first, err := Exchange(ContextWithAllowedHosts(t.Context(), loopbackHosts), cfg, code)
	if err != nil {
		t.Fatal(err)
	}
	return fake, cfg, first
}

// whoami reports the user the fake's API sees for a Bearer access token, "" when it refuses it.
func whoami(t *testing.T, fake *bitbuckettest.Server, access string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fake.URL()+"/plugins/servlet/applinks/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return resp.Header.Get("X-AUSERNAME")
}

// TestStoredTokenSourceOnDataCenterFake runs StoredTokenSource against the Data Center fake under
// the four answers to the unconfirmed points (the server rotates refresh tokens or not, requires
// redirect_uri on the refresh grant or not), over three expiries, with 100 concurrent callers
// either on one source or on two replicas sharing a store: every call succeeds, the fake grants
// exactly one refresh per expiry, every caller gets the stored token, the stored access token
// authenticates API calls, and its refresh token is the fake's newest (rotation) or the first one
// (no rotation), which the next round proves usable by refreshing with it.
func TestStoredTokenSourceOnDataCenterFake(t *testing.T) {
	for _, rotate := range []bool{true, false} {
		for _, requireRedirect := range []bool{true, false} {
			for _, replicas := range []int{1, 2} {
				name := fmt.Sprintf("rotate=%v/redirect_required=%v/replicas=%d", rotate, requireRedirect, replicas)
				t.Run(name, func(t *testing.T) {
					fake, cfg, first := newDCFake(t, rotate, requireRedirect)
					ctx := ContextWithAllowedHosts(t.Context(), loopbackHosts)
					mem := NewMemoryTokenStore(expired(first.AccessToken, first.RefreshToken))
					for round := 1; round <= 3; round++ {
						fake.ExpireServerOAuthAccessTokens() // the old access token is dead on the server too
						sources := []oauth2.TokenSource{StoredTokenSource(ctx, cfg, mem)}
						if replicas == 2 {
							sources = append(sources, StoredTokenSource(ctx, cfg, mem))
						}
						got := hammer(t, 100/replicas, sources...)
						if len(got) != 100 {
							t.Fatalf("round %d: %d successful calls, want 100", round, len(got))
						}
						if n := fake.ServerOAuthRefreshes(); n != round {
							t.Fatalf("round %d: the fake granted %d refreshes in all, want exactly one per expiry", round, n)
						}
						stored, err := mem.Load(t.Context())
						if err != nil {
							t.Fatal(err)
						}
						for _, at := range got {
							if at != stored.AccessToken {
								t.Fatalf("round %d: a caller got a token other than the stored one", round)
							}
						}
						if who := whoami(t, fake, stored.AccessToken); who != "jane" {
							t.Fatalf("round %d: the stored access token acts as %q, want jane", round, who)
						}
						if kept := stored.RefreshToken == first.RefreshToken; kept == rotate {
							t.Fatalf("round %d: rotate=%v, but the stored refresh token kept=%v", round, rotate, kept)
						}
						if err := mem.Save(t.Context(), stored, expired(stored.AccessToken, stored.RefreshToken)); err != nil {
							t.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// TestStoredTokenSourceDataCenterRacingReplicas has two replicas refresh without a TokenLocker.
// On a rotating server the loser's refresh is refused and it adopts the winner's token: one
// refresh. On a server that does not rotate, both refreshes may succeed, and the later save loses
// its compare-and-swap and adopts the stored token: at most one refresh per replica. Either way
// every caller gets the stored token.
func TestStoredTokenSourceDataCenterRacingReplicas(t *testing.T) {
	for _, rotate := range []bool{true, false} {
		t.Run(fmt.Sprintf("rotate=%v", rotate), func(t *testing.T) {
			fake, cfg, first := newDCFake(t, rotate, true)
			ctx := ContextWithAllowedHosts(t.Context(), loopbackHosts)
			mem := NewMemoryTokenStore(expired(first.AccessToken, first.RefreshToken))
			got := hammer(t, 50, StoredTokenSource(ctx, cfg, noLockStore{mem}), StoredTokenSource(ctx, cfg, noLockStore{mem}))
			n := fake.ServerOAuthRefreshes()
			if len(got) != 100 || n < 1 || n > 2 || (rotate && n != 1) {
				t.Fatalf("%d successful calls, %d refreshes", len(got), n)
			}
			stored, err := mem.Load(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range got {
				if at != stored.AccessToken {
					t.Fatal("a caller got a token other than the stored one")
				}
			}
			if whoami(t, fake, stored.AccessToken) != "jane" {
				t.Fatal("the stored access token does not authenticate")
			}
		})
	}
}

// TestDataCenterRefreshNeedsRedirectMechanism shows that the fake, when it requires redirect_uri,
// refuses oauth2's own refresh grant, and that StoredTokenSource's succeeds: without the
// redirect_uri it adds, this test fails.
func TestDataCenterRefreshNeedsRedirectMechanism(t *testing.T) {
	fake, cfg, first := newDCFake(t, true, true)
	ctx := ContextWithAllowedHosts(t.Context(), loopbackHosts)
	_, err := cfg.TokenSource(TokenContext(ctx), expired(first.AccessToken, first.RefreshToken)).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_request" {
		t.Fatalf("oauth2's refresh without redirect_uri: %v, want invalid_request from the fake", err)
	}
	tok, err := StoredTokenSource(ctx, cfg, NewMemoryTokenStore(expired(first.AccessToken, first.RefreshToken))).Token()
	if err != nil {
		t.Fatalf("StoredTokenSource's refresh: %v", err)
	}
	if fake.ServerOAuthRefreshes() != 1 || whoami(t, fake, tok.AccessToken) != "jane" {
		t.Fatal("StoredTokenSource did not refresh through the fake")
	}
}

// tokenRecorder is a token endpoint that records the forms posted to it and answers a token
// without a refresh token.
type tokenRecorder struct {
	mu    sync.Mutex
	forms []url.Values
}

func (r *tokenRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_ = req.ParseForm()
	r.mu.Lock()
	r.forms = append(r.forms, req.PostForm)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"access_token":"at-new","token_type":"bearer","expires_in":3600}`))
}

func (r *tokenRecorder) last(t *testing.T) url.Values {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.forms) == 0 {
		t.Fatal("the token endpoint was not called")
	}
	return r.forms[len(r.forms)-1]
}

// TestRefreshRedirectOnlyOnDataCenterRefreshGrants checks what reaches a token endpoint: a Data
// Center refresh grant carries the configuration's redirect_uri once; one of a Data Center config
// without a RedirectURL, and a Cloud one, carry none; the code exchange carries oauth2's own, once;
// the other parameters are untouched, and a refresh answer without a refresh token keeps the old.
func TestRefreshRedirectOnlyOnDataCenterRefreshGrants(t *testing.T) {
	rec := &tokenRecorder{}
	ts := httptest.NewServer(rec)
	defer ts.Close()
	ctx := ContextWithAllowedHosts(t.Context(), loopbackHosts)
	refresh := func(cfg *oauth2.Config) url.Values {
		t.Helper()
		tok, err := StoredTokenSource(ctx, cfg, NewMemoryTokenStore(expired("at-0", "rt-0"))).Token()
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != "at-new" || tok.RefreshToken != "rt-0" {
			t.Fatalf("refreshed token %q/%q, want at-new with the refresh token kept", tok.AccessToken, tok.RefreshToken)
		}
		return rec.last(t)
	}

	dc := ServerOAuth2Config(ts.URL+"/bitbucket", "id", "client-secret", dcCallback)
	f := refresh(dc)
	if f["redirect_uri"] == nil || len(f["redirect_uri"]) != 1 || f.Get("redirect_uri") != dcCallback {
		t.Errorf("Data Center refresh: redirect_uri %q, want %q once", f["redirect_uri"], dcCallback)
	}
	want := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt-0"}, "client_id": {"id"},
		"client_secret": {"client-secret"}, "redirect_uri": {dcCallback}}
	if f.Encode() != want.Encode() {
		t.Errorf("Data Center refresh form %v, want %v", f, want)
	}

	if f := refresh(ServerOAuth2Config(ts.URL, "id", "client-secret", "")); f.Has("redirect_uri") {
		t.Errorf("Data Center config without RedirectURL sent redirect_uri %q", f.Get("redirect_uri"))
	}
	if f := refresh(CloudOAuth2ConfigFor(ts.URL, "id", "client-secret", dcCallback)); f.Has("redirect_uri") {
		t.Errorf("Cloud refresh sent redirect_uri %q", f.Get("redirect_uri"))
	}

	if _, err := Exchange(ctx, dc, "the-code"); err != nil {
		t.Fatal(err)
	}
	if f := rec.last(t); len(f["redirect_uri"]) != 1 || f.Get("grant_type") != "authorization_code" || f.Get("code") != "the-code" {
		t.Errorf("exchange form %v", f)
	}
}

// TestDataCenterRefreshKeepsHostPolicy checks that the redirect_uri layer sits in front of the
// guarded client, not instead of it: without ContextWithAllowedHosts, a Data Center token endpoint
// on loopback is refused before any request, and the error carries no secret.
func TestDataCenterRefreshKeepsHostPolicy(t *testing.T) {
	rec := &tokenRecorder{}
	ts := httptest.NewServer(rec)
	defer ts.Close()
	cfg := ServerOAuth2Config(ts.URL, "id", "client-SECRET-1", dcCallback)
	_, err := StoredTokenSource(t.Context(), cfg, NewMemoryTokenStore(expired("at-0", "rt-SECRET-2"))).Token()
	var he *hostpolicy.HostError
	if !errors.Is(err, ErrTokenSource) || !errors.As(err, &he) {
		t.Fatalf("refresh to loopback without an allow-list: %v, want a host policy error", err)
	}
	for _, s := range []string{"client-SECRET-1", "rt-SECRET-2"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q carries a secret", err)
		}
	}
	if len(rec.forms) != 0 {
		t.Error("the token endpoint was reached")
	}
}

// TestDataCenterExpiredRefreshToken: a refresh token past Data Center's lifetime ends in
// ErrInvalidGrant, without a secret in the error.
func TestDataCenterExpiredRefreshToken(t *testing.T) {
	fake := bitbuckettest.NewServer()
	defer fake.Close()
	fake.AddUser(bitbuckettest.User{Username: "jane"})
	fake.AddServerOAuthClient(testClientID, testClientSecret, dcCallback)
	fake.SetServerOAuthTokenLifetimes(time.Hour, time.Nanosecond)
	cfg := ServerOAuth2Config(fake.URL(), testClientID, testClientSecret, dcCallback)
	code, err := fake.AuthorizeServerOAuth(testClientID, "jane")
	if err != nil {
		t.Fatal(err)
	}
	ctx := ContextWithAllowedHosts(t.Context(), loopbackHosts)
	first, err := Exchange(ctx, cfg, code)
	if err != nil {
		t.Fatal(err)
	}
	_, err = StoredTokenSource(ctx, cfg, NewMemoryTokenStore(expired(first.AccessToken, first.RefreshToken))).Token()
	if !errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("refresh with an expired refresh token: %v, want ErrInvalidGrant", err)
	}
	for _, s := range []string{testClientSecret, first.RefreshToken, first.AccessToken} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q carries a secret", err)
		}
	}
}
