package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"
)

const (
	testClientID     = "consumer-key"
	testClientSecret = "consumer-secret-XYZ"
)

// rotatingEndpoint is a token endpoint whose refresh tokens rotate: each works once, and a used
// one answers invalid_grant, as Bitbucket Cloud's do.
type rotatingEndpoint struct {
	t        *testing.T
	mu       sync.Mutex
	current  string // the one refresh token that works
	issued   int    // successful refreshes
	attempts int    // refresh requests, failed ones included
}

func (e *rotatingEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != testClientID || secret != testClientSecret {
		e.t.Errorf("token request without the client's Basic credentials")
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "refresh_token" {
		e.t.Errorf("unexpected token request %v", r.PostForm)
		return
	}
	if r.PostForm.Has("client_secret") {
		e.t.Errorf("client secret sent in the body")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.attempts++
	w.Header().Set("Content-Type", "application/json")
	if r.PostForm.Get("refresh_token") != e.current {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid refresh_token"}`)
		return
	}
	e.issued++
	e.current = fmt.Sprintf("rt-%d", e.issued)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": fmt.Sprintf("at-%d", e.issued), "refresh_token": e.current,
		"expires_in": 7200, "token_type": "bearer", "scopes": "account repository",
	})
}

func (e *rotatingEndpoint) counts() (issued, attempts int, current string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.issued, e.attempts, e.current
}

func newEndpoint(t *testing.T) (*rotatingEndpoint, *oauth2.Config, context.Context) {
	e := &rotatingEndpoint{t: t, current: "rt-0"}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	cfg := CloudOAuth2ConfigFor(srv.URL, testClientID, testClientSecret, "https://app.example.com/callback")
	return e, cfg, context.WithValue(ContextWithAllowedHosts(t.Context(), loopbackHosts), oauth2.HTTPClient, srv.Client())
}

func expired(access, refresh string) *oauth2.Token {
	return &oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "bearer", Expiry: time.Now().Add(-time.Minute)}
}

// noLockStore hides the TokenLocker of a MemoryTokenStore, so replicas race to refresh.
type noLockStore struct{ s *MemoryTokenStore }

