package main

import (
	"net/netip"
)

// The host policy as bbconnect applies it by default (DESIGN.md, "Host policy"): nothing on
// loopback, link-local, unspecified, multicast, private or other non-public ranges is dialled unless
// WithAllowedHosts covers it, and cloud metadata addresses never are. bbdoctor mirrors it to say,
// before any connection, whether a product would be refused and which -allow would fix it.

// metadataAddrs are cloud instance-metadata endpoints, refused whatever the allow-list says.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task credentials
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

// reservedRanges are special-purpose ranges that are not public unicast, besides the ones netip
// classifies itself.
var reservedRanges = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "reserved (this network)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved (IETF protocol assignments)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved (documentation)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved (benchmarking)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved (documentation)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved (documentation)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "NAT64"},
	{netip.MustParsePrefix("100::/64"), "reserved (discard)"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved (documentation)"},
	{netip.MustParsePrefix("2001::/23"), "reserved (IETF protocol assignments)"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
}

// policyVerdict says what the default host policy does with one address.
type policyVerdict struct {
	Kind      string       // "loopback", "private", …; "" for a public address
	Never     bool         // a metadata address: refused even when allowed
	Allowed   bool         // may be dialled
	AllowedBy netip.Prefix // the -allow prefix that lets a non-public address through
}

// judge applies the host policy to a, given the operator's allow-list.
func judge(a netip.Addr, allow []netip.Prefix) policyVerdict {
	a = a.Unmap().WithZone("")
	for _, m := range metadataAddrs {
		if a == m {
			return policyVerdict{Kind: "cloud metadata", Never: true}
		}
	}
	kind := addrKind(a)
	if kind == "" {
		return policyVerdict{Allowed: true}
	}
	for _, p := range allow {
		if p.Contains(a) {
			return policyVerdict{Kind: kind, Allowed: true, AllowedBy: p}
		}
	}
	return policyVerdict{Kind: kind}
}

// covered reports whether a is inside one of the allow prefixes (plain http needs that).
func covered(a netip.Addr, allow []netip.Prefix) bool {
	a = a.Unmap().WithZone("")
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrKind names the non-public range a belongs to, or "" when a is public unicast.
func addrKind(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	case a.IsPrivate():
		return "private"
	}
	for _, r := range reservedRanges {
		if r.prefix.Contains(a) {
			return r.kind
		}
	}
	if a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "broadcast"
	}
	return ""
}

// suggestPrefix is the narrowest -allow value that covers a: the address itself.
func suggestPrefix(a netip.Addr) netip.Prefix {
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen())
}
