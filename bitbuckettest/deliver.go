package bitbuckettest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// PushEvent describes a push for Server.Push.
type PushEvent struct {
	Actor   string // username of who pushed; must be a seeded user, or "" for the first one seeded
	Changes []RefChange
}

// RefChange is one ref a push touched.
type RefChange struct {
	Ref      string // full ref name, "refs/heads/main" or "refs/tags/v1.0"
	Type     string // "ADD", "UPDATE" or "DELETE"
	FromHash string // ignored for ADD (forty zeros are sent)
	ToHash   string // ignored for DELETE (forty zeros are sent)
}

// PullRequest describes a pull request for Server.PullRequestEvent.
type PullRequest struct {
	ID          int
	Title       string
	Description string
	Author      string // username of the author; "" for the actor
	Actor       string // username of who acted; "" for the first user seeded
	FromBranch  string // short branch name, "feature"
	FromCommit  string
	ToBranch    string // defaults to the repository's default branch
	ToCommit    string
	Draft       bool
	CreatedAt   time.Time // zero: an hour before the delivery
	UpdatedAt   time.Time // zero: the delivery time

	// PreviousFromHash is sent with pr:from_ref_updated.
	PreviousFromHash string
	// PreviousTitle and PreviousDescription are sent with pr:modified.
	PreviousTitle, PreviousDescription string
	// Comment is the text of the comment sent with pr:comment:added.
	Comment string
}

// zeroHash is what Bitbucket sends as the old hash of a created ref and the new hash of a deleted one.
const zeroHash = "0000000000000000000000000000000000000000"

// deliveryTimeout is how long a receiver has to answer, on both providers (reference §1.7, §5).
const deliveryTimeout = 10 * time.Second

