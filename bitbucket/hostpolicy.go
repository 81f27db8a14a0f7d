package bitbucket

import "net/netip"

// AddressVerdict is what the host policy decides for one address.
type AddressVerdict struct {
	// Allowed reports whether a client may dial the address over https.
	Allowed bool
	// Range names the non-public range the address belongs to ("a loopback address"); "" for a
	// public address.
	Range string
	// AllowedBy is the first allow-list prefix that covers the address, if any. Plain http is
	// allowed only to covered addresses.
	AllowedBy netip.Prefix
	// Never marks a cloud metadata address, refused whatever the allow-list says.
	Never bool
}

// CheckAddress applies the host policy of every bbconnect client to ip, given the prefixes of
// WithAllowedHosts. Loopback, link-local, unspecified, multicast, private, shared (CGNAT) and other
// special-purpose addresses are refused unless a prefix covers them; cloud metadata addresses are
// refused always. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
func CheckAddress(ip netip.Addr, allowed []netip.Prefix) AddressVerdict {
	ip = ip.Unmap().WithZone("")
	if metadataAddrs[ip] {
		return AddressVerdict{Range: "a cloud metadata address", Never: true}
	}
	v := AddressVerdict{Range: addressRange(ip)}
	for _, p := range allowed {
		if prefixCovers(p, ip) {
			v.AllowedBy = p
			break
		}
	}
	v.Allowed = v.Range == "" || v.AllowedBy.IsValid()
	return v
}

// prefixCovers reports whether p contains ip, reading a 4-in-6 prefix as the IPv4 prefix it maps.
func prefixCovers(p netip.Prefix, ip netip.Addr) bool {
	if p.Contains(ip) {
		return true
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		q, err := a.Unmap().Prefix(p.Bits() - 96)
		return err == nil && q.Contains(ip)
	}
	return false
}

// metadataAddrs are cloud instance metadata endpoints, which hand out cloud credentials: AWS, GCP
// and Azure (169.254.169.254), AWS over IPv6 (fd00:ec2::254), AWS ECS task credentials
// (169.254.170.2) and Alibaba Cloud (100.100.100.200).
var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true,
	netip.MustParseAddr("fd00:ec2::254"):   true,
	netip.MustParseAddr("169.254.170.2"):   true,
	netip.MustParseAddr("100.100.100.200"): true,
}

// specialRanges complements the netip predicates with special-purpose ranges they do not cover.
var specialRanges = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a special-purpose address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	{netip.MustParsePrefix("2001::/23"), "a special-purpose address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address"},
}

// addressRange names the non-public range of ip, or "" for a public unicast address.
func addressRange(ip netip.Addr) string {
	switch {
	case !ip.IsValid():
		return "an invalid address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsUnspecified():
		return "an unspecified address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	case ip.IsPrivate():
		return "a private address"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "a broadcast address"
	}
	for _, r := range specialRanges {
		if r.prefix.Contains(ip) {
			return r.name
		}
	}
	return ""
}
