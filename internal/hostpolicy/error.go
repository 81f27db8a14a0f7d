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
}

// Error says which host was refused and why, without any resolved address.
func (e *HostError) Error() string {
	return fmt.Sprintf("%s: %q is %s (allow it with WithAllowedHosts)", bitbucket.ErrDisallowedHost.Error(), e.Host, e.Reason)
}

// Is reports whether target is bitbucket.ErrDisallowedHost.
func (e *HostError) Is(target error) bool { return target == bitbucket.ErrDisallowedHost }

// addrError is what the dialer's Control returns for a refused address; the dial function
// replaces it by a *HostError that names the host instead of the address.
type addrError struct{ reason string }

func (e *addrError) Error() string { return "address refused: " + e.reason }
