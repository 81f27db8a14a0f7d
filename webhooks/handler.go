package webhooks

import (
	"context"
	"errors"
	"net/http"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// NewHandler returns an http.Handler that receives deliveries from both providers and calls fn
// with each verified, normalised Event. It answers:
//
//   - 405 (with Allow: POST) to any method but POST;
//   - 413 when the body is longer than opts.MaxBodyBytes;
//   - 401 when the signature is missing or wrong, or opts.Secrets knows no secret for it;
//   - 400 when the body cannot be read, the payload is malformed, or X-Event-Key is missing;
//   - 200 to a Data Center ping and to a delivery already processed, without calling fn;
//   - 503 (with Retry-After) to a delivery whose key another request holds right now, and when
//     opts.Secrets or opts.Dedupe fails (a database that is down): the delivery is then neither
//     processed nor marked, since the handler cannot know whether another replica did;
//   - 500 when fn returns an error, and when opts is unusable;
//   - 200 otherwise, once fn has returned nil, including for events with no neutral name.
//
// Responses are short fixed texts: they never echo a secret, a payload or an error. fn receives
// the request's context.
//
// # When to answer 200
//
// The handler acknowledges a delivery only after fn returned nil, so fn must have handed the event
// off durably by then: processed it, or written it to a queue or a database table (sqlstore's
// Intake records the verified delivery and lets a worker process it, with retries). What a 5xx
// costs differs by provider:
//
//   - Bitbucket Cloud resends a delivery answered with a 5xx up to twice more, at once, with no
//     backoff and ignoring Retry-After; a timeout (10 s) is not resent. So a 5xx buys at most two
//     immediate retries.
//   - Bitbucket Data Center never resends. A delivery answered with a 5xx is lost, and a hook that
//     fails 5 times in a row is skipped, first for 10 s and backing off up to 10 h, losing every
//     event of that time.
//
// So a product that must not lose a Data Center event records it before answering 200 (fn writes
// it to durable storage and returns; the work happens after), rather than processing it in fn and
// relying on a 500 to get it again.
//
// # Duplicates
//
// With opts.Dedupe set, a delivery's key (Event.DedupeKey) is reserved before fn runs and marked
// as processed only when fn succeeds; when fn fails (or panics) the reservation is released, so a
// resend is processed again. A reservation the store cannot make is answered 503, never processed
// unreserved. When fn succeeded but Mark fails, the answer is still 200 (the event was handed off);
// the reservation then lapses with its lease, so a resend meanwhile is answered 503, not processed
// twice. A delivery with no id is not deduplicated.
func NewHandler(opts Options, fn func(context.Context, *Event) error) http.Handler {
	return &handler{opts: opts, fn: fn}
}

type handler struct {
	opts Options
	fn   func(context.Context, *Event) error
}

// retryAfter is the Retry-After, in seconds, of a 503.
const retryAfter = "10"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ev, err := Parse(r, h.opts)
	switch {
	case err == nil:
	case errors.Is(err, ErrDuplicateDelivery):
		reply(w, http.StatusOK, "duplicate delivery")
		return
	case errors.Is(err, ErrPayloadTooLarge):
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrInvalidSignature):
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	case errors.Is(err, ErrSecretLookup):
		unavailable(w, "secret lookup failed")
		return
	case errors.Is(err, bitbucket.ErrInvalidInput):
		http.Error(w, "webhook receiver misconfigured", http.StatusInternalServerError)
		return
	case errors.Is(err, ErrUnknownEvent):
		http.Error(w, "missing event key", http.StatusBadRequest)
		return
	default: // ErrMalformedPayload, or the body could not be read
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if ev.Type == bitbucket.EventPing {
		reply(w, http.StatusOK, "pong")
		return
	}
	key := ev.DedupeKey()
	store := h.opts.Dedupe
	if key == "" {
		store = nil
	}
	if store != nil {
		switch err := store.Reserve(r.Context(), key); {
		case err == nil:
		case errors.Is(err, ErrDuplicateDelivery):
			reply(w, http.StatusOK, "duplicate delivery")
			return
		case errors.Is(err, ErrDeliveryInProgress):
			unavailable(w, "delivery in progress")
			return
		default:
			unavailable(w, "delivery store unavailable")
			return
		}
	}
	if h.run(r.Context(), ev, store, key) != nil {
		http.Error(w, "processing failed", http.StatusInternalServerError)
		return
	}
	reply(w, http.StatusOK, "ok")
}

// run calls fn and settles the delivery's reservation in store (when not nil): marked on
// success, released on an error or a panic (which is passed on to net/http). The settlement runs
// without ctx's cancellation, so that a client that hangs up does not leave it half done.
func (h *handler) run(ctx context.Context, ev *Event, store DeliveryStore, key string) (err error) {
	ok := false
	defer func() {
		if store == nil {
			return
		}
		sctx := context.WithoutCancel(ctx)
		if ok {
			_ = store.Mark(sctx, key) // handed off: 200 either way; the reservation lapses
		} else {
			_ = store.Release(sctx, key) // a failed release lapses too
		}
	}()
	if h.fn != nil {
		err = h.fn(ctx, ev)
	}
	ok = err == nil
	return err
}

// unavailable answers 503 with a Retry-After.
func unavailable(w http.ResponseWriter, text string) {
	w.Header().Set("Retry-After", retryAfter)
	http.Error(w, text, http.StatusServiceUnavailable)
}

func reply(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(text + "\n"))
}
