package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// The steps of CheckConnection, as CheckError.Step names them.
const (
	StepVersion = "application-properties" // reaching the server and reading its version
	StepUser    = "user"                   // finding who the credentials act as
)

// CheckReason says in one word why CheckConnection failed, for a product to choose its message.
type CheckReason string

// The reasons CheckConnection reports.
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
	ReasonRateLimited         CheckReason = "rate-limited"          // the server asked to slow down
	ReasonServerError         CheckReason = "server-error"          // the server failed (5xx)
	ReasonNetwork             CheckReason = "network"               // another network failure
	ReasonOther               CheckReason = "other"
)

// CheckError is a failed CheckConnection: which step failed, why, and a hint for the person who
// typed the server's address and token. Err is the cause (often a *bitbucket.APIError); errors.Is
// and errors.As reach it, so errors.Is(err, bitbucket.ErrUnauthorized) and
// errors.Is(err, bitbucket.ErrDisallowedHost) work on a CheckError. Nothing in it shows a
// credential.
type CheckError struct {
	Step   string
	Reason CheckReason
	Hint   string
	Err    error
}

// Error describes the failure and what to do about it.
func (e *CheckError) Error() string {
	msg := fmt.Sprintf("bitbucket server: connection check failed (%s): %s", e.Step, e.Hint)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *CheckError) Unwrap() error { return e.Err }

// CheckConnection is the "Test connection" button: it reads the server's version from
// application-properties and finds who the credentials act as (the X-AUSERNAME header, else the
// applinks whoami servlet), then reads that user's record. Any failure is a *CheckError naming
// the step, the reason and a hint. With auth.None the user is left zero.
func (c *Client) CheckConnection(ctx context.Context) (*bitbucket.ConnectionInfo, error) {
	props, resp, err := c.applicationProperties(ctx)
	if err != nil {
		return nil, classify(StepVersion, err)
	}
	info := &bitbucket.ConnectionInfo{Provider: bitbucket.Server, BaseURL: c.base, Version: props.Version}
	if c.creds.Scheme() == "none" {
		return info, nil // no credentials, no user: the server is reachable, which is all asked
	}
	u, err := c.resolveUser(ctx, resp.Header)
	if err != nil {
		return nil, classify(StepUser, err)
	}
	info.User = *u
	return info, nil
}

// CurrentUser returns the user the credentials act as. Credentials the server treats as
// anonymous give an error wrapping bitbucket.ErrUnauthorized.
func (c *Client) CurrentUser(ctx context.Context) (*bitbucket.User, error) {
	_, resp, err := c.applicationProperties(ctx)
	if err != nil {
		return nil, err
	}
	return c.resolveUser(ctx, resp.Header)
}

// errAnonymous is the cause when the server treats the request as anonymous.
var errAnonymous = fmt.Errorf("%w: the server treats these credentials as anonymous", bitbucket.ErrUnauthorized)

// resolveUser finds the acting user's name from hdr (X-AUSERNAME of an earlier response) or the
// whoami servlet, then reads the user's record.
func (c *Client) resolveUser(ctx context.Context, hdr http.Header) (*bitbucket.User, error) {
	name := strings.TrimSpace(hdr.Get("X-AUSERNAME"))
	if name == "" || name == "anonymous" {
		var body []byte
		if _, err := c.http.Do(ctx, httpx.Request{Method: "GET", Path: pathWhoami, Header: http.Header{"Accept": {"text/plain"}}}, &body); err != nil {
			return nil, err
		}
		name = strings.TrimSpace(string(body))
		if strings.ContainsAny(name, "<>\n") || len(name) > 255 {
			return nil, fmt.Errorf("%w: whoami did not answer a user name", ErrNotBitbucket)
		}
	}
	if name == "" || name == "anonymous" {
		return nil, errAnonymous
	}
	return c.user(ctx, name)
}

// user reads the record of the user named name. The slug is usually the name; when it is not
// (names with characters a slug cannot hold), the user is looked up by filter and matched
// exactly. A user with no readable record (some token users) is returned with its name only.
func (c *Client) user(ctx context.Context, name string) (*bitbucket.User, error) {
	var w wireUser
	_, err := c.http.Do(ctx, httpx.Request{Method: "GET", Path: userPath(name)}, &w)
	if err == nil {
		return convertUser(w), nil
	}
	if !errors.Is(err, bitbucket.ErrNotFound) {
		return nil, err
	}
	var page wirePage[wireUser]
	q := map[string][]string{"filter": {name}, "limit": {"100"}}
	if _, err := c.http.Do(ctx, httpx.Request{Method: "GET", Path: pathUsers, Query: q}, &page); err != nil && !errors.Is(err, bitbucket.ErrNotFound) {
		return nil, err
	}
	for _, u := range page.Values {
		if strings.EqualFold(u.Name, name) {
			return convertUser(u), nil
		}
	}
	return &bitbucket.User{Username: name}, nil
}

// classify wraps err in a CheckError with its reason and a hint.
func classify(step string, err error) *CheckError {
	reason, hint := reasonFor(step, err)
	if reason == ReasonNotBitbucket && !errors.Is(err, ErrNotBitbucket) {
		err = fmt.Errorf("%w: %w", ErrNotBitbucket, err)
	}
	return &CheckError{Step: step, Reason: reason, Hint: hint, Err: err}
}

func reasonFor(step string, err error) (CheckReason, string) {
	var (
		dnsErr     *net.DNSError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		netErr     net.Error
		apiErr     *bitbucket.APIError
	)
	switch {
	case errors.Is(err, bitbucket.ErrDisallowedHost):
		return ReasonDisallowedHost, "the address is refused by the host policy (private, loopback and link-local addresses are refused by default); an operator can allow its range with bitbucket.WithAllowedHosts"
	case errors.Is(err, bitbucket.ErrCrossOriginRedirect):
		return ReasonRedirect, "the server redirected to another address (a proxy or single sign-on page?); use the server's own base URL"
	case errors.As(err, &dnsErr):
		return ReasonDNS, "the host name does not resolve from where this program runs; check the spelling, and that the server is reachable from this network"
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonConnectionRefused, "nothing accepts connections at that host and port; check the port (Bitbucket's default is 7990) and any firewall"
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
		return ReasonNotBitbucket, "the address answers, but not as Bitbucket Data Center; check the URL, including a context path such as /bitbucket"
	case errors.Is(err, bitbucket.ErrUnauthorized):
		return ReasonUnauthorized, "the server did not accept the credentials: the token may be wrong, expired or revoked"
	case errors.Is(err, bitbucket.ErrForbidden):
		return ReasonForbidden, "the credentials are valid but lack a permission this check needs"
	case errors.Is(err, bitbucket.ErrRateLimited):
		return ReasonRateLimited, "the server is rate limiting these credentials; try again later"
	}
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.StatusCode == http.StatusNotFound && step == StepVersion:
			return ReasonNotBitbucket, "the address has no Bitbucket REST API; check the URL, including a context path such as /bitbucket"
		case apiErr.StatusCode == http.StatusNotFound && step == StepUser:
			return ReasonOther, "the server did not say who the credentials act as (its applinks whoami servlet is missing)"
		case apiErr.StatusCode >= 500:
			return ReasonServerError, "the server failed to answer; try again later or ask its administrator"
		case apiErr.StatusCode == 0:
			return ReasonNetwork, "the server could not be reached from where this program runs"
		}
	}
	return ReasonOther, "the server answered in an unexpected way"
}