// deliveryClient sends webhook deliveries: it never follows a redirect and gives up after
// deliveryTimeout.
var deliveryClient = &http.Client{
	Timeout: deliveryTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// deliveryFormat is one provider's webhook delivery format. dc_deliver.go registers the Data
// Center one; a Cloud one registers itself the same way, in an init function.
type deliveryFormat interface {
	// pushBody returns the event key and body of a push. It is called with s.mu held.
	pushBody(s *Server, repo bitbucket.RepoRef, p PushEvent, now time.Time) (key string, body []byte, err error)
	// pullRequestBody returns the body of the pull-request event key. It is called with s.mu held.
	pullRequestBody(s *Server, repo bitbucket.RepoRef, key string, pr PullRequest, now time.Time) ([]byte, error)
	// pingBody returns the body of a connection test, or an error wrapping
	// bitbucket.ErrNotSupported. It is called with s.mu held.
	pingBody(s *Server, repo bitbucket.RepoRef, now time.Time) ([]byte, error)
	// headers returns the headers of one attempt (1-based) of delivery id to h, without the
	// signature, which send adds.
	headers(key, id string, attempt int, h *hook) http.Header
	// attempts is how often one delivery is sent at most: the first time, and again at once each
	// time the receiver answers 5xx (never after a timeout or another transport error).
	attempts() int
	// breaker reports whether the provider skips a hook that keeps failing (dc_deliver_breaker.go).
	breaker() bool
}

// deliveryFormats holds each provider's format, filled by init functions.
var deliveryFormats = map[bitbucket.Provider]deliveryFormat{}

// Push sends a signed push delivery to every active webhook of repo subscribed to the provider's
// push event, and returns an error naming each webhook that did not answer 2xx.
//
// Deliveries follow each provider's documented semantics (reference §5). Cloud sends a delivery
// answered with 5xx again at once, up to 2 more times (X-Attempt-Number 2 and 3, the same
// X-Request-UUID), ignoring Retry-After, and does not resend after a timeout (10 s) or any other
// transport error. Data Center never resends, and skips a webhook that failed 5 deliveries in a
// row: first for 10 s, then twice as long after each failure past the skip, up to 10 h; a skipped
// delivery is lost, and the error wraps ErrDeliverySkipped. SetClock drives that clock in tests.
func (s *Server) Push(ctx context.Context, repo bitbucket.RepoRef, p PushEvent) error {
	return s.deliverEvent(ctx, repo, "", func(f deliveryFormat, now time.Time) (string, []byte, error) {
		return f.pushBody(s, repo, p, now)
	})
}

// PullRequestEvent sends a signed pull-request delivery with the provider event key key (on Data
// Center pr:opened, pr:from_ref_updated, pr:modified, pr:merged, pr:declined or pr:comment:added)
// to every active webhook of repo subscribed to key.
func (s *Server) PullRequestEvent(ctx context.Context, repo bitbucket.RepoRef, key string, pr PullRequest) error {
	return s.deliverEvent(ctx, repo, "", func(f deliveryFormat, now time.Time) (string, []byte, error) {
		b, err := f.pullRequestBody(s, repo, key, pr, now)
		return key, b, err
	})
}

// Ping sends Data Center's connection test (diagnostics:ping) to every active webhook of repo,
// whatever its events, as the "Test connection" button does. Cloud has no ping: the error wraps
// bitbucket.ErrNotSupported.
func (s *Server) Ping(ctx context.Context, repo bitbucket.RepoRef) error {
	return s.deliverEvent(ctx, repo, "diagnostics:ping", func(f deliveryFormat, now time.Time) (string, []byte, error) {
		b, err := f.pingBody(s, repo, now)
		return "diagnostics:ping", b, err
	})
}

// deliverEvent builds a body with build and sends it to the active hooks of repo subscribed to its
// key; all active hooks when anyKey is that key.
func (s *Server) deliverEvent(ctx context.Context, repo bitbucket.RepoRef, anyKey string,
	build func(deliveryFormat, time.Time) (string, []byte, error)) error {
	f, ok := deliveryFormats[s.provider]
	if !ok {
		return fmt.Errorf("bitbuckettest: %w: webhook deliveries on %s", bitbucket.ErrNotSupported, s.provider)
	}
	s.mu.Lock()
	if _, ok := s.repos[repo]; !ok {
		s.mu.Unlock()
		return fmt.Errorf("bitbuckettest: %w: repository %s is not seeded", bitbucket.ErrNotFound, repo)
	}
	key, body, err := build(f, s.deliveryNowLocked())
	var targets []hook
	if err == nil {
		for _, h := range s.hooks[repo] {
			if h.active && (key == anyKey || slices.Contains(h.events, key)) {
				c := *h
				c.events = slices.Clone(h.events)
				targets = append(targets, c)
			}
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	// A connection test is a person pressing a button: the circuit breaker does not hold it back.
	useBreaker := f.breaker() && key != anyKey
	var errs []error
	for i := range targets {
		h := &targets[i]
		if useBreaker {
			if err := s.breakerAllows(h.id); err != nil {
				errs = append(errs, fmt.Errorf("webhook %s: %w", h.id, err))
				continue
			}
		}
		id := newRequestID()
		err := send(ctx, h.url, h.secret, body, f.attempts(), func(attempt int) http.Header { return f.headers(key, id, attempt, h) })
		if useBreaker && ctx.Err() == nil {
			s.breakerRecord(h.id, err == nil)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("webhook %s: %w", h.id, err))
		}
	}
	return errors.Join(errs...)
}

// send POSTs body to url with the headers header gives for each attempt, signed with secret when
// it is set (X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>). It sends again at once on a
// 5xx answer, up to attempts in all, and returns the last failure; a transport error (a timeout, a
// reset) ends the delivery, as does any other answer.
func send(ctx context.Context, url, secret string, body []byte, attempts int, header func(attempt int) http.Header) error {
	var last error
	for attempt := 1; attempt <= attempts; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("bitbuckettest: delivery request: %w", err)
		}
		for k, v := range header(attempt) {
			req.Header[k] = v
		}
		if secret != "" {
			req.Header.Set("X-Hub-Signature", Sign(secret, body))
		}
		resp, err := deliveryClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("bitbuckettest: delivery attempt %d: %w", attempt, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return nil
		case resp.StatusCode >= 500:
			last = fmt.Errorf("bitbuckettest: delivery attempt %d: status %d", attempt, resp.StatusCode)
		default:
			return fmt.Errorf("bitbuckettest: delivery: status %d", resp.StatusCode)
		}
	}
	return last
}

// Sign returns the X-Hub-Signature value Bitbucket sends for body under secret: "sha256=" and the
// hex HMAC-SHA256 of the raw body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// newRequestID returns a random version 4 UUID, as X-Request-Id and X-Request-UUID carry.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// HookInfo is a snapshot of a webhook stored on a fake, for tests to check what a client wrote.
type HookInfo struct {
	ID          string
	URL         string
	Description string // Data Center name, Cloud description
	Events      []string
	Active      bool
	Secret      string
}

// Hooks returns the webhooks stored on repo, in the order they were created.
func (s *Server) Hooks(repo bitbucket.RepoRef) []HookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]HookInfo, 0, len(s.hooks[repo]))
	for _, h := range s.hooks[repo] {
		out = append(out, HookInfo{ID: h.id, URL: h.url, Description: h.description,
			Events: slices.Clone(h.events), Active: h.active, Secret: h.secret})
	}
	return out
}

// actorLocked is the seeded user named name, or the first user seeded when name is "".
func (s *Server) actorLocked(name string) (*user, error) {
	if name != "" {
		if u := s.users[name]; u != nil {
			return u, nil
		}
		return nil, fmt.Errorf("bitbuckettest: %w: user %q is not seeded", bitbucket.ErrInvalidInput, name)
	}
	var first *user
	for _, u := range s.users {
		if first == nil || u.id < first.id {
			first = u
		}
	}
	if first == nil {
		return nil, fmt.Errorf("bitbuckettest: %w: a delivery needs an actor: seed a user", bitbucket.ErrInvalidInput)
	}
	return first, nil
}
