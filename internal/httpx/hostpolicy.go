package httpx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// hostPolicy decides which addresses a client may reach. Addresses on loopback, link-local,
// unspecified, multicast, private (RFC 1918, ULA), shared (CGNAT) and other special-purpose
// ranges are refused unless an allowed prefix covers them; cloud metadata addresses are refused
// always. Plain http is allowed only to covered addresses. Ports are not restricted.
type hostPolicy struct {
	allowed []netip.Prefix
}

// check returns "" when ip may be dialled, else why not. plain is true for a plain-http request,
// which needs allow-list coverage whatever the address. The address rules themselves are
// bitbucket.CheckAddress, which tools such as bbdoctor use to predict a refusal.
func (p hostPolicy) check(ip netip.Addr, plain bool) string {
	v := bitbucket.CheckAddress(ip, p.allowed)
	switch {
	case v.Never:
		return v.Range + ", refused always"
	case v.AllowedBy.IsValid():
		return ""
	case plain:
		return "not in the allow-list, which plain http requires"
	}
	return v.Range
}

// HostError is the error of a request refused by the host policy. It names the host as the
// caller wrote it, never the address it resolved to, and matches bitbucket.ErrDisallowedHost.
type HostError struct {
	Host   string // as written in the URL, without the port
	Reason string // e.g. "a loopback address"
}

// Error says which host was refused and why, without any resolved address.
func (e *HostError) Error() string {
	return fmt.Sprintf("%s: %q is %s (allow it with WithAllowedHosts)", bitbucket.ErrDisallowedHost.Error(), e.Host, e.Reason)
}

// Is reports whether target is bitbucket.ErrDisallowedHost.
func (e *HostError) Is(target error) bool { return target == bitbucket.ErrDisallowedHost }

// addrError is what the dialer's Control returns for a refused address; guardDial replaces it by
// a *HostError that names the host instead of the address.
type addrError struct{ reason string }

func (e *addrError) Error() string { return "address refused: " + e.reason }

// guardDial wraps dial so that every connection is checked against the policy after name
// resolution, on the address actually dialled (no DNS rebinding window). plain selects the plain
// http rule.
func (p hostPolicy) guardDial(plain bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &addrError{reason: "an unparsable address"}
			}
			if why := p.check(ap.Addr(), plain); why != "" {
				return &addrError{reason: why}
			}
			return nil
		},
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		// A literal address is checked before any socket exists.
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			if why := p.check(ip, plain); why != "" {
				return nil, &HostError{Host: host, Reason: why}
			}
		}
		conn, err := d.DialContext(ctx, network, addr)
		var ae *addrError
		if errors.As(err, &ae) {
			return nil, &HostError{Host: host, Reason: "resolved to " + ae.reason}
		}
		return conn, err
	}
}

// precheck enforces the policy in front of a transport the caller supplied (WithTransport, or the
// Transport of WithHTTPClient), where no dial guard can be installed. It checks the request's
// host before sending: a literal address directly, a name by resolving it and checking every
// address. This is weaker than the dial-time guard of the built-in transport: the caller's
// transport resolves the name again, so a DNS server that changes its answer between the two
// lookups (DNS rebinding) is not caught, and a lookup that fails here lets the request through to
// fail (or not) in the caller's transport, since a mock transport never resolves anything. Plain
// http needs every address covered by the allow-list.
type precheck struct {
	policy   hostPolicy
	next     http.RoundTripper
	resolver *net.Resolver
}

func (t *precheck) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.checkRequest(r); err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, err
	}
	return t.next.RoundTrip(r)
}

func (t *precheck) checkRequest(r *http.Request) error {
	plain, err := schemeIsPlain(r.URL.Scheme)
	if err != nil {
		return err
	}
	host := r.URL.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := t.policy.check(ip, plain); why != "" {
			return &HostError{Host: host, Reason: why}
		}
		return nil
	}
	if isLocalhostName(host) {
		// RFC 6761: localhost names are loopback, whatever a resolver says.
		if why := t.policy.check(netip.MustParseAddr("127.0.0.1"), plain); why != "" {
			return &HostError{Host: host, Reason: why}
		}
		return nil
	}
	if isInvalidName(host) {
		// RFC 6761: .invalid never resolves, so only a mock transport can answer it; asking DNS
		// would only send a packet (tests use such names to stay off the network).
		if plain {
			return &HostError{Host: host, Reason: "not resolvable, and plain http requires an allowed address"}
		}
		return nil
	}
	ips, err := t.resolver.LookupNetIP(r.Context(), "ip", host)
	if err != nil {
		if plain {
			return &HostError{Host: host, Reason: "not resolvable, and plain http requires an allowed address"}
		}
		return nil
	}
	for _, ip := range ips {
		if why := t.policy.check(ip, plain); why != "" {
			return &HostError{Host: host, Reason: "resolved to " + why}
		}
	}
	return nil
}

// isLocalhostName reports whether host is "localhost" or a name under it.
func isLocalhostName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// isInvalidName reports whether host is under the reserved top-level domain "invalid".
func isInvalidName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "invalid" || strings.HasSuffix(h, ".invalid")
}

// schemeIsPlain tells plain http from https and refuses any other scheme.
func schemeIsPlain(scheme string) (bool, error) {
	switch strings.ToLower(scheme) {
	case "https":
		return false, nil
	case "http":
		return true, nil
	}
	return false, fmt.Errorf("%w: scheme %q is not http or https", bitbucket.ErrInvalidInput, scheme)
}
