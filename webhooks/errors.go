package webhooks

import (
	"errors"
	"fmt"
)

// Errors returned by Verify, Parse, ParsePayload and the Deduper. Match them with errors.Is. None
// of them carries a secret, a signature or a body excerpt.
var (
	// ErrMissingSignature: a secret is configured and the delivery has no X-Hub-Signature.
	ErrMissingSignature = errors.New("webhooks: missing signature")
	// ErrInvalidSignature: the X-Hub-Signature header is malformed, names another algorithm
	// than sha256, or does not match the body.
	ErrInvalidSignature = errors.New("webhooks: invalid signature")
	// ErrUnknownEvent: the delivery has no X-Event-Key, so it cannot be interpreted.
	ErrUnknownEvent = errors.New("webhooks: unknown event")
	// ErrPayloadTooLarge: the body is longer than Options.MaxBodyBytes.
	ErrPayloadTooLarge = errors.New("webhooks: payload too large")
	// ErrMalformedPayload: the body of a recognised event is not the JSON its key promises.
	ErrMalformedPayload = errors.New("webhooks: malformed payload")
	// ErrDuplicateDelivery: the delivery id was already processed within the Deduper's TTL.
	ErrDuplicateDelivery = errors.New("webhooks: duplicate delivery")
	// ErrDeliveryInProgress: Deduper.Reserve found the delivery id reserved by a delivery that is
	// still being processed.
	ErrDeliveryInProgress = errors.New("webhooks: delivery in progress")
)

// errEventKeyMismatch: a Data Center body's own eventKey differs from X-Event-Key. It is refused
// whatever the key, known or not.
var errEventKeyMismatch = fmt.Errorf("%w: X-Event-Key differs from the body's eventKey", ErrMalformedPayload)
