// Package security holds the attack suite of the module: tests written as an attacker would
// write them, against the public API only (cloud.New, server.New, auth, webhooks and the fakes of
// bitbuckettest), for every hole the security issue closed and for what already held.
//
// Every byte stays on loopback. An address that must be refused (private, metadata, a remapped
// spelling) is given to a caller's transport that fails the test when it is reached, so that a
// regression sends nothing anywhere. The tests that exercise the built-in dialer itself against
// such an address or name (loopback spellings, a documentation address behind a proxy from the
// environment) run in a network namespace with only loopback (internal/netnstest), where a
// regression's dial fails instead of leaving the machine.
package security
