package auth_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"net/url"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
)

// The whole Bitbucket Cloud authorization-code flow against the fake's OAuth endpoints: a state
// from a StateStore, the user's approval, Exchange, and then a StoredTokenSource that refreshes the
// expired access token, saves the rotated refresh token in the TokenStore before using it, and
// feeds a Cloud client. Against the real service, use auth.CloudOAuth2Config (no site URL), send
// the browser to cfg.AuthCodeURL(state), read code and state on the callback, and keep the token
// in a TokenStore backed by the product's database.
func ExampleStoredTokenSource() {
	fake := bitbuckettest.NewCloud()
	defer fake.Close()
	fake.AddUser(bitbuckettest.User{Username: "jane", DisplayName: "Jane Doe"})
	fake.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "api"})
	fake.Grant("jane", bitbucket.RepoRef{Namespace: "acme", Slug: "api"}, bitbucket.PermissionAdmin)
	const callback = "https://product.example.com/bitbucket/callback"
	fake.AddOAuthConsumer("consumer-key", "consumer-secret", callback, "account", "repository", "webhook")

	// Token requests reach only public https addresses unless allowed: the fake is on loopback.
	ctx := auth.ContextWithAllowedHosts(context.Background(), netip.MustParsePrefix("127.0.0.0/8"))
	cfg := auth.CloudOAuth2ConfigFor(fake.OAuthSiteURL(), "consumer-key", "consumer-secret", callback)

	// 1. Send the user to Bitbucket with a fresh state.
	states := auth.NewStateStore(10 * time.Minute)
	state, err := states.New()
	if err != nil {
		log.Fatal(err)
	}
	// The access token issued by the exchange expires at once, so that the token source below
	// must refresh it.
	fake.SetTokenLifetime(time.Second)
	redirect, err := fake.Approve(cfg.AuthCodeURL(state), "jane") // the user presses "Grant access"
	if err != nil {
		log.Fatal(err)
	}

	// 2. On the callback: check the state once, then trade the code for a token.
	cb, _ := url.Parse(redirect)
	if err := states.Consume(cb.Query().Get("state")); err != nil {
		log.Fatal(err) // a forged or replayed callback
	}
	tok, err := auth.Exchange(ctx, cfg, cb.Query().Get("code"))
	if err != nil {
		log.Fatal(err)
	}
	fake.SetTokenLifetime(2 * time.Hour) // tokens issued from now on live two hours, as on Bitbucket
	store := auth.NewMemoryTokenStore(tok)

	// 3. For every later use: a token source over the store, shared by all replicas.
	ts := auth.StoredTokenSource(ctx, cfg, store)
	client, err := cloud.New(auth.OAuth2(ts), fake.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	info, err := client.CheckConnection(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("connected as", info.User.Username)

	saved, err := store.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("refreshes:", fake.Refreshes())
	fmt.Println("refresh token rotated and saved:", saved.RefreshToken != tok.RefreshToken)
	// Output:
	// connected as jane
	// refreshes: 1
	// refresh token rotated and saved: true
}
