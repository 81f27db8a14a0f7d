package bitbucket

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
)

// The steps of CheckConnection, as CheckError.Step names them.
const (
	StepVersion = "application-properties" // Data Center: reaching the server and reading its version
	StepUser    = "user"                   // finding who the credentials act as
	StepScopes  = "scopes"                 // Cloud: reading what the credentials were granted
)

// ErrNotBitbucket marks an address that answers, but not as Bitbucket: an HTML page or a 404 where
// the API should be, or JSON of another shape.
var ErrNotBitbucket = errors.New("bitbucket: the address does not answer as Bitbucket")

// CheckReason says in one word why CheckConnection failed, for a product to choose its message.
type CheckReason string

// The reasons CheckConnection reports, on both providers.
const (
	ReasonDisallowedHost      CheckReason = "disallowed-host"       // the host policy refused the address
	ReasonDNS                 CheckReason = "dns"                   // the host name does not resolve
	ReasonConnectionRefused   CheckReason = "connection-refused"    // nothing listens at host:port
	ReasonTimeout             CheckReason = "timeout"               // no answer in time
	ReasonTLSUnknownAuthority CheckReason = "tls-unknown-authority" // certificate from an untrusted CA
	ReasonTLS                 CheckReason = "tls"                   // another certificate problem
	ReasonRedirect            CheckReason = "redirect"              // redirected to another origin
	ReasonNotBitbucket        CheckReason = "not-bitbucket"         // the address answers, but not as Bitbucket
	ReasonUnauthorized        CheckReason = "unauthorized"          // the credentials were refused
	ReasonForbidden           CheckReason = "forbidden"             // valid credentials, missing permission
	ReasonRateLimited         CheckReason = "rate-limited"          // the service asked to slow down
	ReasonServerError         CheckReason = "server-error"          // the service failed (5xx)
	ReasonNetwork             CheckReason = "network"               // another network failure
	ReasonOther               CheckReason = "other"
)

// CheckError is a failed CheckConnection on either provider: which step failed, why, and a hint
// for the person who typed the address and token. Err is the cause (often an *APIError);
// errors.Is and errors.As reach it, so errors.Is(err, ErrUnauthorized) works on a CheckError.
// Nothing in it shows a credential. A "Test connection" screen is written once, over Reason.
type CheckError struct {
	Provider Provider
	Step     string
	Reason   CheckReason
	Hint     string
	Err      error
}

// Error describes the failure and what to do about it.
func (e *CheckError) Error() string {
	msg := fmt.Sprintf("bitbucket %s: connection check failed (%s): %s", e.Provider, e.Step, e.Hint)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *CheckError) Unwrap() error { return e.Err }

// NewCheckError classifies err, the failure of CheckConnection's step on provider p, into a
// *CheckError with its reason and hint. Providers call it; products read the result.
func NewCheckError(p Provider, step string, err error) *CheckError {
	reason, hint := checkReason(step, err)
	if reason == ReasonNotBitbucket && !errors.Is(err, ErrNotBitbucket) {
		err = fmt.Errorf("%w: %w", ErrNotBitbucket, err)
	}
	return &CheckError{Provider: p, Step: step, Reason: reason, Hint: hint, Err: err}
}

func checkReason(step string, err error) (CheckReason, string) {
	var (
		dnsErr     *net.DNSError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		netErr     net.Error
		apiErr     *APIError
	)
	switch {
	case errors.Is(err, ErrDisallowedHost):
		return ReasonDisallowedHost, "the address is refused by the host policy (private, loopback and link-local addresses are refused by default); an operator can allow its range with bitbucket.WithAllowedHosts"
	case errors.Is(err, ErrCrossOriginRedirect):
		return ReasonRedirect, "the server redirected to another address (a proxy or single sign-on page?); use the server's own base URL"
	case errors.As(err, &dnsErr):
		return ReasonDNS, "the host name does not resolve from where this program runs; check the spelling, and that the server is reachable from this network"
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonConnectionRefused, "nothing accepts connections at that host and port; check the port (Bitbucket Data Center's default is 7990) and any firewall"
	case errors.As(err, &unknownCA):
		return ReasonTLSUnknownAuthority, "the server's certificate is signed by an authority this program does not trust; supply the CA certificate with bitbucket.WithRootCAs"
	case errors.As(err, &hostErr):
		return ReasonTLS, "the server's certificate is not valid for this host name; use the name the certificate was issued for"
	case errors.As(err, &invalidErr):
		return ReasonTLS, "the server's certificate is invalid (expired, not yet valid, or not for this use)"
	case errors.As(err, &verifyErr):
		return ReasonTLS, "the server's certificate could not be verified; if it comes from an enterprise CA, supply it with bitbucket.WithRootCAs"
	case errors.As(err, &recordErr):
		return ReasonTLS, "the server did not answer TLS; check whether the URL should start with http:// or https:// and the port"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return ReasonTimeout, "the server did not answer in time; check that it is reachable from where this program runs"
	case errors.Is(err, context.Canceled):
		return ReasonOther, "the check was cancelled"
	case errors.Is(err, ErrNotBitbucket):
		return ReasonNotBitbucket, "the address answers, but not as Bitbucket; check the URL, including a context path such as /bitbucket"
	case errors.Is(err, ErrUnauthorized):
		return ReasonUnauthorized, "the credentials were not accepted: the token may be wrong, expired or revoked"
	case errors.Is(err, ErrForbidden):
		return ReasonForbidden, "the credentials are valid but lack a permission this check needs"
	case errors.Is(err, ErrRateLimited):
		return ReasonRateLimited, "the service is rate limiting these credentials; try again later"
	}
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.StatusCode == http.StatusNotFound && step == StepVersion:
			return ReasonNotBitbucket, "the address has no Bitbucket REST API; check the URL, including a context path such as /bitbucket"
		case apiErr.StatusCode == http.StatusNotFound && step == StepUser:
			return ReasonOther, "the service did not say who the credentials act as"
		case apiErr.StatusCode >= 500:
			return ReasonServerError, "the service failed to answer; try again later or ask its administrator"
		case apiErr.StatusCode == 0:
			return ReasonNetwork, "the service could not be reached from where this program runs"
		}
	}
	return ReasonOther, "the service answered in an unexpected way"
}
