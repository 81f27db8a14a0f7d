package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"golang.org/x/oauth2"
)

// ErrTokenConflict is what TokenStore.Save returns when the stored token is no longer the one the
// caller read: another replica saved first.
var ErrTokenConflict = errors.New("auth: stored token changed since it was read")

// ErrNoToken is what TokenStore.Load returns when nothing is stored yet.
var ErrNoToken = errors.New("auth: no token stored")

// TokenStore persists one connection's OAuth2 token, shared by every replica of a product.
//
// Load returns the stored token, or an error wrapping ErrNoToken. Save replaces previous with next
// only if the stored token is still previous (a compare-and-swap: same access and refresh token;
// previous nil means "nothing stored"), and otherwise fails with an error wrapping
// ErrTokenConflict, leaving the store as it was. A database row updated with
// "WHERE refresh_token = $previous", checking the affected row count, is such a store.
type TokenStore interface {
	Load(ctx context.Context) (*oauth2.Token, error)
	Save(ctx context.Context, previous, next *oauth2.Token) error
}

// TokenLocker is an optional interface of a TokenStore: a lock that replicas hold while one of
// them refreshes, so that only one asks the token endpoint. StoredTokenSource uses it when the
// store has it; without it the replicas race and the losers adopt the winner's token.
type TokenLocker interface {
	// LockRefresh blocks until the lock is held or ctx is done, and returns its release.
	LockRefresh(ctx context.Context) (unlock func(), err error)
}

// SameToken reports whether a and b are the same grant: equal access and refresh tokens. Two nil
// tokens are the same.
func SameToken(a, b *oauth2.Token) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.AccessToken == b.AccessToken && a.RefreshToken == b.RefreshToken
}

// MemoryTokenStore is a TokenStore in process memory, for one process and for tests. It also
// implements TokenLocker. It is safe for concurrent use. Its token is sealed: String, GoString,
// fmt with any verb, slog and json.Marshal show no token, and neither does a printer or dumper
// that walks a struct holding the store.
type MemoryTokenStore struct {
	once  sync.Once
	inner *sealed[*memoryState]
}

// memoryState is what a MemoryTokenStore holds.
type memoryState struct {
	mu      sync.Mutex
	tok     *oauth2.Token
	refresh chan struct{} // a one-slot semaphore for LockRefresh
}

// NewMemoryTokenStore returns a store holding a copy of initial (nothing when nil).
func NewMemoryTokenStore(initial *oauth2.Token) *MemoryTokenStore {
	return &MemoryTokenStore{inner: seal(&memoryState{tok: cloneToken(initial), refresh: make(chan struct{}, 1)})}
}

// state returns the store's state, making an empty one for a zero MemoryTokenStore.
func (m *MemoryTokenStore) state() *memoryState {
	m.once.Do(func() {
		if m.inner == nil {
			m.inner = seal(&memoryState{refresh: make(chan struct{}, 1)})
		}
	})
	return m.inner.open()
}

// Load returns a copy of the stored token, or ErrNoToken.
func (m *MemoryTokenStore) Load(ctx context.Context) (*oauth2.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st := m.state()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.tok == nil {
		return nil, ErrNoToken
	}
	return cloneToken(st.tok), nil
}

// Save stores a copy of next if the stored token is still previous; otherwise ErrTokenConflict.
func (m *MemoryTokenStore) Save(ctx context.Context, previous, next *oauth2.Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := m.state()
	st.mu.Lock()
	defer st.mu.Unlock()
	if !SameToken(st.tok, previous) {
		return ErrTokenConflict
	}
	st.tok = cloneToken(next)
	return nil
}

// LockRefresh serialises refreshes among the token sources sharing this store.
func (m *MemoryTokenStore) LockRefresh(ctx context.Context) (func(), error) {
	st := m.state()
	select {
	case st.refresh <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-st.refresh }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// String describes the store without its token.
func (m *MemoryTokenStore) String() string { return "auth.MemoryTokenStore(REDACTED)" }

// GoString is String.
func (m *MemoryTokenStore) GoString() string { return m.String() }

// Format prints String whatever the verb.
func (m *MemoryTokenStore) Format(f fmt.State, _ rune) { fmt.Fprint(f, m.String()) }

// LogValue is String.
func (m *MemoryTokenStore) LogValue() slog.Value { return slog.StringValue(m.String()) }

// MarshalJSON encodes the kind of store only.
func (m *MemoryTokenStore) MarshalJSON() ([]byte, error) {
	return []byte(`{"store":"MemoryTokenStore"}`), nil
}

// cloneToken copies the fields of t that a store keeps (extra fields from the token response are
// dropped).
func cloneToken(t *oauth2.Token) *oauth2.Token {
	if t == nil {
		return nil
	}
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken,
		Expiry: t.Expiry, ExpiresIn: t.ExpiresIn}
}
