package bitbucket_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

var sentinels = map[string]error{
	"ErrNotFound":            bitbucket.ErrNotFound,
	"ErrUnauthorized":        bitbucket.ErrUnauthorized,
	"ErrForbidden":           bitbucket.ErrForbidden,
	"ErrConflict":            bitbucket.ErrConflict,
	"ErrRateLimited":         bitbucket.ErrRateLimited,
	"ErrInvalidInput":        bitbucket.ErrInvalidInput,
	"ErrNotSupported":        bitbucket.ErrNotSupported,
	"ErrDisallowedHost":      bitbucket.ErrDisallowedHost,
	"ErrCrossOriginRedirect": bitbucket.ErrCrossOriginRedirect,
	"ErrPaginationStalled":   bitbucket.ErrPaginationStalled,
}

func TestAPIErrorIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    *bitbucket.APIError
		wantIs string // the only sentinel the error must match; "" for none
	}{
		{"404", &bitbucket.APIError{StatusCode: http.StatusNotFound}, "ErrNotFound"},
		{"401 no code", &bitbucket.APIError{StatusCode: http.StatusUnauthorized}, "ErrUnauthorized"},
		{"401 cloud", &bitbucket.APIError{Provider: bitbucket.Cloud, StatusCode: http.StatusUnauthorized}, "ErrUnauthorized"},
		{"401 DC bad password", &bitbucket.APIError{Provider: bitbucket.Server, StatusCode: http.StatusUnauthorized,
			Code: "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"}, "ErrUnauthorized"},
		{"401 DC authentication", &bitbucket.APIError{Provider: bitbucket.Server, StatusCode: http.StatusUnauthorized,
			Code: "com.atlassian.bitbucket.AuthenticationException"}, "ErrUnauthorized"},
		{"401 DC authorisation", &bitbucket.APIError{Provider: bitbucket.Server, StatusCode: http.StatusUnauthorized,
			Code: "com.atlassian.bitbucket.AuthorisationException"}, "ErrForbidden"},
		{"403", &bitbucket.APIError{StatusCode: http.StatusForbidden}, "ErrForbidden"},
		{"403 with authorisation code", &bitbucket.APIError{StatusCode: http.StatusForbidden,
			Code: "com.atlassian.bitbucket.AuthorisationException"}, "ErrForbidden"},
		{"409", &bitbucket.APIError{StatusCode: http.StatusConflict}, "ErrConflict"},
		{"429", &bitbucket.APIError{StatusCode: http.StatusTooManyRequests, RetryAfter: time.Minute}, "ErrRateLimited"},
		{"400", &bitbucket.APIError{StatusCode: http.StatusBadRequest}, "ErrInvalidInput"},
		{"422", &bitbucket.APIError{StatusCode: http.StatusUnprocessableEntity}, "ErrInvalidInput"},
		{"500", &bitbucket.APIError{StatusCode: http.StatusInternalServerError}, ""},
		{"503", &bitbucket.APIError{StatusCode: http.StatusServiceUnavailable}, ""},
		{"no response", &bitbucket.APIError{}, ""},
		{"404 with AuthorisationException code", &bitbucket.APIError{StatusCode: http.StatusNotFound,
			Code: "com.atlassian.bitbucket.AuthorisationException"}, "ErrNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for name, sentinel := range sentinels {
				want := name == tt.wantIs
				if got := errors.Is(tt.err, sentinel); got != want {
					t.Errorf("errors.Is(%v, %s) = %v, want %v", tt.err, name, got, want)
				}
			}
		})
	}
}

