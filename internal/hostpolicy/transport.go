package hostpolicy

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// ResponseHeaderTimeout bounds the wait for a response's headers on the built-in transport.
const ResponseHeaderTimeout = 60 * time.Second

// maxSharedTransports bounds the cache of built-in transports; configurations beyond it get a
// transport (and connection pool) of their own.
const maxSharedTransports = 64

// transportKey identifies a configuration of the built-in transport.
type transportKey struct {
	rootCAs *x509.CertPool
	allowed string
}

var (
	sharedMu         sync.Mutex
	sharedTransports = map[transportKey]*Transport{}
)

// SharedTransport returns the built-in transport for rootCAs and allowed. Callers with the same
// configuration share one transport, hence one connection pool; the cache holds at most
// maxSharedTransports configurations (each distinct RootCAs pool pointer is one), after which
// every new caller gets its own.
func SharedTransport(rootCAs *x509.CertPool, allowed []netip.Prefix) *Transport {
	key := transportKey{rootCAs: rootCAs, allowed: prefixKey(allowed)}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if t, ok := sharedTransports[key]; ok {
		return t
	}
	t := NewTransport(rootCAs, allowed)
	if len(sharedTransports) < maxSharedTransports {
		sharedTransports[key] = t
	}
	return t
}

func prefixKey(ps []netip.Prefix) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Masked().String())
		b.WriteByte(',')
	}
	return b.String()
}

// Transport is the built-in transport: https through one pool whose dialer refuses disallowed
// addresses, plain http through another whose dialer also requires allow-list coverage (or
// refused outright when there is no allow-list). It uses no proxy.
type Transport struct {
	policy Policy
	https  *http.Transport
	plain  *http.Transport // nil when nothing is allowed: plain http is then always refused
}

// NewTransport builds a built-in transport of its own for rootCAs and allowed.
func NewTransport(rootCAs *x509.CertPool, allowed []netip.Prefix) *Transport {
	p := New(allowed)
	g := &Transport{policy: p, https: baseTransport(rootCAs)}
	g.https.DialContext = p.dialFunc(false)
	if len(allowed) > 0 {
		g.plain = baseTransport(rootCAs)
		g.plain.DialContext = p.dialFunc(true)
	}
	return g
}

// baseTransport clones http.DefaultTransport (or rebuilds its settings when it was replaced by
// something else) with no proxy, TLS 1.2 at least, the given roots and a response-header timeout.
// Proxy is nil so that HTTP_PROXY, HTTPS_PROXY and friends cannot route around the host policy
// (or receive a credential in clear).
func baseTransport(rootCAs *x509.CertPool) *http.Transport {
	var t *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	t.Proxy = nil
	t.OnProxyConnectResponse = nil
	t.DialTLSContext = nil
	// Inherited dialers are cleared so that none can skip the guard.
	//lint:ignore SA1019 the deprecated field is cleared, not used
	t.DialTLS = nil
	//lint:ignore SA1019 the deprecated field is cleared, not used
	t.Dial = nil
	t.MaxIdleConnsPerHost = 16
	t.ResponseHeaderTimeout = ResponseHeaderTimeout
	if t.TLSHandshakeTimeout == 0 {
		t.TLSHandshakeTimeout = 10 * time.Second
	}
	tc := &tls.Config{}
	if t.TLSClientConfig != nil {
		tc = t.TLSClientConfig.Clone()
	}
	tc.MinVersion = tls.VersionTLS12
	tc.InsecureSkipVerify = false
	if rootCAs != nil {
		tc.RootCAs = rootCAs
	}
	t.TLSClientConfig = tc
	return t
}

// RoundTrip sends r through the pool for its scheme.
func (g *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	plain, err := SchemeIsPlain(r.URL.Scheme)
	if err == nil && plain && g.plain == nil {
		err = &HostError{Host: r.URL.Hostname(), Reason: "reached over plain http, which needs WithAllowedHosts"}
	}
	if err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, err
	}
	if plain {
		return g.plain.RoundTrip(r)
	}
	return g.https.RoundTrip(r)
}

// RoundTripper picks the transport for a client: the caller's (nil for none) behind Precheck,
// or the shared built-in one. The caller's transport is used as it is, never cloned, so clients
// made from one *http.Client share its connection pool. rootCAs applies to the built-in
// transport only.
func RoundTripper(callerRT http.RoundTripper, rootCAs *x509.CertPool, allowed []netip.Prefix) http.RoundTripper {
	if callerRT == nil {
		return SharedTransport(rootCAs, allowed)
	}
	return New(allowed).Precheck(callerRT)
}
