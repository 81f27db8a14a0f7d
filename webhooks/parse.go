package webhooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Delivery headers, in their canonical form (so that reading them does not allocate).
const (
	headerEventKey  = "X-Event-Key"
	headerSignature = "X-Hub-Signature"
	headerHookUUID  = "X-Hook-Uuid"      // Cloud
	headerRequestID = "X-Request-Uuid"   // Cloud
	headerAttempt   = "X-Attempt-Number" // Cloud
	headerServerID  = "X-Request-Id"     // Data Center
)

// pingKey is Data Center's "Test connection" event.
const pingKey = "diagnostics:ping"

// Parse reads, verifies and normalises one delivery.
//
// It reads at most opts.MaxBodyBytes (ErrPayloadTooLarge beyond), then checks X-Hub-Signature
// over the raw body before any JSON is decoded (ErrMissingSignature, ErrInvalidSignature; see
// Options.AllowUnsigned). A Data Center ping (diagnostics:ping) with no signature is accepted, as
// it carries no data; a signed one is verified. A missing X-Event-Key is ErrUnknownEvent.
//
// The provider is told from the headers (X-Hook-UUID, X-Request-UUID or X-Attempt-Number: Cloud;
// X-Request-Id: Data Center), else from the event key. A key with no neutral name is returned
// with Type == "" and no error. A recognised key whose body is not the JSON it promises is
// ErrMalformedPayload, and so is, for any key, a Data Center body whose own eventKey differs from
// X-Event-Key (see the package documentation, Payloads).
//
// With opts.Dedupe set to a *Deduper, a verified delivery whose id was already marked as processed
// is returned with ErrDuplicateDelivery and an Event holding the header fields and Raw only. Parse
// does not reserve or mark deliveries: call opts.Dedupe.Reserve, then Mark or Release, with
// ev.DedupeKey() (NewHandler does). Options that have neither Secret nor AllowUnsigned are an error wrapping
// bitbucket.ErrInvalidInput. On any other error the Event is nil.
func Parse(r *http.Request, opts Options) (*Event, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("%w: webhooks: nil request", bitbucket.ErrInvalidInput)
	}
	limit := opts.maxBody()
	if r.ContentLength > limit {
		return nil, ErrPayloadTooLarge
	}
	body, err := readBody(r.Body, limit, r.ContentLength)
	if err != nil {
		return nil, err
	}
	h := r.Header
	key := strings.TrimSpace(header(h, headerEventKey))
	sig := header(h, headerSignature)
	if err := checkSignature(r, body, sig, key, &opts); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, ErrUnknownEvent
	}
	ev := &Event{
		Provider:   detectProvider(h, key, body),
		Key:        key,
		DeliveryID: strings.TrimSpace(header(h, headerRequestID)),
		HookID:     strings.TrimSpace(header(h, headerHookUUID)),
		Attempt:    attempt(header(h, headerAttempt)),
		Raw:        body,
	}
	if ev.Provider == bitbucket.Server {
		ev.DeliveryID = strings.TrimSpace(header(h, headerServerID))
	}
	if key != pingKey && seen(opts.Dedupe, ev.DedupeKey()) {
		ev.Type, _ = bitbucket.EventForKey(ev.Provider, key)
		return ev, ErrDuplicateDelivery
	}
	if err := decode(ev, body); err != nil {
		return nil, err
	}
	return ev, nil
}

// ParsePayload normalises a body that was already read and verified, for the given provider and
// X-Event-Key. It applies the same rules as Parse, without headers: DeliveryID, HookID and Attempt
// stay empty. An empty key is ErrUnknownEvent; a provider other than bitbucket.Cloud or
// bitbucket.Server is an error wrapping bitbucket.ErrInvalidInput. Raw refers to body, not a copy.
func ParsePayload(provider bitbucket.Provider, eventKey string, body []byte) (*Event, error) {
	if provider != bitbucket.Cloud && provider != bitbucket.Server {
		return nil, fmt.Errorf("%w: webhooks: unknown provider %q", bitbucket.ErrInvalidInput, provider)
	}
	key := strings.TrimSpace(eventKey)
	if key == "" {
		return nil, ErrUnknownEvent
	}
	ev := &Event{Provider: provider, Key: key, Raw: body}
	if err := decode(ev, body); err != nil {
		return nil, err
	}
	return ev, nil
}

// checkSignature applies the signature policy of opts to one delivery, with the secrets
// opts.Secrets picks for r (or opts.Secret).
func checkSignature(r *http.Request, body []byte, sig, key string, opts *Options) error {
	if strings.TrimSpace(sig) == "" {
		if key == pingKey || opts.AllowUnsigned {
			return nil
		}
		return ErrMissingSignature
	}
	secrets, err := opts.secretsFor(r)
	if err != nil || secrets == nil {
		return err // secrets == nil: AllowUnsigned without a secret, nothing to verify against
	}
	return VerifyAny(body, sig, secrets)
}