func TestAPIErrorThroughWrapping(t *testing.T) {
	t.Parallel()
	inner := &bitbucket.APIError{Provider: bitbucket.Server, StatusCode: http.StatusUnauthorized, Method: http.MethodPost,
		URL: "https://bb.example.com/rest/api/1.0/projects/P/repos/r/webhooks", Code: "com.atlassian.bitbucket.AuthorisationException"}
	err := fmt.Errorf("ensure webhook: %w", fmt.Errorf("create: %w", inner))

	if !errors.Is(err, bitbucket.ErrForbidden) {
		t.Errorf("wrapped DC authorisation 401: errors.Is(ErrForbidden) = false, want true")
	}
	if errors.Is(err, bitbucket.ErrUnauthorized) {
		t.Errorf("wrapped DC authorisation 401: errors.Is(ErrUnauthorized) = true, want false")
	}
	var apiErr *bitbucket.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("errors.As(*APIError) = false through two wraps")
	}
	if apiErr != inner {
		t.Errorf("errors.As found %p, want the original %p", apiErr, inner)
	}
	if apiErr.StatusCode != http.StatusUnauthorized {
		t.Errorf("StatusCode = %d, want the server's 401 kept", apiErr.StatusCode)
	}

	// errors.Join is another common wrapper.
	joined := errors.Join(errors.New("other"), &bitbucket.APIError{StatusCode: http.StatusConflict})
	if !errors.Is(joined, bitbucket.ErrConflict) {
		t.Errorf("errors.Join: errors.Is(ErrConflict) = false")
	}
}

func TestAPIErrorUnwrap(t *testing.T) {
	t.Parallel()
	// A policy refusal has no status; its cause is reached through Unwrap.
	policy := &bitbucket.APIError{Method: http.MethodGet, URL: "https://10.0.0.1/rest", Err: bitbucket.ErrDisallowedHost}
	if !errors.Is(policy, bitbucket.ErrDisallowedHost) {
		t.Errorf("errors.Is(ErrDisallowedHost) = false for an APIError wrapping it")
	}
	if errors.Is(policy, bitbucket.ErrNotFound) {
		t.Errorf("a policy refusal matches ErrNotFound")
	}
	transport := &bitbucket.APIError{Method: http.MethodGet, Err: context.DeadlineExceeded}
	if !errors.Is(transport, context.DeadlineExceeded) {
		t.Errorf("errors.Is(context.DeadlineExceeded) = false for an APIError wrapping it")
	}
	if got := (&bitbucket.APIError{}).Unwrap(); got != nil {
		t.Errorf("Unwrap() of an APIError with no cause = %v, want nil", got)
	}
}

func TestAPIErrorError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      *bitbucket.APIError
		contains []string
		excludes []string
	}{
		{
			name: "full",
			err: &bitbucket.APIError{Provider: bitbucket.Server, StatusCode: 401, Method: "GET",
				URL: "https://bb.example.com/rest/api/1.0/repos", Message: "You are not permitted to access this resource",
				Details: []string{"first", "second"}, Code: "com.atlassian.bitbucket.AuthorisationException", Attempts: 1},
			contains: []string{"bitbucket server", "GET https://bb.example.com/rest/api/1.0/repos", "401 Unauthorized",
				"(com.atlassian.bitbucket.AuthorisationException)", "You are not permitted to access this resource", "first; second"},
			excludes: []string{"attempts"},
		},
		{
			name:     "rate limited after retries",
			err:      &bitbucket.APIError{Provider: bitbucket.Cloud, StatusCode: 429, Method: "GET", URL: "https://api.bitbucket.org/2.0/user", RetryAfter: 90 * time.Second, Attempts: 4},
			contains: []string{"bitbucket cloud", "429 Too Many Requests", "retry after 1m30s", "after 4 attempts"},
		},
		{
			name:     "no response",
			err:      &bitbucket.APIError{Method: "GET", URL: "https://example.com/x", Err: errors.New("connection reset by peer")},
			contains: []string{"no response", "connection reset by peer"},
		},
		{
			name:     "bare",
			err:      &bitbucket.APIError{StatusCode: 404},
			contains: []string{"bitbucket: 404 Not Found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := tt.err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("Error() has a newline: %q", msg)
			}
			for _, s := range tt.contains {
				if !strings.Contains(msg, s) {
					t.Errorf("Error() = %q, want it to contain %q", msg, s)
				}
			}
			for _, s := range tt.excludes {
				if strings.Contains(msg, s) {
					t.Errorf("Error() = %q, want it not to contain %q", msg, s)
				}
			}
		})
	}
}

func TestAPIErrorNilReceiver(t *testing.T) {
	t.Parallel()
	// A provider bug that returns a typed nil *APIError as an error must not panic a caller's
	// errors.Is.
	var e *bitbucket.APIError
	var err error = e
	for name, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			t.Errorf("nil *APIError matches %s", name)
		}
	}
}
