package httpx

import "github.com/bbconnect/bbconnect/internal/hostpolicy"

// HostError is the error of a request refused by the host policy (see package hostpolicy). It
// names the host as the caller wrote it, never the address it resolved to, and matches
// bitbucket.ErrDisallowedHost.
type HostError = hostpolicy.HostError

// ResponseHeaderTimeout bounds the wait for a response's headers on the built-in transport.
const ResponseHeaderTimeout = hostpolicy.ResponseHeaderTimeout
