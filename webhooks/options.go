package webhooks

import (
	"fmt"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// DefaultMaxBodyBytes is the body limit used when Options.MaxBodyBytes is zero or negative. Cloud
// payloads are at most 256 KB; Data Center payloads are of the same order.
const DefaultMaxBodyBytes int64 = 1 << 20

// Options configures Parse and NewHandler. The zero value is not usable: set Secret, or set
// AllowUnsigned to accept deliveries without a signature.
type Options struct {
	// Secret is the webhook's secret, as given to Bitbucket when the hook was created. Required
	// unless AllowUnsigned is set.
	Secret []byte
	// AllowUnsigned accepts deliveries that carry no X-Hub-Signature. When Secret is also set, a
	// delivery that does carry a signature is still verified, and refused when it does not match
	// (useful while a secret is being introduced). Without Secret nothing is verified: use it only
	// behind another authentication.
	AllowUnsigned bool
	// MaxBodyBytes bounds the body that is read; a longer body is ErrPayloadTooLarge. Zero or
	// negative means DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// Dedupe, when set, makes Parse report ErrDuplicateDelivery for a delivery id already marked
	// as processed, and makes NewHandler mark deliveries once its callback succeeded.
	Dedupe *Deduper
}

// check reports a configuration that cannot work; the error wraps bitbucket.ErrInvalidInput.
func (o *Options) check() error {
	if len(o.Secret) == 0 && !o.AllowUnsigned {
		return fmt.Errorf("%w: webhooks: Options.Secret is required unless AllowUnsigned is set", bitbucket.ErrInvalidInput)
	}
	return nil
}

func (o *Options) maxBody() int64 {
	if o.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return o.MaxBodyBytes
}
