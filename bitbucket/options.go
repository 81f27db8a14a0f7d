package bitbucket

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/bbconnect/bbconnect/internal/clientopt"
)

// Option configures a client made by cloud.New or server.New. Make one with the With…
// functions of this package; the zero Option changes nothing.
type Option struct {
	apply func(*clientopt.Config)
}

// option makes an Option of f.
func option(f func(*clientopt.Config)) Option { return Option{apply: f} }

// The providers read options through clientopt.Apply, which reaches an Option's function here.
func init() {
	clientopt.OptionFunc = func(o any) func(*clientopt.Config) {
		if opt, ok := o.(Option); ok {
			return opt.apply
		}
		return nil
	}
}

// WithHTTPClient makes the client send through hc. Its Transport (or http.DefaultTransport's
// settings when nil) is the base under credentials and retries; its Timeout bounds each attempt.
// The client's CheckRedirect is replaced by the same-origin redirect policy.
func WithHTTPClient(hc *http.Client) Option {
	return option(func(c *clientopt.Config) { c.HTTPClient = hc })
}

// WithTransport sets the base round tripper under credentials and retries, for example an
// OpenTelemetry transport. It takes precedence over the transport of WithHTTPClient.
func WithTransport(rt http.RoundTripper) Option {
	return option(func(c *clientopt.Config) { c.Transport = rt })
}

// WithBaseURL overrides the Cloud API root https://api.bitbucket.org/2.0, for fakes and proxies.
// It is refused by server.New, whose base URL is its first argument.
func WithBaseURL(u string) Option {
	return option(func(c *clientopt.Config) { c.BaseURL = u })
}

// WithLogger makes the client log one debug record per HTTP attempt. By default nothing is logged.
// Header values and credentials are never logged.
func WithLogger(l *slog.Logger) Option {
	return option(func(c *clientopt.Config) { c.Logger = l })
}

// WithUserAgent replaces the default User-Agent, bbconnect-go/<version>.
func WithUserAgent(ua string) Option {
	return option(func(c *clientopt.Config) { c.UserAgent = ua })
}

// WithRetry sets how many times a failed request may be retried and the longest single wait
// between attempts. A Retry-After longer than maxWait is not slept: the call fails at once with
// an error that matches ErrRateLimited. Defaults: 3 retries, 30 seconds.
func WithRetry(maxRetries int, maxWait time.Duration) Option {
	return option(func(c *clientopt.Config) {
		if maxRetries < 0 || maxWait < 0 {
			c.Errs = append(c.Errs, fmt.Errorf("%w: WithRetry(%d, %s): values must not be negative", ErrInvalidInput, maxRetries, maxWait))
			return
		}
		c.MaxRetries, c.MaxWait = maxRetries, maxWait
	})
}

// WithRootCAs sets the certificate authorities trusted for TLS, for a self-hosted server whose
// certificate is issued by an enterprise CA.
func WithRootCAs(pool *x509.CertPool) Option {
	return option(func(c *clientopt.Config) { c.RootCAs = pool })
}

// WithAllowedHosts lets the client reach addresses in the given prefixes that the host policy
// refuses by default (loopback, private, link-local and similar ranges), and plain http on them.
// Cloud metadata addresses stay refused whatever the prefixes say. The OAuth token requests of
// package auth take their allow-list from auth.ContextWithAllowedHosts.
func WithAllowedHosts(prefixes ...netip.Prefix) Option {
	return option(func(c *clientopt.Config) { c.AllowedHosts = append(c.AllowedHosts, prefixes...) })
}
