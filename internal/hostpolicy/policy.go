package hostpolicy

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Policy decides which addresses a client may reach: Check with its allow-list, and plain http
// only to covered addresses. The zero Policy allows public addresses over https only.
type Policy struct {
	allowed []netip.Prefix
}

// New returns the policy of the allow-list (the prefixes of WithAllowedHosts).
func New(allowed []netip.Prefix) Policy {
	return Policy{allowed: append([]netip.Prefix(nil), allowed...)}
}

// Allowed returns a copy of the allow-list.
func (p Policy) Allowed() []netip.Prefix { return append([]netip.Prefix(nil), p.allowed...) }

// reason returns "" when ip may be dialled, else why not. plain is true for a plain-http
// request, which needs allow-list coverage whatever the address.
func (p Policy) reason(ip netip.Addr, plain bool) string {
	v := Check(ip, p.allowed)
	switch {
	case v.Never:
		return v.Range + ", " + refusedAlways
	case v.AllowedBy.IsValid():
		return ""
	case plain:
		return "not in the allow-list, which plain http requires"
	}
	return v.Range
}

// refusedAlways ends the reason of a refusal no allow-list lifts.
const refusedAlways = "refused always"

// hostError is the refusal of host for reason.
func hostError(host, reason string) *HostError {
	return &HostError{Host: host, Reason: reason, Never: strings.HasSuffix(reason, refusedAlways)}
}

// SchemeIsPlain tells plain http from https and refuses any other scheme.
func SchemeIsPlain(scheme string) (bool, error) {
	switch strings.ToLower(scheme) {
	case "https":
		return false, nil
	case "http":
		return true, nil
	}
	return false, fmt.Errorf("%w: scheme %q is not http or https", bitbucket.ErrInvalidInput, scheme)
}

// CheckHostSpelling refuses a host that net/http would not dial as written: one with a byte
// outside ASCII. net/http maps such a host with IDNA before dialling, so "１２７.０.０.１" and
// "127。0。0。1" reach 127.0.0.1; checking the written form would let them through. A name
// written in its ASCII (xn--) form is fine.
func CheckHostSpelling(host string) error {
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			return &HostError{Host: host, Reason: "not written in ASCII (net/http would map it to another host; write an internationalised name in its xn-- form)", Never: true}
		}
	}
	return nil
}

// IsLocalhostName reports whether host is "localhost" or a name under it.
func IsLocalhostName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// IsInvalidName reports whether host is under the reserved top-level domain "invalid".
func IsInvalidName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "invalid" || strings.HasSuffix(h, ".invalid")
}
