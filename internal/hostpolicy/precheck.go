package hostpolicy

import (
	"net"
	"net/http"
	"net/netip"
)

// Precheck returns next behind a pre-send check of the policy, for a transport the caller
// supplied (WithTransport, WithHTTPClient, an oauth2.HTTPClient in a context), where no dial guard
// can be installed. The request's host is checked before it is handed over: a non-ASCII host is
// refused (CheckHostSpelling), a literal address is checked directly, a name by resolving it and
// checking every address.
//
// This is weaker than the dial-time guard of Transport: the caller's transport resolves the name
// again, so a DNS server that changes its answer between the two lookups (DNS rebinding) is not
// caught, and a lookup that fails here lets an https request through to fail (or not) in the
// caller's transport, since a mock transport never resolves anything. Plain http needs every
// address covered by the allow-list.
func (p Policy) Precheck(next http.RoundTripper) http.RoundTripper {
	return &precheck{policy: p, next: next, resolver: &net.Resolver{}}
}

type precheck struct {
	policy   Policy
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
	plain, err := SchemeIsPlain(r.URL.Scheme)
	if err != nil {
		return err
	}
	host := r.URL.Hostname()
	if err := CheckHostSpelling(host); err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := t.policy.reason(ip, plain); why != "" {
			return hostError(host, why)
		}
		return nil
	}
	if IsLocalhostName(host) {
		// RFC 6761: localhost names are loopback, whatever a resolver says.
		if why := t.policy.reason(netip.MustParseAddr("127.0.0.1"), plain); why != "" {
			return hostError(host, why)
		}
		return nil
	}
	if IsInvalidName(host) {
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
		if why := t.policy.reason(ip, plain); why != "" {
			return hostError(host, "resolved to "+why)
		}
	}
	return nil
}
