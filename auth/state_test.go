package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestStateStore(t *testing.T) {
	s := NewStateStore(time.Minute)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	a, err := s.New()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.New()
	if a == b {
		t.Fatal("two states are equal")
	}
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) < 16 {
		t.Fatalf("state %q is not URL-safe base64 of at least 128 bits", a)
	}
	if err := s.Consume(a); err != nil {
		t.Fatalf("first use: %v", err)
	}
	for name, st := range map[string]string{"reused": a, "missing": "", "wrong": "forged-state"} {
		if err := s.Consume(st); !errors.Is(err, ErrInvalidState) {
			t.Errorf("%s: got %v, want ErrInvalidState", name, err)
		}
	}
	now = now.Add(time.Minute)
	if err := s.Consume(b); !errors.Is(err, ErrInvalidState) {
		t.Errorf("expired: got %v, want ErrInvalidState", err)
	}
	c, _ := s.New()
	if err := s.Consume(c); err != nil {
		t.Errorf("fresh state after expiry: %v", err)
	}
}

// TestStateStoreConsumeOnceConcurrently sends 50 callbacks with one state at once: exactly one is
// accepted. Through the StateStore interface, as a product holding any store calls it.
func TestStateStoreConsumeOnceConcurrently(t *testing.T) {
	var store StateStore = NewStateStore(time.Minute)
	st, err := store.Issue(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok, refused atomic.Int32
	for range 50 {
		wg.Go(func() {
			switch err := store.ConsumeOnce(t.Context(), st); {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrInvalidState):
				refused.Add(1)
			default:
				t.Errorf("ConsumeOnce: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 49 {
		t.Errorf("%d accepted, %d refused; want 1 and 49", ok.Load(), refused.Load())
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := store.Issue(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Issue with a done context: %v", err)
	}
}