func (n noLockStore) Load(ctx context.Context) (*oauth2.Token, error) { return n.s.Load(ctx) }
func (n noLockStore) Save(ctx context.Context, prev, next *oauth2.Token) error {
	return n.s.Save(ctx, prev, next)
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

func TestStoredTokenSourceTwoReplicas(t *testing.T) {
	for _, locked := range []bool{true, false} {
		t.Run(fmt.Sprintf("locker=%v", locked), func(t *testing.T) {
			e, cfg, ctx := newEndpoint(t)
			mem := NewMemoryTokenStore(expired("at-0", "rt-0"))
			var store TokenStore = mem
			if !locked {
				store = noLockStore{mem}
			}
			for round := 1; round <= 3; round++ {
				// Two replicas (fresh sources, as after a restart) share the store.
				a, b := StoredTokenSource(ctx, cfg, store), StoredTokenSource(ctx, cfg, store)
				got := hammer(t, 50, a, b)
				issued, attempts, current := e.counts()
				if issued != round {
					t.Fatalf("round %d: %d refreshes issued in total, want exactly one per expiry", round, issued)
				}
				if locked && attempts != round {
					t.Errorf("round %d: %d refresh requests with a locking store, want %d", round, attempts, round)
				}
				want := fmt.Sprintf("at-%d", round)
				for _, at := range got {
					if at != want {
						t.Fatalf("round %d: a caller got %s, want %s", round, at, want)
					}
				}
				if len(got) != 100 {
					t.Fatalf("round %d: %d successful calls, want 100", round, len(got))
				}
				stored, err := mem.Load(t.Context())
				if err != nil || stored.AccessToken != want || stored.RefreshToken != current {
					t.Fatalf("round %d: store holds %+v (%v), want %s / %s", round, stored, err, want, current)
				}
				// The token expires: put an expired copy of it in the store for the next round.
				if err := mem.Save(t.Context(), stored, expired(stored.AccessToken, stored.RefreshToken)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestStoredTokenSourceServesCachedToken(t *testing.T) {
	e, cfg, ctx := newEndpoint(t)
	ts := StoredTokenSource(ctx, cfg, NewMemoryTokenStore(expired("at-0", "rt-0")))
	for range 5 {
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if issued, attempts, _ := e.counts(); issued != 1 || attempts != 1 {
		t.Errorf("%d refreshes (%d attempts) for one expiry", issued, attempts)
	}
}

// flakyStore fails Save with a non-conflict error while failing is set.
type flakyStore struct {
	*MemoryTokenStore
	mu      sync.Mutex
	failing bool
}

var errDBDown = errors.New("database unavailable")

func (f *flakyStore) Save(ctx context.Context, prev, next *oauth2.Token) error {
	f.mu.Lock()
	failing := f.failing
	f.mu.Unlock()
	if failing {
		return errDBDown
	}
	return f.MemoryTokenStore.Save(ctx, prev, next)
}

func TestStoredTokenSourceReportsFailingSave(t *testing.T) {
	e, cfg, ctx := newEndpoint(t)
	store := &flakyStore{MemoryTokenStore: NewMemoryTokenStore(expired("at-0", "rt-0")), failing: true}
	ts := StoredTokenSource(ctx, cfg, store)
	if _, err := ts.Token(); !errors.Is(err, errDBDown) || !errors.Is(err, ErrTokenSource) {
		t.Fatalf("got %v, want the Save error", err)
	}
	if tok, _ := store.Load(t.Context()); tok.AccessToken != "at-0" {
		t.Fatalf("store changed to %s", tok.AccessToken)
	}
	// Still failing: reported again, and no second refresh (the old refresh token is dead).
	if _, err := ts.Token(); !errors.Is(err, errDBDown) {
		t.Fatalf("second call: %v", err)
	}
	store.mu.Lock()
	store.failing = false
	store.mu.Unlock()
	tok, err := ts.Token()
	if err != nil || tok.AccessToken != "at-1" {
		t.Fatalf("after recovery: %+v, %v", tok, err)
	}
	if stored, _ := store.Load(t.Context()); stored.AccessToken != "at-1" || stored.RefreshToken != "rt-1" {
		t.Errorf("store holds %+v", stored)
	}
	if issued, attempts, _ := e.counts(); issued != 1 || attempts != 1 {
		t.Errorf("%d refreshes, %d attempts; want 1 and 1", issued, attempts)
	}
}

// handlerTransport serves requests in memory, so that tests that wait can run in a synctest bubble.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func TestStoredTokenSourceLostRefreshToken(t *testing.T) {
	synctest.Test(t, testLostRefreshToken)
}

func testLostRefreshToken(t *testing.T) {
	// Nobody else saved a successor: after waiting for one, invalid_grant is reported, and the
	// user must authorize again.
	e := &rotatingEndpoint{t: t, current: "rt-other"}
	cfg := CloudOAuth2ConfigFor("https://bitbucket.invalid", testClientID, testClientSecret, "https://app.example.com/callback")
	ctx := context.WithValue(ContextWithAllowedHosts(t.Context(), loopbackHosts), oauth2.HTTPClient, &http.Client{Transport: handlerTransport{e}})
	_, err := StoredTokenSource(ctx, cfg, NewMemoryTokenStore(expired("at-0", "rt-0"))).Token()
	if !errors.Is(err, ErrInvalidGrant) || !errors.Is(err, ErrTokenSource) {
		t.Fatalf("got %v, want ErrInvalidGrant", err)
	}
	if strings.Contains(err.Error(), "rt-0") || strings.Contains(err.Error(), testClientSecret) {
		t.Errorf("error shows a secret: %v", err)
	}
	_, err = StoredTokenSource(ctx, cfg, NewMemoryTokenStore(expired("at-0", ""))).Token()
	if !errors.Is(err, ErrTokenSource) {
		t.Errorf("no refresh token: %v", err)
	}
	_, err = StoredTokenSource(ctx, cfg, NewMemoryTokenStore(nil)).Token()
	if !errors.Is(err, ErrNoToken) {
		t.Errorf("empty store: %v", err)
	}
}

func TestStoredTokenSourceOutlivesItsContext(t *testing.T) {
	e, cfg, ctx := newEndpoint(t)
	ctx, cancel := context.WithCancel(ctx)
	ts := StoredTokenSource(ctx, cfg, NewMemoryTokenStore(expired("at-0", "rt-0")))
	cancel()
	if tok, err := ts.Token(); err != nil || tok.AccessToken != "at-1" {
		t.Fatalf("got %+v, %v", tok, err)
	}
	if issued, _, _ := e.counts(); issued != 1 {
		t.Errorf("%d refreshes", issued)
	}
}

func TestMemoryTokenStoreCompareAndSwap(t *testing.T) {
	a := &oauth2.Token{AccessToken: "a", RefreshToken: "ra"}
	b := &oauth2.Token{AccessToken: "b", RefreshToken: "rb"}
	s := NewMemoryTokenStore(a)
	if err := s.Save(t.Context(), b, a); !errors.Is(err, ErrTokenConflict) {
		t.Errorf("stale previous: %v", err)
	}
	if err := s.Save(t.Context(), nil, b); !errors.Is(err, ErrTokenConflict) {
		t.Errorf("nil previous over a stored token: %v", err)
	}
	if err := s.Save(t.Context(), &oauth2.Token{AccessToken: "a", RefreshToken: "ra"}, b); err != nil {
		t.Errorf("matching previous: %v", err)
	}
	got, _ := s.Load(t.Context())
	if got.AccessToken != "b" {
		t.Errorf("stored %s", got.AccessToken)
	}
	got.AccessToken = "mutated"
	if again, _ := s.Load(t.Context()); again.AccessToken != "b" {
		t.Errorf("Load returned shared state")
	}
	empty := NewMemoryTokenStore(nil)
	if _, err := empty.Load(t.Context()); !errors.Is(err, ErrNoToken) {
		t.Errorf("empty Load: %v", err)
	}
	if err := empty.Save(t.Context(), nil, a); err != nil {
		t.Errorf("first Save: %v", err)
	}
}

// staleOnce answers its first Load with a snapshot taken before another replica saved, as a
// replica that read the store a moment earlier would see it.
type staleOnce struct {
	noLockStore
	mu    sync.Mutex
	stale *oauth2.Token
}

func (s *staleOnce) Load(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	stale := s.stale
	s.stale = nil
	s.mu.Unlock()
	if stale != nil {
		return stale, nil
	}
	return s.noLockStore.Load(ctx)
}

func TestStoredTokenSourceLoserAdoptsWinner(t *testing.T) {
	t.Run("invalid_grant", func(t *testing.T) {
		e, cfg, ctx := newEndpoint(t)
		mem := NewMemoryTokenStore(expired("at-0", "rt-0"))
		winner := StoredTokenSource(ctx, cfg, noLockStore{mem})
		if tok, err := winner.Token(); err != nil || tok.AccessToken != "at-1" {
			t.Fatalf("winner: %+v, %v", tok, err)
		}
		loser := StoredTokenSource(ctx, cfg, &staleOnce{noLockStore: noLockStore{mem}, stale: expired("at-0", "rt-0")})
		tok, err := loser.Token()
		if err != nil || tok.AccessToken != "at-1" {
			t.Fatalf("loser: %+v, %v; want the winner's token", tok, err)
		}
		if issued, attempts, _ := e.counts(); issued != 1 || attempts != 2 {
			t.Errorf("issued %d, attempts %d; want 1 and 2 (the loser's refresh refused)", issued, attempts)
		}
	})
	t.Run("save conflict", func(t *testing.T) {
		// The old refresh token still works for a moment after use: the loser gets a token of its
		// own, but Save refuses it and the loser adopts the stored one.
		e, cfg, ctx := newEndpoint(t)
		mem := NewMemoryTokenStore(expired("at-0", "rt-0"))
		winner := StoredTokenSource(ctx, cfg, noLockStore{mem})
		if _, err := winner.Token(); err != nil {
			t.Fatal(err)
		}
		e.mu.Lock()
		e.current = "rt-0" // grace period: the used token is accepted once more
		e.mu.Unlock()
		loser := StoredTokenSource(ctx, cfg, &staleOnce{noLockStore: noLockStore{mem}, stale: expired("at-0", "rt-0")})
		tok, err := loser.Token()
		if err != nil || tok.AccessToken != "at-1" {
			t.Fatalf("loser: %+v, %v; want the stored token", tok, err)
		}
		if stored, _ := mem.Load(t.Context()); stored.AccessToken != "at-1" {
			t.Errorf("the loser overwrote the store with %s", stored.AccessToken)
		}
	})
}
