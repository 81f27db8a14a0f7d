package hostpolicy

import (
	"net/netip"
)

// namedRange is a special-purpose range with the words a refusal uses for it.
type namedRange struct {
	prefix netip.Prefix
	name   string
}

// rangeNames names the ranges of the IANA special-purpose registries (as code.dny.dev/ssrf lists
// them) and the IPv6 space outside global unicast, most specific first. They only name a refusal;
// the decision is the ssrf guardian's.
var rangeNames = []namedRange{
	{netip.MustParsePrefix("0.0.0.0/32"), "an unspecified address"},
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT) address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a special-purpose address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.31.196.0/24"), "an AS112 address"},
	{netip.MustParsePrefix("192.52.193.0/24"), "an AMT address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a deprecated 6to4 relay address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("192.175.48.0/24"), "an AS112 address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/24"), "a link-local address"}, // link-local multicast
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("255.255.255.255/32"), "a broadcast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},

	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{ipv4Compatible, "an IPv4-compatible address"},
	{ipv4Translated, "an IPv4-translated address"},
	{nat64, "a NAT64 address"},
	{nat64Local, "a NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a deprecated site-local address"},
	{netip.MustParsePrefix("fc00::/7"), "a private address"},
	{netip.MustParsePrefix("ff02::/16"), "a link-local address"}, // link-local multicast
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("2001::/23"), "a special-purpose address"},
	{sixToFour, "a 6to4 address"},
	{netip.MustParsePrefix("2620:4f:8000::/48"), "an AS112 address"},
	{netip.MustParsePrefix("3fff::/20"), "a documentation address"},
}

// rangeName names the range of a refused address. The embedded IPv4 address of a translating
// form is named too ("an IPv4-compatible address (a loopback address)"), which is what an
// operator needs to see.
func rangeName(ip netip.Addr) string {
	name := ""
	for _, r := range rangeNames {
		if r.prefix.Contains(ip) {
			name = r.name
			break
		}
	}
	if name == "" {
		if ip.Is6() {
			name = "an address outside the IPv6 global unicast range"
		} else {
			name = "a special-purpose address"
		}
	}
	if v4, _, ok := embeddedIPv4(ip); ok && !ip.IsUnspecified() && !ip.IsLoopback() {
		if inner := guardian.SafeAddr(v4); inner != nil {
			name += " (" + rangeName(v4) + ")"
		}
	}
	return name
}
