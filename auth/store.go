package auth

import (
	"context"
	"errors"
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
// implements TokenLocker. It is safe for concurrent use.
type MemoryTokenStore struct {
	mu      sync.Mutex
	tok     *oauth2.Token
	refresh chan struct{} // a one-slot semaphore for LockRefresh
}

// NewMemoryTokenStore returns a store holding a copy of initial (nothing when nil).
func NewMemoryTokenStore(initial *oauth2.Token) *MemoryTokenStore {
	return &MemoryTokenStore{tok: cloneToken(initial), refresh: make(chan struct{}, 1)}
}

// Load returns a copy of the stored token, or ErrNoToken.
func (m *MemoryTokenStore) Load(ctx context.Context) (*oauth2.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == nil {
		return nil, ErrNoToken
	}
	return cloneToken(m.tok), nil
}

// Save stores a copy of next if the stored token is still previous; otherwise ErrTokenConflict.
func (m *MemoryTokenStore) Save(ctx context.Context, previous, next *oauth2.Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !SameToken(m.tok, previous) {
		return ErrTokenConflict
	}
	m.tok = cloneToken(next)
	return nil
}

// LockRefresh serialises refreshes among the token sources sharing this store.
func (m *MemoryTokenStore) LockRefresh(ctx context.Context) (func(), error) {
	select {
	case m.refresh <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-m.refresh }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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
