package security_test

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/internal/netnstest"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

// connectors builds a Data Center client for base and a Cloud client with base as its API root.
func connectors(t *testing.T, base string, opts ...bitbucket.Option) []bitbucket.Connector {
	t.Helper()
	var cs []bitbucket.Connector
	if s, err := server.New(base, auth.Bearer("tok-secret-1"), opts...); err == nil {
		cs = append(cs, s)
	} else if !refused(err) {
		t.Errorf("server.New(%s): %v", base, err)
	}
	if c, err := cloud.New(auth.Bearer("tok-secret-1"), append(opts, bitbucket.WithBaseURL(base+"/2.0"))...); err == nil {
		cs = append(cs, c)
	} else if !refused(err) {
		t.Errorf("cloud.New(WithBaseURL(%s)): %v", base, err)
	}
	return cs
}

// TestCallerTransportNeverSeesRemappedHosts: net/http maps full-width digits and ideographic full
// stops to ASCII before dialling, so "１２７.０.０.１" is 127.0.0.1. A caller's transport (the
// OpenTelemetry path) never receives such a request, with or without an allow-list (issue 11
// item 1).
func TestCallerTransportNeverSeesRemappedHosts(t *testing.T) {
	for _, base := range []string{"https://１２７.０.０.１:8443", "https://127。0。0。1", "https://１６９.２５４.１６９.２５４",
		"https://ｌｏｃａｌｈｏｓｔ", "https://[::ffff:１２７.０.０.１]"} {
		for _, allow := range [][]bitbucket.Option{nil, {bitbucket.WithAllowedHosts(loopback...)}} {
			wire := newTripwire(t)
			for _, via := range []bitbucket.Option{bitbucket.WithTransport(wire), bitbucket.WithHTTPClient(&http.Client{Transport: wire})} {
				for _, c := range connectors(t, base, append(allow, via)...) {
					if _, err := c.CheckConnection(t.Context()); !refused(err) {
						t.Errorf("%s %s: err %v, want a refusal", c.Provider(), base, err)
					}
				}
			}
		}
	}
}

// TestCallerTransportNeverSeesNonPublicAddresses covers the addresses the hand-written classifier
// called public, IPv6 forms of loopback and metadata, and what was refused before (issue 10 item
// 5, issue 11 item 14). The caller's transport is the only way out, and it must not be reached.
func TestCallerTransportNeverSeesNonPublicAddresses(t *testing.T) {
	for _, host := range []string{
		"[fec0::1]", "[::7f00:1]", "[::a00:1]", "[3fff::1]", "192.88.99.1", "192.31.196.1", "192.175.48.1",
		"[::127.0.0.1]", "[::169.254.169.254]", "[::ffff:0:127.0.0.1]",
		"127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "10.0.0.1", "172.16.0.1", "192.168.1.1",
		"100.64.0.1", "169.254.169.254", "[fd00:ec2::254]", "[fe80::1]", "localhost", "app.localhost",
	} {
		wire := newTripwire(t)
		for _, c := range connectors(t, "https://"+host, bitbucket.WithTransport(wire)) {
			if _, err := c.CheckConnection(t.Context()); !refused(err) {
				t.Errorf("%s %s: err %v, want a refusal", c.Provider(), host, err)
			}
		}
	}
}

// TestMetadataRefusedWhateverTheAllowList: an operator allow-list that covers everything still
// never reaches a cloud metadata address, in any spelling.
func TestMetadataRefusedWhateverTheAllowList(t *testing.T) {
	for _, host := range []string{"169.254.169.254", "[::ffff:169.254.169.254]", "[::169.254.169.254]", "[fd00:ec2::254]",
		"169.254.170.2", "100.100.100.200", "[64:ff9b::169.254.169.254]", "[::ffff:0:169.254.169.254]", "１６９.２５４.１６９.２５４"} {
		wire := newTripwire(t)
		for _, base := range []string{"https://" + host, "http://" + host} {
			for _, c := range connectors(t, base, bitbucket.WithTransport(wire), bitbucket.WithAllowedHosts(everything...)) {
				if _, err := c.CheckConnection(t.Context()); !refused(err) {
					t.Errorf("%s %s: err %v, want a refusal", c.Provider(), base, err)
				}
			}
		}
	}
}

// TestLoopbackSpellingsOnTheBuiltInTransport: what held. Every spelling of loopback is refused by
// the built-in transport's dialer when nothing allows it, and the server sees nothing.
func TestLoopbackSpellingsOnTheBuiltInTransport(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	for _, host := range []string{"127.0.0.1", "127.0.0.2", "[::1]", "[::ffff:127.0.0.1]", "localhost", "LOCALHOST", "localhost.", "api.localhost", "0.0.0.0"} {
		pool := s.opts[0] // the root CAs only: no allow-list
		for _, c := range connectors(t, "https://"+host+":"+port, pool, bitbucket.WithRetry(0, 0)) {
			if _, err := c.CheckConnection(t.Context()); !refused(err) {
				t.Errorf("%s %s: err %v, want a refusal", c.Provider(), host, err)
			}
		}
	}
	// Plain http to loopback: refused too.
	for _, c := range connectors(t, strings.Replace(s.URL, "https://", "http://", 1)) {
		if _, err := c.CheckConnection(t.Context()); !refused(err) {
			t.Errorf("%s plain http: err %v", c.Provider(), err)
		}
	}
	if n := s.hits.Load(); n != 0 {
		t.Fatalf("the server received %d requests", n)
	}
}
