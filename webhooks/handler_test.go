package webhooks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// serve runs one request through h and returns the status, body and Allow header.
func serve(h http.Handler, r *http.Request) (int, string, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code, rec.Body.String(), rec.Header().Get("Allow")
}

func TestHandlerStatusCodes(t *testing.T) {
	push := readFixture(t, "cloud_push_update.json")
	serverPush := readFixture(t, "server_refs_changed_update.json")
	ping := readFixture(t, "server_ping.json")
	fnFails := errors.New("database down: password=hunter2")

	tests := []struct {
		name     string
		opts     Options
		req      func() *http.Request
		fnErr    error
		seen     bool // mark the delivery as processed before the request
		want     int
		wantBody string
		called   bool
	}{
		{"GET", Options{Secret: testSecret}, func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/", nil)
		}, nil, false, 405, "method not allowed\n", false},
		{"PUT", Options{Secret: testSecret}, func() *http.Request {
			r := delivery(bitbucket.Cloud, "repo:push", push, testSecret)
			r.Method = http.MethodPut
			return r
		}, nil, false, 405, "method not allowed\n", false},
		{"oversize", Options{Secret: testSecret, MaxBodyBytes: 100}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:push", push, testSecret)
		}, nil, false, 413, "payload too large\n", false},
		{"missing signature", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:push", push, nil)
		}, nil, false, 401, "invalid signature\n", false},
		{"wrong signature", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:push", push, []byte("nope"))
		}, nil, false, 401, "invalid signature\n", false},
		{"short signature", Options{Secret: testSecret}, func() *http.Request {
			r := delivery(bitbucket.Cloud, "repo:push", push, nil)
			r.Header.Set("X-Hub-Signature", "sha256")
			return r
		}, nil, false, 401, "invalid signature\n", false},
		{"malformed payload", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:push", []byte(`{"push":[`), testSecret)
		}, nil, false, 400, "bad payload\n", false},
		{"missing event key", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Cloud, "", push, testSecret)
		}, nil, false, 400, "missing event key\n", false},
		{"ping unsigned", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Server, "diagnostics:ping", ping, nil)
		}, nil, false, 200, "pong\n", false},
		{"ping with a wrong signature", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Server, "diagnostics:ping", ping, []byte("nope"))
		}, nil, false, 401, "invalid signature\n", false},
		{"duplicate", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:push", push, testSecret)
		}, nil, true, 200, "duplicate delivery\n", false},
		{"callback fails", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:push", push, testSecret)
		}, fnFails, false, 500, "processing failed\n", true},
		{"Cloud push", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:push", push, testSecret)
		}, nil, false, 200, "ok\n", true},
		{"Data Center push", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Server, "repo:refs_changed", serverPush, testSecret)
		}, nil, false, 200, "ok\n", true},
		{"unknown key", Options{Secret: testSecret}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:transfer", []byte(`{}`), testSecret)
		}, nil, false, 200, "ok\n", true},
		{"misconfigured", Options{}, func() *http.Request {
			return delivery(bitbucket.Cloud, "repo:push", push, testSecret)
		}, nil, false, 500, "webhook receiver misconfigured\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Dedupe = NewDeduper(10, time.Hour)
			called := 0
			h := NewHandler(opts, func(ctx context.Context, ev *Event) error {
				called++
				if ev == nil || ev.Key == "" {
					t.Errorf("fn got %+v", ev)
				}
				return tt.fnErr
			})
			r := tt.req()
			if tt.seen {
				ev, err := Parse(tt.req(), Options{Secret: testSecret})
				if err != nil {
					t.Fatal(err)
				}
				opts.Dedupe.Mark(t.Context(), ev.DedupeKey())
			}
			code, body, allow := serve(h, r)
			if code != tt.want || body != tt.wantBody {
				t.Errorf("response = %d %q, want %d %q", code, body, tt.want, tt.wantBody)
			}
			if tt.want == 405 && allow != "POST" {
				t.Errorf("Allow = %q, want POST", allow)
			}
			if (called == 1) != tt.called || called > 1 {
				t.Errorf("fn called %d times, want called=%v", called, tt.called)
			}
			if strings.Contains(body, string(testSecret)) || strings.Contains(body, "hunter2") {
				t.Errorf("response leaks: %q", body)
			}
		})
	}
}

func TestHandlerPassesTheEvent(t *testing.T) {
	var got *Event
	h := NewHandler(Options{Secret: testSecret}, func(ctx context.Context, ev *Event) error {
		got = ev
		return nil
	})
	body := readFixture(t, "server_pr_merged.json")
	if code, _, _ := serve(h, delivery(bitbucket.Server, "pr:merged", body, testSecret)); code != 200 {
		t.Fatalf("status %d", code)
	}
	if got == nil || got.Type != bitbucket.EventPullRequestMerged || got.PullRequest == nil || got.PullRequest.State != "merged" {
		t.Fatalf("fn got %+v", got)
	}
}