// decode fills ev from body according to ev.Provider and ev.Key.
//
// For a key with a neutral name, the body must be a JSON object of the expected shape and carry
// the object the type promises, or decode fails with ErrMalformedPayload. For other keys decoding
// is best effort: a body that does not decode leaves the payload fields empty. For every key, a
// Data Center body whose own eventKey differs from the key is ErrMalformedPayload.
func decode(ev *Event, body []byte) error {
	if ev.Key == pingKey {
		ev.Type = bitbucket.EventPing // carries no data: the body is not read
		return nil
	}
	typ, known := bitbucket.EventForKey(ev.Provider, ev.Key)
	ev.Type = typ
	if !isJSONObject(body) {
		if known {
			return fmt.Errorf("%w: %s body is not a JSON object", ErrMalformedPayload, ev.Key)
		}
		return nil
	}
	var err error
	switch ev.Provider {
	case bitbucket.Cloud:
		err = decodeCloud(ev, body)
	default:
		err = decodeServer(ev, body)
	}
	if err != nil {
		if known || errors.Is(err, errEventKeyMismatch) {
			return err
		}
		return nil
	}
	if !known {
		return nil
	}
	switch typ {
	case bitbucket.EventPush:
		if ev.Push == nil {
			return fmt.Errorf("%w: %s payload has no push changes", ErrMalformedPayload, ev.Key)
		}
	case bitbucket.EventPullRequestComment:
		if ev.PullRequest == nil || ev.Comment == nil {
			return fmt.Errorf("%w: %s payload lacks its pull request or comment", ErrMalformedPayload, ev.Key)
		}
	case bitbucket.EventPullRequestOpened, bitbucket.EventPullRequestUpdated,
		bitbucket.EventPullRequestMerged, bitbucket.EventPullRequestDeclined:
		if ev.PullRequest == nil {
			return fmt.Errorf("%w: %s payload has no pull request", ErrMalformedPayload, ev.Key)
		}
	}
	return nil
}

// detectProvider tells the provider from the delivery headers, else from the event key, else
// from the body (Data Center payloads carry their eventKey).
func detectProvider(h http.Header, key string, body []byte) bitbucket.Provider {
	if header(h, headerHookUUID) != "" || header(h, headerRequestID) != "" || header(h, headerAttempt) != "" {
		return bitbucket.Cloud
	}
	if header(h, headerServerID) != "" {
		return bitbucket.Server
	}
	return providerForKey(key, body)
}

func providerForKey(key string, body []byte) bitbucket.Provider {
	if _, ok := bitbucket.EventForKey(bitbucket.Server, key); ok {
		return bitbucket.Server
	}
	if _, ok := bitbucket.EventForKey(bitbucket.Cloud, key); ok {
		return bitbucket.Cloud
	}
	switch {
	case strings.HasPrefix(key, "pr:"), strings.HasPrefix(key, "diagnostics:"), strings.HasPrefix(key, "mirror:"),
		strings.Count(key, ":") > 1: // Data Center keys nest with colons (repo:comment:added)
		return bitbucket.Server
	case strings.HasPrefix(key, "pullrequest:"), strings.HasPrefix(key, "issue:"):
		return bitbucket.Cloud
	}
	if bytes.Contains(body, []byte(`"eventKey"`)) {
		return bitbucket.Server
	}
	return bitbucket.Cloud
}

// header reads a header by its canonical name.
func header(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// attempt parses X-Attempt-Number; absent or invalid is 1, a first delivery.
func attempt(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// readBody reads at most limit bytes; a longer body is ErrPayloadTooLarge. It reads limit+1 bytes
// at most to tell the two apart. size is the announced Content-Length (-1 when unknown), used to
// allocate once.
func readBody(r io.Reader, limit, size int64) ([]byte, error) {
	if r == nil || r == http.NoBody {
		return []byte{}, nil
	}
	hardMax := limit + 1
	initial := int64(4096)
	if size >= 0 && size < limit {
		initial = size + 1 // the spare byte lets the final read report EOF without growing
	}
	initial = min(initial, hardMax)
	buf := make([]byte, 0, initial)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= hardMax {
				return nil, ErrPayloadTooLarge
			}
			grown := min(int64(cap(buf))*2, hardMax)
			buf = append(make([]byte, 0, grown), buf...)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, ErrPayloadTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, ErrPayloadTooLarge
			}
			return nil, fmt.Errorf("webhooks: reading body: %w", err)
		}
	}
}
