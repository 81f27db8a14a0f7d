package hostpolicy

import (
	"net/netip"

	"code.dny.dev/ssrf"
)

// Verdict is what the host policy decides for one address.
type Verdict struct {
	// Allowed reports whether a client may dial the address over https.
	Allowed bool
	// Range names the non-public range the address belongs to ("a loopback address"); "" for a
	// public address.
	Range string
	// AllowedBy is the first allow-list prefix that covers the address, if any. Plain http is
	// allowed only to covered addresses.
	AllowedBy netip.Prefix
	// Never marks a cloud metadata address (or an IPv6 form that embeds one), refused whatever
	// the allow-list says.
	Never bool
}

// guardian decides which addresses are public: everything the IANA special-purpose registries
// set aside, and for IPv6 everything outside global unicast, is not. Ports and networks are not
// its business here (a self-hosted server listens on 7990 as well as on 443).
var guardian = ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork())

// Check applies the host policy to ip, given the prefixes of WithAllowedHosts. Addresses that are
// not public unicast (loopback, private, link-local, unspecified, multicast, shared, reserved,
// documentation and the other IANA special-purpose ranges, IPv4-compatible and other IPv6 forms
// outside global unicast) are refused unless a prefix covers them; cloud metadata addresses, and
// IPv6 forms that carry one, are refused always. An IPv4-mapped IPv6 address is judged as the
// IPv4 address it carries.
func Check(ip netip.Addr, allowed []netip.Prefix) Verdict {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return Verdict{Range: "an invalid address"}
	}
	if isMetadata(ip) {
		return Verdict{Range: "a cloud metadata address", Never: true}
	}
	if v4, form, ok := embeddedIPv4(ip); ok && isMetadata(v4) {
		return Verdict{Range: form + " of a cloud metadata address", Never: true}
	}
	v := Verdict{}
	if guardian.SafeAddr(ip) != nil {
		v.Range = rangeName(ip)
	}
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

func isMetadata(ip netip.Addr) bool { return metadataAddrs[ip] }

// IPv6 prefixes whose addresses carry an IPv4 address in their last 32 bits.
var (
	ipv4Compatible = netip.MustParsePrefix("::/96")           // deprecated, RFC 4291 section 2.5.5.1
	ipv4Translated = netip.MustParsePrefix("::ffff:0:0:0/96") // SIIT, RFC 2765
	nat64          = netip.MustParsePrefix("64:ff9b::/96")    // RFC 6052
	sixToFour      = netip.MustParsePrefix("2002::/16")       // RFC 3056: the IPv4 address in bits 16 to 48
	nat64Local     = netip.MustParsePrefix("64:ff9b:1::/48")  // RFC 8215, named only
)

// embeddedIPv4 returns the IPv4 address that an IPv6 address of a translating or tunnelling
// form carries, and the name of that form.
func embeddedIPv4(ip netip.Addr) (netip.Addr, string, bool) {
	if !ip.Is6() {
		return netip.Addr{}, "", false
	}
	b := ip.As16()
	last := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	switch {
	case ipv4Compatible.Contains(ip):
		return last, "an IPv4-compatible form", true
	case ipv4Translated.Contains(ip):
		return last, "an IPv4-translated form", true
	case nat64.Contains(ip):
		return last, "a NAT64 form", true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), "a 6to4 form", true
	}
	return netip.Addr{}, "", false
}
