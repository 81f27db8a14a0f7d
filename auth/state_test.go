package auth

import (
	"encoding/base64"
	"errors"
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
