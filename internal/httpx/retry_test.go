package httpx

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

func TestGET503503200SucceedsAfterThreeAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("GET", mockBase+"/repos", sequence(&calls, 503, 503, 200))
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
		var out struct {
			OK bool `json:"ok"`
		}
		resp, err := c.Do(t.Context(), Request{Path: "/repos"}, &out)
		if err != nil {
			t.Fatal(err)
		}
		if got := calls.Load(); got != 3 {
			t.Errorf("server saw %d requests, want 3", got)
		}
		if resp.Attempts != 3 || !out.OK {
			t.Errorf("Attempts = %d, out = %+v", resp.Attempts, out)
		}
	})
}

func TestPOST503ReachesServerOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("POST", mockBase+"/hooks", sequence(&calls, 503, 200))
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
		_, err := c.Do(t.Context(), Request{Method: "POST", Path: "/hooks", Body: map[string]string{"a": "b"}}, nil)
		ae := asAPIError(t, err)
		if calls.Load() != 1 || ae.StatusCode != 503 || ae.Attempts != 1 {
			t.Errorf("calls %d, status %d, attempts %d; want 1, 503, 1", calls.Load(), ae.StatusCode, ae.Attempts)
		}
	})
}

func TestPOST429IsRetriedAndBodyReplayed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		var bodies []string
		seq := sequence(&calls, 429, 201)
		m.RegisterResponder("POST", mockBase+"/hooks", func(r *http.Request) (*http.Response, error) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			return seq(r)
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
		if _, err := c.Do(t.Context(), Request{Method: "POST", Path: "/hooks", Body: map[string]string{"url": "x"}}, nil); err != nil {
			t.Fatal(err)
		}
		if len(bodies) != 2 || bodies[0] != `{"url":"x"}` || bodies[1] != bodies[0] {
			t.Errorf("bodies = %q, want the same JSON twice", bodies)
		}
	})
}

func TestGET500ExhaustsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("GET", mockBase+"/x", sequence(&calls, 500))
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withRetry(3, 30*time.Second))
		_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
		ae := asAPIError(t, err)
		if calls.Load() != 4 || ae.Attempts != 4 || ae.StatusCode != 500 || ae.Message != "try later" {
			t.Errorf("calls %d, err %+v", calls.Load(), ae)
		}
	})
}

func TestOther4xxNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409} {
		synctest.Test(t, func(t *testing.T) {
			m := newMock(t)
			var calls atomic.Int32
			m.RegisterResponder("GET", mockBase+"/x", sequence(&calls, status))
			c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
			_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
			if ae := asAPIError(t, err); calls.Load() != 1 || ae.StatusCode != status {
				t.Errorf("%d: calls %d, status %d", status, calls.Load(), ae.StatusCode)
			}
		})
	}
}

func TestRetryAfterOneSecondIsWaited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		var times []time.Time
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			times = append(times, time.Now())
			if calls.Add(1) == 1 {
				resp := httpmock.NewStringResponse(429, "slow down")
				resp.Header.Set("Retry-After", "1")
				return resp, nil
			}
			return httpmock.NewStringResponse(200, `{}`), nil
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil {
			t.Fatal(err)
		}
		if len(times) != 2 || times[1].Sub(times[0]) < time.Second {
			t.Errorf("attempts at %v: want two, at least 1s apart", times)
		}
	})
}

func TestRetryAfterHTTPDateIsWaited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var times []time.Time
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			times = append(times, time.Now())
			if len(times) == 1 {
				resp := httpmock.NewStringResponse(503, "maintenance")
				resp.Header.Set("Retry-After", time.Now().Add(5*time.Second).UTC().Format(http.TimeFormat))
				return resp, nil
			}
			return httpmock.NewStringResponse(200, `{}`), nil
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil {
			t.Fatal(err)
		}
		if len(times) != 2 || times[1].Sub(times[0]) < 4*time.Second {
			t.Errorf("attempts at %v: want two, about 5s apart", times)
		}
	})
}

