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
//   - 401 when the signature is missing or wrong;
//   - 400 when the body cannot be read, the payload is malformed, or X-Event-Key is missing;
//   - 200 to a Data Center ping and to a delivery already processed, without calling fn;
//   - 503 to a delivery whose id another request is processing right now (Bitbucket retries it);
//   - 500 when fn returns an error, so that Bitbucket retries, and when opts is unusable;
//   - 200 otherwise, including for events with no neutral name (Type == "").
//
// Responses are short fixed texts: they never echo a secret, a payload or an error. With
// opts.Dedupe set, a delivery id is reserved while fn runs and marked as processed only when fn
// succeeds; when fn fails (or panics) the reservation is dropped, so Bitbucket's retry is
// processed again. fn receives the request's context.
func NewHandler(opts Options, fn func(context.Context, *Event) error) http.Handler {
	return &handler{opts: opts, fn: fn}
}

type handler struct {
	opts Options
	fn   func(context.Context, *Event) error
}

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
	switch err := h.opts.Dedupe.Reserve(key); {
	case errors.Is(err, ErrDuplicateDelivery):
		reply(w, http.StatusOK, "duplicate delivery")
		return
	case errors.Is(err, ErrDeliveryInProgress):
		w.Header().Set("Retry-After", "10")
		http.Error(w, "delivery in progress", http.StatusServiceUnavailable)
		return
	}
	if h.run(r.Context(), ev, key) != nil {
		http.Error(w, "processing failed", http.StatusInternalServerError)
		return
	}
	reply(w, http.StatusOK, "ok")
}

// run calls fn and settles the delivery's reservation: marked on success, released on an error
// or a panic (which is passed on to net/http).
func (h *handler) run(ctx context.Context, ev *Event, key string) (err error) {
	ok := false
	defer func() {
		if ok {
			h.opts.Dedupe.Mark(key)
		} else {
			h.opts.Dedupe.Release(key)
		}
	}()
	if h.fn != nil {
		err = h.fn(ctx, ev)
	}
	ok = err == nil
	return err
}

func reply(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(text + "\n"))
}
