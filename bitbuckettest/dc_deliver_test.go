package bitbuckettest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// TestDCDeliveryNeverResends: Data Center documents no retry. A 5xx answer loses the event, and
// Push reports it.
func TestDCDeliveryNeverResends(t *testing.T) {
	s := dcFixture(t)
	ref := bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}
	for _, status := range []int{500, 502, 503, 404} {
		rc := newReceiver(t, status)
		s2 := dcFixture(t)
		addHook(t, s2, rc.URL, "", true, "pr:merged")
		err := s2.PullRequestEvent(t.Context(), ref, "pr:merged", PullRequest{ID: 1})
		if err == nil {
			t.Errorf("status %d: no error", status)
		}
		if n := len(rc.deliveries()); n != 1 {
			t.Errorf("status %d: %d requests, want 1 (no resend)", status, n)
		}
	}

	ok := newReceiver(t)
	addHook(t, s, ok.URL, "", true, "pr:opened")
	if err := s.PullRequestEvent(t.Context(), ref, "pr:opened", PullRequest{ID: 7, Title: "Fix", FromBranch: "fix"}); err != nil {
		t.Fatal(err)
	}
	got := ok.deliveries()
	if len(got) != 1 || got[0].header.Get("X-Hub-Signature") != "" {
		t.Fatalf("%d deliveries, headers %v", len(got), got)
	}
	var pr struct {
		PullRequest struct {
			ID          int
			State       string
			CreatedDate int64
			FromRef     struct{ ID, DisplayID string }
			ToRef       struct{ DisplayID string }
		}
	}
	if err := json.Unmarshal(got[0].body, &pr); err != nil {
		t.Fatal(err)
	}
	if p := pr.PullRequest; p.ID != 7 || p.State != "OPEN" || p.CreatedDate == 0 || p.FromRef.ID != "refs/heads/fix" ||
		p.ToRef.DisplayID != "main" {
		t.Fatalf("pull request %+v", p)
	}
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// statusReceiver answers every delivery with the status its test sets.
type statusReceiver struct {
	*receiver
	mu     sync.Mutex
	status int
}

func newStatusReceiver(t *testing.T, status int) *statusReceiver {
	sr := &statusReceiver{receiver: &receiver{}, status: status}
	sr.receiver.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sr.receiver.mu.Lock()
		sr.got = append(sr.got, delivered{r.Header.Clone(), b})
		sr.receiver.mu.Unlock()
		sr.mu.Lock()
		code := sr.status
		sr.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(sr.Close)
	return sr
}

func (sr *statusReceiver) set(status int) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	sr.status = status
}

