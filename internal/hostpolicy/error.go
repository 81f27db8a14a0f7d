package hostpolicy

import (
	"fmt"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// HostError is the error of a request refused by the host policy. It names the host as the
// caller wrote it, never the address it resolved to, and matches bitbucket.ErrDisallowedHost.
type HostError struct {
	Host   string // as written in the URL, without the port
	Reason string // e.g. "a loopback address"
	// Never marks a refusal no allow-list lifts: a metadata address, a host not written in ASCII.
	Never bool
}

// Error says which host was refused and why, without any resolved address, and how to allow it
// when it can be.
func (e *HostError) Error() string {
	msg := fmt.Sprintf("%s: %q is %s", bitbucket.ErrDisallowedHost.Error(), e.Host, e.Reason)
	if !e.Never {
		msg += " (allow it with WithAllowedHosts; for OAuth token requests, auth.ContextWithAllowedHosts)"
	}
	return msg
}

// Is reports whether target is bitbucket.ErrDisallowedHost.
func (e *HostError) Is(target error) bool { return target == bitbucket.ErrDisallowedHost }

// addrError is what the dialer's Control returns for a refused address; the dial function
// replaces it by a *HostError that names the host instead of the address.
type addrError struct{ reason string }

func (e *addrError) Error() string { return "address refused: " + e.reason }
