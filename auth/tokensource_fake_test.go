package auth

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// TestStoredTokenSourceOnCloudFake runs two replicas of 50 goroutines each against the Cloud
// fake, whose refresh tokens rotate (a used one is refused with invalid_grant), over several
// expiries: every call succeeds, the fake grants exactly one refresh per expiry, and the store
// ends holding the newest token, whose refresh token the fake still accepts.
func TestStoredTokenSourceOnCloudFake(t *testing.T) {
	for _, locked := range []bool{true, false} {
		t.Run(fmt.Sprintf("locker=%v", locked), func(t *testing.T) {
			fake := bitbuckettest.NewCloud()
			defer fake.Close()
			fake.AddUser(bitbuckettest.User{Username: "jane"})
			fake.AddOAuthConsumer(testClientID, testClientSecret, "https://app.example.com/callback", "account", "repository")
			cfg := CloudOAuth2ConfigFor(fake.OAuthSiteURL(), testClientID, testClientSecret, "https://app.example.com/callback")
			code, err := fake.Authorize(testClientID, "jane", "state-1")
			if err != nil {
				t.Fatal(err)
			}
			ctx := ContextWithAllowedHosts(t.Context(), loopbackHosts) // the fake listens on loopback
			first, err := Exchange(ctx, cfg, code)
			if err != nil {
				t.Fatal(err)
			}
			mem := NewMemoryTokenStore(expired(first.AccessToken, first.RefreshToken))
			var store TokenStore = mem
			if !locked {
				store = noLockStore{mem}
			}
			for round := 1; round <= 3; round++ {
				a, b := StoredTokenSource(ctx, cfg, store), StoredTokenSource(ctx, cfg, store)
				got := hammer(t, 50, a, b)
				if len(got) != 100 {
					t.Fatalf("round %d: %d successful calls, want 100", round, len(got))
				}
				if n := fake.Refreshes(); n != round {
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
				// The token expires: the next round must refresh with the stored refresh token,
				// which only works if the store holds the newest one.
				if err := mem.Save(t.Context(), stored, expired(stored.AccessToken, stored.RefreshToken)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// loopbackHosts allows the token requests of a test to reach its server on loopback.
var loopbackHosts = netip.MustParsePrefix("127.0.0.0/8")