// TestDCCircuitBreaker: a webhook that failed 5 deliveries in a row is skipped for 10 s; each
// failure after a skip doubles it, up to 10 h; a success closes the breaker. Other webhooks are
// not affected, and the connection test goes through.
func TestDCCircuitBreaker(t *testing.T) {
	s := dcFixture(t)
	clock := &fakeClock{t: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)}
	s.SetClock(clock.now)
	ref := bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}
	failing := newStatusReceiver(t, http.StatusInternalServerError)
	healthy := newReceiver(t)
	addHook(t, s, failing.URL, "", true, "repo:refs_changed")
	addHook(t, s, healthy.URL, "", true, "repo:refs_changed")
	push := func() error {
		return s.Push(t.Context(), ref, PushEvent{Changes: []RefChange{{Ref: "refs/heads/main", Type: "UPDATE"}}})
	}
	sent := func() int { return len(failing.deliveries()) }

	for i := 1; i <= breakerThreshold; i++ {
		if err := push(); err == nil || errors.Is(err, ErrDeliverySkipped) {
			t.Fatalf("failure %d: %v, want a delivery error", i, err)
		}
		if sent() != i {
			t.Fatalf("after %d failures, %d requests", i, sent())
		}
	}
	if err := push(); !errors.Is(err, ErrDeliverySkipped) || sent() != breakerThreshold {
		t.Fatalf("sixth delivery: %v after %d requests; want it skipped", err, sent())
	}
	if n := len(healthy.deliveries()); n != breakerThreshold+1 {
		t.Fatalf("the healthy hook got %d deliveries, want every one (%d)", n, breakerThreshold+1)
	}
	if err := s.Ping(t.Context(), ref); err == nil || errors.Is(err, ErrDeliverySkipped) || sent() != breakerThreshold+1 {
		t.Fatalf("ping: %v after %d requests; want it sent through the open breaker", err, sent())
	}

	// Each failure after a skip doubles the skip: 10 s, 20 s, 40 s, ... up to 10 h.
	want := breakerFirstSkip
	for range 20 {
		clock.advance(want - time.Millisecond)
		before := sent()
		if err := push(); !errors.Is(err, ErrDeliverySkipped) || sent() != before {
			t.Fatalf("just before the %v skip ends: %v, %d requests; want skipped", want, err, sent()-before)
		}
		clock.advance(time.Millisecond)
		if err := push(); err == nil || errors.Is(err, ErrDeliverySkipped) || sent() != before+1 {
			t.Fatalf("after the %v skip: %v, %d requests; want one failed delivery", want, err, sent()-before)
		}
		want = min(2*want, breakerMaxSkip)
	}
	if want != breakerMaxSkip {
		t.Fatalf("the skip grew to %v, want it capped at %v", want, breakerMaxSkip)
	}

	// A success closes the breaker: four failures later the webhook is still sent deliveries.
	clock.advance(breakerMaxSkip)
	failing.set(http.StatusOK)
	if err := push(); err != nil {
		t.Fatalf("recovered receiver: %v", err)
	}
	failing.set(http.StatusServiceUnavailable)
	for i := 1; i < breakerThreshold; i++ {
		if err := push(); errors.Is(err, ErrDeliverySkipped) {
			t.Fatalf("failure %d after a success: skipped", i)
		}
	}
	before := sent()
	if err := push(); errors.Is(err, ErrDeliverySkipped) || sent() != before+1 {
		t.Fatalf("fifth failure: %v", err)
	}
	if err := push(); !errors.Is(err, ErrDeliverySkipped) {
		t.Fatalf("after five new failures: %v, want skipped again", err)
	}
}

// TestDeliverySecretRotation: after SetHookSecret, deliveries are signed with the new secret, on
// both fakes, so a receiver's rotation window can be tested.
func TestDeliverySecretRotation(t *testing.T) {
	sign := func(secret string, body []byte) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	check := func(t *testing.T, s *Server, ref bitbucket.RepoRef, rc *receiver) {
		t.Helper()
		id := s.Hooks(ref)[0].ID
		push := PushEvent{Changes: []RefChange{{Ref: "refs/heads/main", Type: "UPDATE"}}}
		if err := s.Push(context.Background(), ref, push); err != nil {
			t.Fatal(err)
		}
		if err := s.SetHookSecret(ref, id, "new-secret"); err != nil {
			t.Fatal(err)
		}
		if got := s.Hooks(ref)[0].Secret; got != "new-secret" {
			t.Fatalf("Hooks shows secret %q", got)
		}
		if err := s.Push(context.Background(), ref, push); err != nil {
			t.Fatal(err)
		}
		if err := s.SetHookSecret(ref, id, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Push(context.Background(), ref, push); err != nil {
			t.Fatal(err)
		}
		got := rc.deliveries()
		if len(got) != 3 {
			t.Fatalf("%d deliveries, want 3", len(got))
		}
		for i, secret := range []string{"old-secret", "new-secret"} {
			if sig := got[i].header.Get("X-Hub-Signature"); sig != sign(secret, got[i].body) {
				t.Errorf("delivery %d: signature %q, want one with %s", i+1, sig, secret)
			}
		}
		if sig := got[2].header.Get("X-Hub-Signature"); sig != "" {
			t.Errorf("with the secret removed: signature %q", sig)
		}
		if err := s.SetHookSecret(ref, "no-such-hook", "x"); !errors.Is(err, bitbucket.ErrNotFound) {
			t.Errorf("unknown hook: %v", err)
		}
	}
	t.Run("data center", func(t *testing.T) {
		s := dcFixture(t)
		rc := newReceiver(t)
		addHook(t, s, rc.URL, "old-secret", true, "repo:refs_changed")
		check(t, s, bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}, rc)
	})
	t.Run("cloud", func(t *testing.T) {
		s, ref := newDeliveryFixture(t)
		rc := newReceiver(t)
		createCloudHook(t, s, `{"url":"`+rc.URL+`","events":["repo:push"],"secret":"old-secret"}`)
		check(t, s, ref, rc)
	})
}
