package auth_test

import (
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/server"
	"golang.org/x/oauth2"
)

// TestDataCenterOAuthFlow runs the whole Data Center flow against the fake, which requires
// redirect_uri on refresh and rotates refresh tokens (its defaults): a state, the authorize URL
// with a PKCE challenge, the user's approval, Exchange with the verifier, then server.New with
// auth.OAuth2(StoredTokenSource): CheckConnection acts as the approving user, and after the access
// token expires (on the server too) the next CheckConnection refreshes once, saves the rotated
// token and works.
func TestDataCenterOAuthFlow(t *testing.T) {
	fake := bitbuckettest.NewServer()
	defer fake.Close()
	fake.AddUser(bitbuckettest.User{Username: "jane", DisplayName: "Jane Doe"})
	const callback = "https://product.example.com/bitbucket/callback"
	fake.AddServerOAuthClient("link-id", "link-secret", callback, "REPO_READ", "REPO_ADMIN")

	ctx := auth.ContextWithAllowedHosts(t.Context(), netip.MustParsePrefix("127.0.0.0/8"))
	cfg := auth.ServerOAuth2Config(fake.URL(), "link-id", "link-secret", callback, "REPO_ADMIN")

	states := auth.NewStateStore(10 * time.Minute)
	state, err := states.New()
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	redirect, err := fake.ApproveServerOAuth(cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), "jane")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := url.Parse(redirect)
	if err != nil {
		t.Fatal(err)
	}
	if err := states.Consume(cb.Query().Get("state")); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Exchange(ctx, cfg, cb.Query().Get("code")); err == nil {
		t.Fatal("Exchange without the PKCE verifier succeeded")
	}
	redirect, err = fake.ApproveServerOAuth(cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), "jane")
	if err != nil {
		t.Fatal(err)
	}
	cb, _ = url.Parse(redirect)
	tok, err := auth.Exchange(ctx, cfg, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if life := time.Until(tok.Expiry); life < 3590*time.Second || life > 3600*time.Second {
		t.Errorf("access token lives %v, want Data Center's 3600 s", life)
	}

	store := auth.NewMemoryTokenStore(tok)
	client, err := server.New(fake.URL(), auth.OAuth2(auth.StoredTokenSource(ctx, cfg, store)), fake.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	info, err := client.CheckConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.User.Username != "jane" {
		t.Fatalf("connected as %q, want jane", info.User.Username)
	}
	if fake.ServerOAuthRefreshes() != 0 {
		t.Fatal("a valid token was refreshed")
	}

	// The access token expires, on the server and in the store.
	fake.ExpireServerOAuthAccessTokens()
	stale := &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: tok.TokenType,
		Expiry: time.Now().Add(-time.Minute)}
	if err := store.Save(ctx, tok, stale); err != nil {
		t.Fatal(err)
	}
	client, err = server.New(fake.URL(), auth.OAuth2(auth.StoredTokenSource(ctx, cfg, store)), fake.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	if info, err = client.CheckConnection(ctx); err != nil || info.User.Username != "jane" {
		t.Fatalf("CheckConnection after expiry: %v, %+v", err, info)
	}
	saved, err := store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fake.ServerOAuthRefreshes() != 1 || saved.RefreshToken == tok.RefreshToken || saved.AccessToken == tok.AccessToken {
		t.Fatalf("%d refreshes; the rotated token saved: %v", fake.ServerOAuthRefreshes(), saved.RefreshToken != tok.RefreshToken)
	}
}
