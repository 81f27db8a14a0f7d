package bitbuckettest

import (
	"fmt"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// deliveryState is what the delivery side of a fake remembers between deliveries. Its zero value
// is ready to use; it is guarded by Server.mu.
type deliveryState struct {
	now      func() time.Time        // nil: time.Now
	breakers map[string]*hookBreaker // Data Center, by webhook id
}

// SetClock makes the fake read the time from now for its deliveries: their dates, and when the
// Data Center circuit breaker lets a skipped webhook through again. Tests move such a clock
// instead of sleeping. nil restores time.Now.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivery.now = now
}

// deliveryNowLocked is the delivery clock's time.
func (s *Server) deliveryNowLocked() time.Time {
	if s.delivery.now != nil {
		return s.delivery.now()
	}
	return time.Now()
}

// SetHookSecret changes the secret the webhook id of repo signs its deliveries with, as an
// administrator editing the hook does; "" makes its deliveries unsigned. Deliveries sent after
// the call carry the new signature, so a test can cover a rotation window: a receiver that
// accepts the old and the new secret for a while.
func (s *Server) SetHookSecret(repo bitbucket.RepoRef, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hooks[repo] {
		if h.id == id {
			h.secret = secret
			h.updated = s.deliveryNowLocked()
			return nil
		}
	}
	return fmt.Errorf("bitbuckettest: %w: webhook %s on %s", bitbucket.ErrNotFound, id, repo)
}
