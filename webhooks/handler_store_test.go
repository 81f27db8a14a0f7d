package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// faultyStore is a DeliveryStore over a Deduper whose calls fail while the matching error is set,
// and which records the calls it got.
type faultyStore struct {
	d                               *Deduper
	mu                              sync.Mutex
	reserveErr, markErr, releaseErr error
	calls                           []string
}

func (s *faultyStore) note(call string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
	switch call {
	case "reserve":
		return s.reserveErr
	case "mark":
		return s.markErr
	}
	return s.releaseErr
}

func (s *faultyStore) Reserve(ctx context.Context, key string) error {
	if err := s.note("reserve"); err != nil {
		return err
	}
	return s.d.Reserve(ctx, key)
}

func (s *faultyStore) Mark(ctx context.Context, key string) error {
	if err := s.note("mark"); err != nil {
		return err
	}
	return s.d.Mark(ctx, key)
}

func (s *faultyStore) Release(ctx context.Context, key string) error {
	if err := s.note("release"); err != nil {
		return err
	}
	return s.d.Release(ctx, key)
}

func TestHandlerStoreErrors(t *testing.T) {
	body := readFixture(t, "cloud_push_update.json")
	down := errors.New("connection refused")
	store := &faultyStore{d: NewDeduper(10, 0), reserveErr: down}
	calls := 0
	fnErr := error(nil)
	h := NewHandler(Options{Secret: testSecret, Dedupe: store}, func(context.Context, *Event) error {
		calls++
		return fnErr
	})
	req := func() *http.Request { return delivery(bitbucket.Cloud, "repo:push", body, testSecret) }

	// The store cannot reserve: 503, never processed unreserved, nothing marked.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req())
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || calls != 0 {
		t.Fatalf("reservation failed: status %d, Retry-After %q, fn calls %d; want 503, set, 0", rec.Code, rec.Header().Get("Retry-After"), calls)
	}
	if strings.Contains(rec.Body.String(), down.Error()) {
		t.Errorf("the store's error is echoed: %q", rec.Body.String())
	}
	if store.d.Seen(mustKey(t, req())) {
		t.Fatal("a delivery that was not processed is marked")
	}

	// The store is back, fn fails: 500 and released; then fn succeeds but Mark fails: still 200.
	store.reserveErr = nil
	fnErr = errors.New("processor failed")
	if code, _, _ := serve(h, req()); code != 500 || calls != 1 {
		t.Fatalf("fn failed: status %d, calls %d", code, calls)
	}
	fnErr = nil
	store.markErr = down
	if code, _, _ := serve(h, req()); code != 200 || calls != 2 {
		t.Fatalf("fn succeeded, Mark failed: status %d, calls %d; want 200, 2", code, calls)
	}
	// The reservation was not marked and not released: a resend is in progress (503), not
	// processed twice.
	if code, _, _ := serve(h, req()); code != 503 || calls != 2 {
		t.Fatalf("resend after a failed Mark: status %d, calls %d; want 503, 2", code, calls)
	}
	want := []string{"reserve", "reserve", "release", "reserve", "mark", "reserve"}
	if !slices.Equal(store.calls, want) {
		t.Errorf("store calls %v, want %v", store.calls, want)
	}
}

func TestHandlerSkipsStoreWithoutDeliveryID(t *testing.T) {
	store := &faultyStore{d: NewDeduper(10, 0), reserveErr: errors.New("must not be asked")}
	h := NewHandler(Options{Secret: testSecret, Dedupe: store}, nil)
	r := delivery(bitbucket.Server, "repo:refs_changed", readFixture(t, "server_refs_changed_update.json"), testSecret)
	r.Header.Del("X-Request-Id")
	if code, _, _ := serve(h, r); code != 200 || len(store.calls) != 0 {
		t.Errorf("delivery without an id: status %d, store calls %v; want 200, none", code, store.calls)
	}
}

func mustKey(t *testing.T, r *http.Request) string {
	t.Helper()
	ev, err := Parse(r, Options{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	return ev.DedupeKey()
}
