package main

import (
	"net/netip"
)

// suggestPrefix is the narrowest -allow value that covers a: the address itself.
func suggestPrefix(a netip.Addr) netip.Prefix {
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen())
}
