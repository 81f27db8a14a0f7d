package bitbuckettest

import (
	"errors"
	"fmt"
	"time"
)

// The Data Center circuit breaker (reference §5): a webhook whose deliveries failed
// breakerThreshold times in a row is skipped for breakerFirstSkip; a delivery that fails once the
// skip is over skips it again for twice as long, up to breakerMaxSkip. A delivery that succeeds
// closes the breaker.
const (
	breakerThreshold = 5
	breakerFirstSkip = 10 * time.Second
	breakerMaxSkip   = 10 * time.Hour
)

// ErrDeliverySkipped is wrapped by the error of Push, PullRequestEvent and the other deliveries on
// Data Center for a webhook its circuit breaker skips: no request was sent, and the event is lost
// for that webhook, as on a real server.
var ErrDeliverySkipped = errors.New("bitbuckettest: delivery skipped: the webhook failed too often in a row")

// hookBreaker is one webhook's circuit breaker.
type hookBreaker struct {
	failures  int           // deliveries failed in a row
	skip      time.Duration // the current skip period; 0 while the breaker is closed
	skipUntil time.Time
}

// breakerAllows returns nil when webhook id may be sent a delivery now, and an error wrapping
// ErrDeliverySkipped when its breaker skips it.
func (s *Server) breakerAllows(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.delivery.breakers[id]
	if b == nil || b.skip == 0 {
		return nil
	}
	if now := s.deliveryNowLocked(); now.Before(b.skipUntil) {
		return fmt.Errorf("%w (skipped for %v, until %s)", ErrDeliverySkipped, b.skip, b.skipUntil.UTC().Format(time.RFC3339))
	}
	return nil
}

// breakerRecord records the outcome of one delivery to webhook id.
func (s *Server) breakerRecord(id string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.delivery.breakers == nil {
		s.delivery.breakers = map[string]*hookBreaker{}
	}
	b := s.delivery.breakers[id]
	if b == nil {
		b = &hookBreaker{}
		s.delivery.breakers[id] = b
	}
	if ok {
		*b = hookBreaker{}
		return
	}
	b.failures++
	switch {
	case b.skip > 0: // the first delivery after a skip failed too
		b.skip = min(2*b.skip, breakerMaxSkip)
	case b.failures >= breakerThreshold:
		b.skip = breakerFirstSkip
	default:
		return
	}
	b.skipUntil = s.deliveryNowLocked().Add(b.skip)
}
