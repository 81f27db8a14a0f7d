package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrInvalidState is the error for an OAuth callback whose state is missing, unknown, expired or
// already used. Refuse such a callback: it may be a forged (CSRF) or replayed request.
var ErrInvalidState = errors.New("auth: invalid OAuth state")

// DefaultStateTTL is how long a state stays valid when NewStateStore is given no TTL.
const DefaultStateTTL = 10 * time.Minute

// maxStates bounds the states a StateStore holds, so that a flood of login attempts cannot
// exhaust memory.
const maxStates = 1 << 20

// StateStore issues the state values of the authorization-code flow and checks them on the
// callback, each once. It keeps them in memory: a product with several replicas routes the
// callback to the replica that started the flow, or keeps the state in a signed, HttpOnly cookie
// instead. It is safe for concurrent use.
type StateStore struct {
	ttl time.Duration
	now func() time.Time

	mu        sync.Mutex
	states    map[string]stateEntry
	lastPurge time.Time
}

type stateEntry struct {
	expires time.Time
	used    bool
}

// NewStateStore returns a store whose states expire after ttl (DefaultStateTTL when ttl <= 0).
func NewStateStore(ttl time.Duration) *StateStore {
	if ttl <= 0 {
		ttl = DefaultStateTTL
	}
	return &StateStore{ttl: ttl, now: time.Now, states: map[string]stateEntry{}}
}

// New returns a fresh state: 256 random bits from crypto/rand, URL-safe base64 without padding.
func (s *StateStore) New() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random state: %w", err)
	}
	st := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.purgeLocked(now)
	if len(s.states) >= maxStates {
		return "", fmt.Errorf("auth: %d OAuth flows in progress; refusing to start another", len(s.states))
	}
	s.states[st] = stateEntry{expires: now.Add(s.ttl)}
	return st, nil
}

// Consume accepts state once, if this store issued it and it has not expired. Any other value is
// refused with an error wrapping ErrInvalidState that says why.
func (s *StateStore) Consume(state string) error {
	if state == "" {
		return fmt.Errorf("%w: missing", ErrInvalidState)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.states[state]
	now := s.now()
	switch {
	case !ok:
		return fmt.Errorf("%w: unknown", ErrInvalidState)
	case e.used:
		return fmt.Errorf("%w: already used", ErrInvalidState)
	case !now.Before(e.expires):
		delete(s.states, state)
		return fmt.Errorf("%w: expired", ErrInvalidState)
	}
	// Keep it, marked used, until it would have expired, so that a replay is named as such.
	s.states[state] = stateEntry{expires: e.expires, used: true}
	return nil
}

// purgeLocked drops expired states, at most once per quarter TTL.
func (s *StateStore) purgeLocked(now time.Time) {
	if now.Sub(s.lastPurge) < s.ttl/4 && len(s.states) < maxStates {
		return
	}
	s.lastPurge = now
	for k, e := range s.states {
		if !now.Before(e.expires) {
			delete(s.states, k)
		}
	}
}