func TestRetryAfterLongerThanMaxWaitReturnsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			resp := httpmock.NewStringResponse(429, "Rate limit for this resource has been exceeded")
			resp.Header.Set("Retry-After", "86400")
			return resp, nil
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
		start := time.Now()
		_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
		if waited := time.Since(start); waited != 0 {
			t.Errorf("slept %v before failing", waited)
		}
		if !errors.Is(err, bitbucket.ErrRateLimited) {
			t.Fatalf("err = %v, want ErrRateLimited", err)
		}
		ae := asAPIError(t, err)
		if ae.RetryAfter != 24*time.Hour || ae.Attempts != 1 || calls.Load() != 1 {
			t.Errorf("RetryAfter %v, Attempts %d, calls %d", ae.RetryAfter, ae.Attempts, calls.Load())
		}
	})
}

// TestRetryAfterOverflowIsTheCap: a delay with more seconds than int64 holds is the longest
// delay, not an absent one that would be retried at once (issue 11 item 11).
func TestRetryAfterOverflowIsTheCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			resp := httpmock.NewStringResponse(429, "slow down")
			resp.Header.Set("Retry-After", "99999999999999999999999999")
			return resp, nil
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withRetry(3, 30*time.Second))
		start := time.Now()
		_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
		if waited := time.Since(start); waited != 0 {
			t.Errorf("slept %v before failing", waited)
		}
		if !errors.Is(err, bitbucket.ErrRateLimited) {
			t.Fatalf("err = %v, want ErrRateLimited", err)
		}
		ae := asAPIError(t, err)
		if ae.RetryAfter != maxRetryAfter || ae.Attempts != 1 || calls.Load() != 1 {
			t.Errorf("RetryAfter %v, Attempts %d, calls %d; want the cap after one attempt", ae.RetryAfter, ae.Attempts, calls.Load())
		}
	})
}

func TestCloud429WithoutRetryAfterBacksOffThenRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var times []time.Time
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			times = append(times, time.Now())
			resp := httpmock.NewStringResponse(429, "Rate limit for this resource has been exceeded")
			resp.Header.Set("Content-Type", "text/plain")
			return resp, nil
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withRetry(3, 30*time.Second))
		_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
		if !errors.Is(err, bitbucket.ErrRateLimited) {
			t.Fatalf("err = %v, want ErrRateLimited", err)
		}
		ae := asAPIError(t, err)
		if ae.Attempts != 4 || len(times) != 4 || ae.Message != "Rate limit for this resource has been exceeded" {
			t.Errorf("attempts %d, calls %d, message %q", ae.Attempts, len(times), ae.Message)
		}
		// Exponential: each gap at least half of 1s, 2s, 4s (equal jitter).
		for i := 1; i < len(times); i++ {
			if gap, least := times[i].Sub(times[i-1]), (time.Second<<(i-1))/2; gap < least {
				t.Errorf("gap %d = %v, want at least %v", i, gap, least)
			}
		}
	})
}

func TestBackoffCappedByMaxWait(t *testing.T) {
	c := &Client{maxWait: 3 * time.Second}
	for n := range 40 {
		if d := c.backoff(0, 0, n, nil); d < 0 || d > 3*time.Second {
			t.Fatalf("backoff(%d) = %v, outside [0, 3s]", n, d)
		}
	}
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("GET", mockBase+"/x", sequence(&calls, 503))
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withRetry(3, 30*time.Second))
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel) // the first backoff is at least 500ms
		start := time.Now()
		_, err := c.Do(ctx, Request{Path: "/x"}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if waited := time.Since(start); waited != 100*time.Millisecond {
			t.Errorf("returned after %v, want at the cancel (100ms)", waited)
		}
		if ae := asAPIError(t, err); ae.Attempts != 1 || calls.Load() != 1 {
			t.Errorf("attempts %d, calls %d", ae.Attempts, calls.Load())
		}
	})
}

func TestCancelledContextNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		ctx, cancel := context.WithCancel(t.Context())
		var calls atomic.Int32
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			cancel()
			return nil, context.Canceled
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
		_, err := c.Do(ctx, Request{Path: "/x"}, nil)
		if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
			t.Errorf("err %v, calls %d", err, calls.Load())
		}
	})
}

// countingSource hands out tok-1, tok-2, ... and counts calls; it fails when fail is set.
type countingSource struct {
	n    atomic.Int32
	fail bool
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	n := s.n.Add(1)
	if s.fail {
		// A token endpoint that echoes the refresh token in its error body.
		return nil, &oauth2.RetrieveError{Response: &http.Response{StatusCode: 400}, ErrorCode: "invalid_grant",
			Body: []byte(`{"error":"invalid_grant","refresh_token":"` + secret + `"}`)}
	}
	return &oauth2.Token{AccessToken: "tok-" + string(rune('0'+n)), Expiry: time.Now().Add(time.Hour)}, nil
}

func TestEachAttemptAsksTheTokenSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		var seen []string
		seq := sequence(&calls, 503, 200)
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			seen = append(seen, r.Header.Get("Authorization"))
			return seq(r)
		})
		ts := &countingSource{}
		c := newClient(t, mockBase, auth.OAuth2(ts), withTransport(m))
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil {
			t.Fatal(err)
		}
		if ts.n.Load() != 2 || len(seen) != 2 || seen[0] != "Bearer tok-1" || seen[1] != "Bearer tok-2" {
			t.Errorf("token calls %d, Authorization headers %q", ts.n.Load(), seen)
		}
	})
}

func TestTokenSourceFailureNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t) // any request fails the test
		ts := &countingSource{fail: true}
		c := newClient(t, mockBase, auth.OAuth2(ts), withTransport(m))
		_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
		if !errors.Is(err, auth.ErrTokenSource) {
			t.Fatalf("err = %v, want auth.ErrTokenSource", err)
		}
		if ts.n.Load() != 1 || asAPIError(t, err).Attempts != 1 {
			t.Errorf("token source asked %d times, want 1", ts.n.Load())
		}
	})
}

func TestAttemptTimeoutIsRetriedForGET(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			if calls.Add(1) == 1 {
				<-r.Context().Done() // hang until the attempt's timeout
				return nil, r.Context().Err()
			}
			return httpmock.NewStringResponse(200, `{}`), nil
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), func(cfg *clientopt.Config) {
			cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
		})
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil {
			t.Fatal(err)
		}
		if calls.Load() != 2 {
			t.Errorf("calls %d, want 2", calls.Load())
		}
	})
}

// The tests below use real sockets on loopback and WithRetry(n, 0), so that no wait happens.

func TestPOSTResetAfterBodyReadReachesServerOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.(*net.TCPConn).SetLinger(0) // close with RST
		_ = conn.Close()
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, auth.Bearer(secret), withAllowed(loopback), withRetry(3, 0))
	_, err := c.Do(t.Context(), Request{Method: "POST", Path: "/hooks", Body: map[string]int{"n": 1}}, nil)
	ae := asAPIError(t, err)
	if calls.Load() != 1 || ae.Attempts != 1 || ae.StatusCode != 0 {
		t.Errorf("calls %d, attempts %d, status %d; want 1, 1, 0", calls.Load(), ae.Attempts, ae.StatusCode)
	}

	// The same failure on a GET is repeated.
	calls.Store(0)
	_, err = c.Do(t.Context(), Request{Path: "/repos"}, nil)
	if ae := asAPIError(t, err); calls.Load() != 4 || ae.Attempts != 4 {
		t.Errorf("GET: calls %d, attempts %d; want 4", calls.Load(), ae.Attempts)
	}
}

func TestDialRefusedPOSTIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: every dial is refused
	c := newClient(t, "http://"+addr+"/rest", auth.Bearer(secret), withAllowed(loopback), withRetry(3, 0))
	_, err = c.Do(t.Context(), Request{Method: "POST", Path: "/hooks", Body: map[string]int{"n": 1}}, nil)
	ae := asAPIError(t, err)
	if ae.Attempts != 4 || ae.StatusCode != 0 {
		t.Errorf("attempts %d, status %d; want 4, 0", ae.Attempts, ae.StatusCode)
	}
	var op *net.OpError
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("err = %v: want ECONNREFUSED and a dial *net.OpError reachable", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error shows the token: %v", err)
	}
}

func TestConcurrentCallsOnOneClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("GET", `=~^`+mockBase+`/x`, func(r *http.Request) (*http.Response, error) {
			// Every other request fails once, so that retries interleave.
			if calls.Add(1)%2 == 0 {
				return httpmock.NewStringResponse(502, "bad gateway"), nil
			}
			return httpmock.NewStringResponse(200, `{"ok":true}`), nil
		})
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withRetry(10, time.Second))
		errs := make(chan error, 16)
		for range 16 {
			go func() {
				var out struct {
					OK bool `json:"ok"`
				}
				_, err := c.Do(t.Context(), Request{Path: "/x"}, &out)
				if err == nil && !out.OK {
					err = errors.New("body not decoded")
				}
				errs <- err
			}()
		}
		for range 16 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}
