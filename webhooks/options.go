package webhooks

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// DefaultMaxBodyBytes is the body limit used when Options.MaxBodyBytes is zero or negative. Cloud
// payloads are at most 256 KB; Data Center payloads are of the same order.
const DefaultMaxBodyBytes int64 = 1 << 20

// ErrSecretLookup wraps the error returned by Options.Secrets: the secrets of a delivery could
// not be looked up (a tenant database that is down), so it was neither verified nor refused.
// NewHandler answers 503 to it.
var ErrSecretLookup = errors.New("webhooks: looking up the delivery's secrets failed")

// Options configures Parse and NewHandler. The zero value is not usable: set Secret or Secrets,
// or set AllowUnsigned to accept deliveries without a signature. No form of Options shows a
// secret: String, GoString, every fmt verb, slog and json.Marshal print only which fields are set.
type Options struct {
	// Secret is the webhook's secret, as given to Bitbucket when the hook was created. Required
	// unless Secrets or AllowUnsigned is set.
	Secret []byte
	// AllowUnsigned accepts deliveries that carry no X-Hub-Signature. When Secret is also set, a
	// delivery that does carry a signature is still verified, and refused when it does not match
	// (useful while a secret is being introduced). Without Secret nothing is verified: use it only
	// behind another authentication.
	AllowUnsigned bool
	// MaxBodyBytes bounds the body that is read; a longer body is ErrPayloadTooLarge. Zero or
	// negative means DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// Dedupe, when set, records the deliveries being processed and processed, so that one
	// Bitbucket sends again is processed once: NewHandler reserves each delivery's key before
	// calling its callback and marks it once the callback succeeded. A *Deduper keeps them in
	// memory, for one process; sqlstore keeps them in a database shared by several replicas.
	// Parse reports ErrDuplicateDelivery for a processed delivery when the store can tell from
	// memory (a *Deduper); with other stores the duplicate shows at Reserve.
	Dedupe DeliveryStore
	// Secrets, when set, gives the secrets that may have signed this delivery (the tenant's, chosen
	// from r's path or headers; several during a rotation). It takes precedence over Secret and is
	// called before any JSON is decoded, only for a delivery that carries a signature. A delivery
	// signed by any of the secrets is accepted. No secret (an unknown tenant) is
	// ErrInvalidSignature; an error is returned wrapped in ErrSecretLookup. r's body must not be
	// read: it has been read already. It is called from concurrent requests.
	Secrets func(r *http.Request) ([][]byte, error)
}

// check reports a configuration that cannot work; the error wraps bitbucket.ErrInvalidInput.
func (o *Options) check() error {
	if len(o.Secret) == 0 && o.Secrets == nil && !o.AllowUnsigned {
		return fmt.Errorf("%w: webhooks: Options.Secret or Options.Secrets is required unless AllowUnsigned is set", bitbucket.ErrInvalidInput)
	}
	return nil
}

// secretsFor returns the secrets that may have signed r: those of Secrets when it is set, else
// Secret. nil with a nil error means there is nothing to verify against (AllowUnsigned without a
// secret); an empty, non-nil list means no secret is known, which no signature matches.
func (o *Options) secretsFor(r *http.Request) ([][]byte, error) {
	if o.Secrets != nil {
		secrets, err := o.Secrets(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSecretLookup, err)
		}
		if secrets == nil {
			secrets = [][]byte{}
		}
		return secrets, nil
	}
	if len(o.Secret) == 0 {
		return nil, nil
	}
	return [][]byte{o.Secret}, nil
}

func (o *Options) maxBody() int64 {
	if o.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return o.MaxBodyBytes
}
