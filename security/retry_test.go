package security_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/server"
)

// rateLimiter is a caller's transport that answers every request with 429 and retryAfter.
type rateLimiter struct {
	retryAfter string
	calls      atomic.Int32
}

func (l *rateLimiter) RoundTrip(r *http.Request) (*http.Response, error) {
	l.calls.Add(1)
	return &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {l.retryAfter}},
		Body: io.NopCloser(strings.NewReader("slow down")), Request: r}, nil
}

// TestRetryAfterOverflowIsNotAbsent: a Retry-After with more seconds than int64 holds is the
// longest wait, beyond maxWait: the call fails at once with ErrRateLimited and RetryAfter set,
// instead of retrying as if no delay had been asked (issue 11 item 11).
func TestRetryAfterOverflowIsNotAbsent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &rateLimiter{retryAfter: "999999999999999999999999999999"}
		c, err := server.New("https://bitbucket.invalid", auth.Bearer("x"), bitbucket.WithTransport(l), bitbucket.WithRetry(3, 30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = c.GetRepository(t.Context(), repo)
		var ae *bitbucket.APIError
		if !errors.Is(err, bitbucket.ErrRateLimited) || !errors.As(err, &ae) {
			t.Fatalf("err %v, want ErrRateLimited", err)
		}
		if ae.RetryAfter < 30*time.Second || l.calls.Load() != 1 || time.Since(start) != 0 {
			t.Errorf("RetryAfter %v after %d requests and %v; want the cap at once", ae.RetryAfter, l.calls.Load(), time.Since(start))
		}
	})
}
