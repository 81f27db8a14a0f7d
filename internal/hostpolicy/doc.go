// Package hostpolicy is the host policy of every request the module makes: the API clients of
// internal/httpx and the OAuth token requests of package auth.
//
// Check classifies one address with the IANA special-purpose lists of code.dny.dev/ssrf and names
// the range of a refused one, so that a refusal can be explained (bbdoctor prints it). Transport
// is the built-in transport, whose dialer applies Check to the address actually dialled; Precheck
// guards a caller's round tripper, where no dialer can be installed, by checking the host before
// the request is handed over. Non-ASCII hosts are refused there: net/http would map them (IDNA,
// full-width digits, ideographic full stops) to another host than the one checked.
package hostpolicy
