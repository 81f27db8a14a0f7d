package hostpolicy

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// dialFunc returns a dial function under which every connection is checked against the policy
// after name resolution, on the address actually dialled (no DNS rebinding window). plain selects
// the plain http rule.
func (p Policy) dialFunc(plain bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &addrError{reason: "an unparsable address"}
			}
			if why := p.reason(ap.Addr(), plain); why != "" {
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
		// A literal address is checked before any socket exists, and a localhost name (RFC 6761:
		// loopback, whatever a resolver says) before any lookup, which for "localhost." would go
		// to a DNS server.
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			if why := p.reason(ip, plain); why != "" {
				return nil, hostError(host, why)
			}
		} else if IsLocalhostName(host) {
			if why := p.reason(netip.MustParseAddr("127.0.0.1"), plain); why != "" {
				return nil, hostError(host, why)
			}
		}
		conn, err := d.DialContext(ctx, network, addr)
		var ae *addrError
		if errors.As(err, &ae) {
			return nil, hostError(host, "resolved to "+ae.reason)
		}
		return conn, err
	}
}
