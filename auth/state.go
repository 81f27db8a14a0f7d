package auth

import (
	"context"
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

// maxStates bounds the states a MemoryStateStore holds, so that a flood of login attempts cannot
// exhaust memory.
const maxStates = 1 << 20

// StateStore issues the state values of the authorization-code flow and checks them on the
// callback, each once.
//
// Issue returns a fresh, unguessable state to send with AuthCodeURL. ConsumeOnce accepts a state
// the store issued, unexpired, exactly once, even when several callbacks carrying it arrive at
// once on several replicas; any other value is refused with an error wrapping ErrInvalidState. Any
// other error means the store could not tell (a database that is down): refuse the callback then
// too. Implementations are safe for concurrent use.
//
// NewStateStore keeps states in memory, for one process. A product with several replicas behind a
// load balancer shares a database-backed store (package sqlstore), so that a callback may land on
// any replica.
type StateStore interface {
	Issue(ctx context.Context) (string, error)
	ConsumeOnce(ctx context.Context, state string) error
}

var _ StateStore = (*MemoryStateStore)(nil)

// MemoryStateStore is the StateStore in process memory, returned by NewStateStore. It holds at
// most about a million states in flight. It is safe for concurrent use.
type MemoryStateStore struct {
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

// NewStateStore returns an in-memory store whose states expire after ttl (DefaultStateTTL when
// ttl <= 0).
func NewStateStore(ttl time.Duration) *MemoryStateStore {
	if ttl <= 0 {
		ttl = DefaultStateTTL
	}
	return &MemoryStateStore{ttl: ttl, now: time.Now, states: map[string]stateEntry{}}
}

// NewState returns a fresh state value: 256 random bits from crypto/rand, URL-safe base64 without
// padding. Stores call it in Issue.
func NewState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Issue returns a fresh state (see NewState) and remembers it until it expires. ctx is checked
// first; the store does no I/O.
func (s *MemoryStateStore) Issue(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return s.New()
}

// ConsumeOnce is Consume; ctx is checked first.
func (s *MemoryStateStore) ConsumeOnce(ctx context.Context, state string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.Consume(state)
}

// New returns a fresh state (see NewState) and remembers it until it expires.
func (s *MemoryStateStore) New() (string, error) {
	st, err := NewState()
	if err != nil {
		return "", err
	}
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
func (s *MemoryStateStore) Consume(state string) error {
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
func (s *MemoryStateStore) purgeLocked(now time.Time) {
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
