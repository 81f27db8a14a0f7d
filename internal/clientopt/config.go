package clientopt

import (
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// Defaults for the retry policy.
const (
	DefaultMaxRetries = 3
	DefaultMaxWait    = 30 * time.Second
)

// Config is what the options of package bitbucket set. The zero value is not ready for use; start
// from Default.
type Config struct {
	HTTPClient   *http.Client
	Transport    http.RoundTripper
	BaseURL      string // set by WithBaseURL; "" when not given
	Logger       *slog.Logger
	UserAgent    string
	MaxRetries   int
	MaxWait      time.Duration
	RootCAs      *x509.CertPool
	AllowedHosts []netip.Prefix
	// MaxPages and MaxItems bound every listing; 0 means the paging defaults.
	MaxPages, MaxItems int
	// MaxFileBytes caps GetFile; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// Errs collects option misuse (a negative retry count, say), reported by the constructor.
	Errs []error
}

// DefaultMaxFileBytes is the largest file GetFile reads by default.
const DefaultMaxFileBytes = 10 << 20

// Default returns the configuration before any option is applied.
func Default() Config {
	return Config{MaxRetries: DefaultMaxRetries, MaxWait: DefaultMaxWait, MaxFileBytes: DefaultMaxFileBytes}
}

// OptionFunc returns the function of an option value (a bitbucket.Option), nil for anything else
// or for the zero Option. Package bitbucket sets it when it is initialised, so that its Option
// shows no field of this package in its documentation.
var OptionFunc func(opt any) func(*Config)

// Apply returns the configuration that opts describe, starting from Default. Zero options are
// skipped. O is bitbucket.Option, which this package cannot import.
func Apply[O any](opts []O) Config {
	cfg := Default()
	if OptionFunc == nil {
		return cfg
	}
	for _, o := range opts {
		if f := OptionFunc(o); f != nil {
			f(&cfg)
		}
	}
	return cfg
}
