package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/sqlstore"
)

func expired(access, refresh string) *oauth2.Token {
	return &oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "bearer", Expiry: time.Now().Add(-time.Minute)}
}

// TestTokenStoreCompareAndSwap checks Save's compare-and-swap from two replicas, and that no form
// of the store shows a token.
func TestTokenStoreCompareAndSwap(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		rs := migrated(t, b, 2)
		a, err := rs[0].store.TokenStore("tenant-a")
		if err != nil {
			t.Fatal(err)
		}
		other, _ := rs[1].store.TokenStore("tenant-a")
		ctx := t.Context()
		if _, err := a.Load(ctx); !errors.Is(err, auth.ErrNoToken) {
			t.Fatalf("empty store: Load = %v, want ErrNoToken", err)
		}
		first := &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1", TokenType: "bearer", Expiry: time.UnixMilli(1_900_000_000_123)}
		if err := a.Save(ctx, nil, first); err != nil {
			t.Fatalf("first Save: %v", err)
		}
		if err := other.Save(ctx, nil, expired("at-x", "rt-x")); !errors.Is(err, auth.ErrTokenConflict) {
			t.Fatalf("second insert: %v, want ErrTokenConflict", err)
		}
		second := expired("at-2", "rt-2")
		if err := other.Save(ctx, first, second); err != nil {
			t.Fatalf("swap from the other replica: %v", err)
		}
		if err := a.Save(ctx, first, expired("at-3", "rt-3")); !errors.Is(err, auth.ErrTokenConflict) {
			t.Fatalf("swap on a stale token: %v, want ErrTokenConflict", err)
		}
		got, err := a.Load(ctx)
		if err != nil || !auth.SameToken(got, second) || got.TokenType != "bearer" {
			t.Fatalf("Load = %+v, %v; want the second token", got, err)
		}
		// Another connection is another row.
		c, _ := rs[0].store.TokenStore("tenant-c")
		if _, err := c.Load(ctx); !errors.Is(err, auth.ErrNoToken) {
			t.Fatalf("another connection: %v", err)
		}

		var logs strings.Builder
		slog.New(slog.NewTextHandler(&logs, nil)).Info("store", "tokens", a, "states", rs[0].store.StateStore(0))
		j, _ := json.Marshal(map[string]any{"a": a, "s": rs[0].store})
		out := fmt.Sprintf("%v %+v %#v %s %x %q", a, a, a, a, a, a) + logs.String() + string(j)
		for _, secret := range []string{"at-2", "rt-2", b.dsn} {
			if strings.Contains(out, secret) {
				t.Errorf("a description shows %q: %s", secret, out)
			}
		}
	})
}

// TestOAuthRefreshThreeReplicas runs three replicas, each a StoredTokenSource over its own pool
// of one database, with 50 goroutines each, against the Cloud fake, whose refresh tokens rotate
// (a used one is refused with invalid_grant), over three expiries: every call succeeds, the token
// endpoint is asked exactly once per expiry, and the store ends on the newest token.
func TestOAuthRefreshThreeReplicas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		const clientID, clientSecret, callback = "consumer-key", "consumer-secret", "https://app.example.com/callback"
		fake := bitbuckettest.NewCloud()
		defer fake.Close()
		fake.AddUser(bitbuckettest.User{Username: "jane"})
		fake.AddOAuthConsumer(clientID, clientSecret, callback, "account", "repository")
		cfg := auth.CloudOAuth2ConfigFor(fake.OAuthSiteURL(), clientID, clientSecret, callback)
		code, err := fake.Authorize(clientID, "jane", "state-1")
		if err != nil {
			t.Fatal(err)
		}
		// Token requests reach only public https addresses unless allowed: the fake is on loopback.
		allowed := auth.ContextWithAllowedHosts(t.Context(), netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
		first, err := auth.Exchange(allowed, cfg, code)
		if err != nil {
			t.Fatal(err)
		}
		var tokenRequests atomic.Int32
		ctx := context.WithValue(allowed, oauth2.HTTPClient, &http.Client{Transport: countingTransport{&tokenRequests}})

		rs := migrated(t, b, 3)
		stores := make([]*sqlstore.TokenStore, len(rs))
		for i, r := range rs {
			ts, err := r.store.TokenStore("jane@cloud")
			if err != nil {
				t.Fatal(err)
			}
			stores[i] = ts
		}
		if err := stores[0].Save(ctx, nil, expired(first.AccessToken, first.RefreshToken)); err != nil {
			t.Fatal(err)
		}
		var elapsed []time.Duration
		for round := 1; round <= 3; round++ {
			// Fresh sources, as after a restart of every replica.
			var sources []oauth2.TokenSource
			for _, s := range stores {
				sources = append(sources, auth.StoredTokenSource(ctx, cfg, s))
			}
			start := time.Now()
			got := hammer(t, 50, sources...)
			elapsed = append(elapsed, time.Since(start))
			if len(got) != 150 {
				t.Fatalf("round %d: %d successful calls, want 150", round, len(got))
			}
			if n := fake.Refreshes(); n != round {
				t.Fatalf("round %d: the fake granted %d refreshes in all, want exactly one per expiry", round, n)
			}
			if n := tokenRequests.Load(); n != int32(round) {
				t.Fatalf("round %d: %d token requests in all, want exactly one per expiry", round, n)
			}
			stored, err := stores[2].Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range got {
				if at != stored.AccessToken {
					t.Fatalf("round %d: a caller got a token other than the stored one", round)
				}
			}
			// Expire it: the next round refreshes with the stored refresh token, which the fake
			// accepts only if the store holds the newest one.
			if err := stores[1].Save(ctx, stored, expired(stored.AccessToken, stored.RefreshToken)); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: 3 replicas × 50 goroutines, 3 expiries: %d refreshes granted, %d token requests; rounds took %v",
			b.name, fake.Refreshes(), tokenRequests.Load(), elapsed)
	})
}

// countingTransport counts the requests to the OAuth token endpoint.
type countingTransport struct{ n *atomic.Int32 }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/access_token") {
		c.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// hammer calls Token from goroutines on each source at once and returns the access tokens.
func hammer(t *testing.T, goroutines int, sources ...oauth2.TokenSource) []string {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for _, ts := range sources {
		for range goroutines {
			wg.Go(func() {
				tok, err := ts.Token()
				if err != nil {
					t.Errorf("Token: %v", err)
					return
				}
				if !tok.Valid() {
					t.Errorf("Token returned an invalid token")
					return
				}
				mu.Lock()
				got = append(got, tok.AccessToken)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return got
}