func TestHandlerMarksOnlyAfterSuccess(t *testing.T) {
	d := NewDeduper(10, time.Hour)
	body := readFixture(t, "cloud_pr_created.json")
	fail := true
	calls := 0
	h := NewHandler(Options{Secret: testSecret, Dedupe: d}, func(ctx context.Context, ev *Event) error {
		calls++
		if fail {
			return errors.New("try again")
		}
		return nil
	})
	req := func() *http.Request { return delivery(bitbucket.Cloud, "pullrequest:created", body, testSecret) }

	if code, _, _ := serve(h, req()); code != 500 {
		t.Fatalf("failing fn: status %d, want 500", code)
	}
	if d.Len() != 0 {
		t.Fatalf("a failed delivery was remembered (Len %d)", d.Len())
	}
	fail = false
	retry := req()
	retry.Header.Set("X-Attempt-Number", "2")
	if code, _, _ := serve(h, retry); code != 200 || calls != 2 {
		t.Fatalf("retry with the same id: status %d, calls %d; want 200 and processed again", code, calls)
	}
	if code, body, _ := serve(h, req()); code != 200 || body != "duplicate delivery\n" || calls != 2 {
		t.Fatalf("after success: status %d %q, calls %d; want a duplicate, fn not called", code, body, calls)
	}
}

func TestHandlerPanicReleases(t *testing.T) {
	d := NewDeduper(10, time.Hour)
	body := readFixture(t, "cloud_push_update.json")
	h := NewHandler(Options{Secret: testSecret, Dedupe: d}, func(ctx context.Context, ev *Event) error {
		panic("boom")
	})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		serve(h, delivery(bitbucket.Cloud, "repo:push", body, testSecret))
	}()
	if d.Len() != 0 {
		t.Errorf("a panicking delivery stayed reserved (Len %d)", d.Len())
	}
}

func TestHandlerForgedDeliveryDoesNotPoisonDedupe(t *testing.T) {
	d := NewDeduper(10, time.Hour)
	calls := 0
	h := NewHandler(Options{Secret: testSecret, Dedupe: d}, func(ctx context.Context, ev *Event) error {
		calls++
		return nil
	})
	body := readFixture(t, "cloud_push_update.json")
	for _, forged := range []*http.Request{
		delivery(bitbucket.Cloud, "repo:push", []byte(`{"junk":1}`), nil),
		delivery(bitbucket.Cloud, "repo:push", []byte(`{"junk":1}`), []byte("guess")),
	} {
		if code, _, _ := serve(h, forged); code != 401 {
			t.Fatalf("forged delivery: status %d, want 401", code)
		}
	}
	if code, _, _ := serve(h, delivery(bitbucket.Cloud, "repo:push", body, testSecret)); code != 200 || calls != 1 {
		t.Fatalf("genuine delivery with the forged id: status %d, calls %d; want 200, 1", code, calls)
	}
}

func TestHandlerDeliveryInProgress(t *testing.T) {
	d := NewDeduper(10, time.Hour)
	body := readFixture(t, "server_refs_changed_update.json")
	entered := make(chan struct{})
	release := make(chan struct{})
	h := NewHandler(Options{Secret: testSecret, Dedupe: d}, func(ctx context.Context, ev *Event) error {
		close(entered)
		<-release
		return nil
	})
	var wg sync.WaitGroup
	var first int
	wg.Go(func() { first, _, _ = serve(h, delivery(bitbucket.Server, "repo:refs_changed", body, testSecret)) })
	<-entered
	code, _, _ := serve(h, delivery(bitbucket.Server, "repo:refs_changed", body, testSecret))
	close(release)
	wg.Wait()
	if code != http.StatusServiceUnavailable || first != 200 {
		t.Fatalf("statuses %d (first), %d (concurrent retry); want 200, 503", first, code)
	}
	if code, _, _ := serve(h, delivery(bitbucket.Server, "repo:refs_changed", body, testSecret)); code != 200 {
		t.Fatalf("after the first succeeded: status %d", code)
	}
}

func TestHandlerOverLoopback(t *testing.T) {
	got := make(chan *Event, 1)
	srv := httptest.NewServer(NewHandler(Options{Secret: testSecret, MaxBodyBytes: 1 << 12}, func(ctx context.Context, ev *Event) error {
		got <- ev
		return nil
	}))
	defer srv.Close()
	body := readFixture(t, "server_refs_changed_tag.json")
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	req.Header.Set("X-Event-Key", "repo:refs_changed")
	req.Header.Set("X-Request-Id", "abc")
	req.Header.Set("X-Hub-Signature", Sign(testSecret, body))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	ev := <-got
	if ev.Push.Changes[0].Name != "v1.2" || ev.DeliveryID != "abc" {
		t.Errorf("event = %+v", ev)
	}

	// A body larger than the limit, streamed without a Content-Length, gets 413.
	big := bytes.Repeat([]byte("x"), 1<<13)
	req, _ = http.NewRequest(http.MethodPost, srv.URL, io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("X-Event-Key", "repo:refs_changed")
	req.Header.Set("X-Hub-Signature", Sign(testSecret, big))
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize streamed body: status %d, want 413", resp.StatusCode)
	}
}
