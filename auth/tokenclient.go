package auth

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/bbconnect/bbconnect/internal/hostpolicy"
	"golang.org/x/oauth2"
)

type allowedHostsKey struct{}

type guardedClientKey struct{}

// ContextWithAllowedHosts returns ctx with the allow-list of the token requests made on it
// (Exchange, StoredTokenSource, and oauth2 calls given TokenContext(ctx)): the same prefixes as
// bitbucket.WithAllowedHosts, for a Data Center on a private network or a fake on loopback.
// Without it a token endpoint must be a public address reached over https.
func ContextWithAllowedHosts(ctx context.Context, prefixes ...netip.Prefix) context.Context {
	prev, _ := ctx.Value(allowedHostsKey{}).([]netip.Prefix)
	all := append(append([]netip.Prefix(nil), prev...), prefixes...)
	return context.WithValue(ctx, allowedHostsKey{}, all)
}

// TokenContext returns ctx carrying, as oauth2.HTTPClient, the one HTTP client every token
// request of this package goes through, for calling the methods of *oauth2.Config directly
// (Exchange and StoredTokenSource use it already). The client applies the API's host policy:
// loopback, private, link-local and other non-public addresses, and plain http, are refused
// unless ContextWithAllowedHosts covers them, and metadata addresses always. It uses no proxy
// from the environment (HTTP_PROXY, HTTPS_PROXY), follows no redirect (ErrTokenRedirect), and
// each call is bounded by a timeout.
//
// When ctx already carries an oauth2.HTTPClient, its transport (the caller's choice, proxy
// included) is kept behind a pre-send check of the same policy, with its timeout when longer
// than zero; a nil transport means the built-in one, not http.DefaultTransport.
func TokenContext(ctx context.Context) context.Context {
	if prev, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && prev != nil && prev == ctx.Value(guardedClientKey{}) {
		return ctx // guarded already
	}
	allowed, _ := ctx.Value(allowedHostsKey{}).([]netip.Prefix)
	hc := &http.Client{Timeout: tokenTimeout}
	var callerRT http.RoundTripper
	if prev, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && prev != nil {
		callerRT, hc.Jar = prev.Transport, prev.Jar
		if prev.Timeout > 0 {
			hc.Timeout = prev.Timeout
		}
	}
	hc.Transport = hostpolicy.RoundTripper(callerRT, nil, allowed)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return ErrTokenRedirect }
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	return context.WithValue(ctx, guardedClientKey{}, hc)
}
