package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/bbconnect/bbconnect/internal/hostpolicy"
)

// The network steps: URL, host policy, DNS, TCP and TLS. They check, one layer at a time, what the
// connector does in one go when it sends its first request, so that a failure names its layer.

const exampleURL = "https://git.example.com/bitbucket"

// checkURL parses the base URL the way server.New does and shows its parts.
func checkURL(_ context.Context, d *doctor) outcome {
	raw := strings.TrimSpace(d.cfg.URL)
	u, err := url.Parse(raw)
	if err != nil {
		// The parse error quotes the input, which may hold a password: say only what is wrong.
		return fail("not a valid URL", "give the address you open Bitbucket at in a browser, such as "+exampleURL)
	}
	switch {
	case u.User != nil:
		return fail("the URL contains user information (user@ or user:password@), which is refused",
			"remove it from the URL; the token goes in the BITBUCKET_TOKEN environment variable")
	case u.Scheme == "" || !strings.Contains(raw, "://"):
		return fail("not an absolute URL (no scheme)", "start the URL with https://, such as "+exampleURL)
	case u.Scheme != "https" && u.Scheme != "http":
		return fail(fmt.Sprintf("scheme %q is not http or https", u.Scheme),
			"Bitbucket's REST API is served over https (or http on a private network); SSH and git:// URLs are not the base URL")
	case u.Opaque != "" || u.Hostname() == "":
		return fail("the URL has no host", "use the form "+exampleURL)
	case u.Fragment != "" || u.RawFragment != "" || strings.Contains(raw, "#"):
		return fail("the URL contains a fragment (#...), which is refused", "remove everything from # on")
	case u.RawQuery != "" || u.ForceQuery:
		return fail("the URL contains a query (?...), which is refused", "give the base URL only, such as "+exampleURL)
	}
	host := strings.ToLower(u.Hostname())
	if host == "bitbucket.org" || strings.HasSuffix(host, ".bitbucket.org") {
		return fail(host+" is Bitbucket Cloud, not Data Center",
			"bbdoctor checks self-hosted Bitbucket; for Bitbucket Cloud a product uses cloud.New with OAuth 2.0")
	}
	path := strings.TrimRight(u.Path, "/")
	if base, ok := basePathBefore(path); ok {
		return fail(fmt.Sprintf("the path %q looks like a page or API path, not the base URL", path),
			fmt.Sprintf("give the base URL only: %s://%s%s (as shown in Administration → Server settings → Base URL)", u.Scheme, u.Host, base))
	}
	port, def := u.Port(), ""
	if port == "" {
		port, def = "443", " (default)"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	d.u, d.host, d.port = u, strings.Trim(host, "[]"), port
	ctxPath := "none"
	if path != "" {
		ctxPath = path
	}
	return pass("%s://%s%s: scheme %s, host %s, port %s%s, context path %s", u.Scheme, u.Host, path, u.Scheme, host, port, def, ctxPath)
}

// checkPolicy says whether bbconnect's host policy lets the connector reach the host. A literal
// address is judged here; a host name's addresses are judged once DNS has answered.
func checkPolicy(_ context.Context, d *doctor) outcome {
	if err := hostpolicy.CheckHostSpelling(d.host); err != nil {
		return fail("the host is not written in ASCII: net/http would map it (full-width digits, ideographic full stops, IDNA) to another host before dialling, so bbconnect refuses it",
			"write the host in ASCII; an internationalised domain name in its xn-- form")
	}
	a, err := netip.ParseAddr(d.host)
	if err != nil {
		if d.u.Scheme == "http" && len(d.cfg.Allow) == 0 {
			return fail("plain http is refused unless the host's addresses are allowed explicitly",
				"use https; or, for a server on a private network, allow its range with -allow CIDR (in code: bitbucket.WithAllowedHosts)")
		}
		return pass("host name: the addresses it resolves to are checked in the DNS step")
	}
	return judgeStep(d, []netip.Addr{a})
}

// judgeStep applies the host policy (and, for plain http, the allow-list) to addrs, keeping the
// addresses the connector may dial.
func judgeStep(d *doctor, addrs []netip.Addr) outcome {
	var ok, refused []string
	var firstRefused netip.Addr
	d.addrs = nil
	for _, a := range addrs {
		v := hostpolicy.Check(a, d.cfg.Allow)
		switch {
		case v.Never:
			refused = append(refused, fmt.Sprintf("%s (%s, never allowed)", a, v.Range))
		case !v.Allowed:
			refused = append(refused, fmt.Sprintf("%s (%s)", a, v.Range))
			if !firstRefused.IsValid() {
				firstRefused = a
			}
		case d.u.Scheme == "http" && !v.AllowedBy.IsValid():
			refused = append(refused, fmt.Sprintf("%s (plain http needs -allow)", a))
			if !firstRefused.IsValid() {
				firstRefused = a
			}
		case v.Range != "":
			ok = append(ok, fmt.Sprintf("%s (%s, allowed by -allow %s)", a, v.Range, v.AllowedBy))
			d.addrs = append(d.addrs, a)
		default:
			ok = append(ok, fmt.Sprintf("%s (public)", a))
			d.addrs = append(d.addrs, a)
		}
	}
	if len(d.addrs) == 0 {
		hint := "this address is never reachable through bbconnect (cloud metadata endpoints are always refused)"
		if firstRefused.IsValid() {
			p := suggestPrefix(firstRefused)
			hint = fmt.Sprintf("bbconnect refuses loopback, private and other non-public addresses by default; if this Bitbucket is on your network, allow it with -allow %s (or its whole range); in code: bitbucket.WithAllowedHosts(netip.MustParsePrefix(%q))", p, p.String())
		}
		return fail("refused by bbconnect's default host policy: "+strings.Join(refused, ", "), hint)
	}
	detail := "allowed: " + strings.Join(ok, ", ")
	if len(refused) > 0 {
		detail += "; refused: " + strings.Join(refused, ", ")
	}
	return pass("%s", detail)
}

// checkDNS resolves the host name and applies the host policy to what it resolves to.
func checkDNS(ctx context.Context, d *doctor) outcome {
	if _, err := netip.ParseAddr(d.host); err == nil {
		return pass("%s is an IP address: no lookup needed", d.host)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", d.host)
	if err != nil {
		var dnsErr *net.DNSError
		switch {
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			return fail(fmt.Sprintf("%s does not resolve (no such host)", d.host),
				"check the host name for typos; the name must resolve from this machine (a VPN, split-horizon DNS or /etc/hosts entry may be needed)")
		case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &dnsErr) && dnsErr.IsTimeout:
			return fail(fmt.Sprintf("looking up %s timed out after %s", d.host, d.cfg.Timeout),
				"the DNS server does not answer; check this machine's resolver settings and network")
		}
		return fail(fmt.Sprintf("looking up %s failed: %v", d.host, err), "check this machine's DNS settings and the host name")
	}
	if len(addrs) == 0 {
		return fail(fmt.Sprintf("%s resolves to no address", d.host), "check the DNS records of the host")
	}
	out := judgeStep(d, addrs)
	if out.ok {
		out.detail = d.host + " → " + out.detail
	}
	return out
}

// checkTCP opens a TCP connection to the first address that accepts one.
func checkTCP(ctx context.Context, d *doctor) outcome {
	var dialer net.Dialer
	var errs []string
	var lastErr error
	for _, a := range d.addrs {
		addr := net.JoinHostPort(a.String(), d.port)
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if err == nil {
			_ = conn.Close()
			d.dialAddr = addr
			return pass("connected to %s", addr)
		}
		lastErr = err
		errs = append(errs, fmt.Sprintf("%s: %s", addr, shortNetError(err)))
	}
	detail := "no address accepted a connection: " + strings.Join(errs, "; ")
	switch {
	case errors.Is(lastErr, syscall.ECONNREFUSED):
		return fail(detail, fmt.Sprintf("nothing listens on port %s: check the port in the URL (Bitbucket's own default is 7990; behind a reverse proxy usually 443) and that Bitbucket is running", d.port))
	case errors.Is(lastErr, context.DeadlineExceeded) || isTimeout(lastErr):
		return fail(detail, "no answer in time: a firewall may drop the traffic, or the server is only reachable from another network (VPN, proxy)")
	}
	return fail(detail, "check that this machine can reach the server (routing, firewall)")
}

// checkTLS performs the handshake and verifies the certificate chain for the host, against the
// system roots or the -cacert pool, reporting the leaf certificate either way.
func checkTLS(ctx context.Context, d *doctor) outcome {
	if d.u.Scheme == "http" {
		return pass("plain http: no TLS (allowed only because -allow covers the address)")
	}
	var dialer net.Dialer
	raw, err := dialer.DialContext(ctx, "tcp", d.dialAddr)
	if err != nil {
		return fail("connecting again failed: "+shortNetError(err), "the server stopped accepting connections; try again")
	}
	// The handshake does not verify: the chain is verified below, after the handshake, so that
	// the leaf certificate can be shown even when it is not trusted. Nothing is sent on this
	// connection but the handshake.
	conn := tls.Client(raw, &tls.Config{ServerName: d.host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // verified explicitly below
	defer func() { _ = conn.Close() }()
	if err := conn.HandshakeContext(ctx); err != nil {
		var rec tls.RecordHeaderError
		if errors.As(err, &rec) {
			return fail("the server did not answer TLS: "+err.Error(),
				"this port speaks plain HTTP or another protocol: check whether the URL should start with http:// and the port")
		}
		return fail("TLS handshake failed: "+err.Error(), "check the port and that the server (or its proxy) is configured for TLS 1.2 or later")
	}
	state := conn.ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return fail("the server sent no certificate", "check the TLS configuration of the server or its proxy")
	}
	leaf := state.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range state.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	roots, against := d.cfg.RootCAs, "the -cacert file"
	if roots == nil {
		against = "the system roots"
	}
	about := fmt.Sprintf("%s; leaf subject %q, issuer %q, expires %s",
		tls.VersionName(state.Version), leaf.Subject.String(), leaf.Issuer.String(), leaf.NotAfter.UTC().Format(time.DateOnly))
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: d.host, Roots: roots, Intermediates: inter})
	if err == nil {
		return pass("%s; chain verified against %s", about, against)
	}
	var (
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		detail   = about + ": " + err.Error()
		rootsHnt = "pass the enterprise CA's certificate (PEM) with -cacert ca.pem; in code: bitbucket.WithRootCAs(pool)"
	)
	switch {
	case errors.As(err, &unknown):
		if d.cfg.RootCAs != nil {
			return fail(detail, "the -cacert file does not hold the CA that issued this certificate (or an intermediate is missing on the server); "+rootsHnt)
		}
		return fail(detail, "the certificate is signed by an authority this machine does not trust (an enterprise CA?): "+rootsHnt)
	case errors.As(err, &hostErr):
		return fail(detail, fmt.Sprintf("the certificate is not valid for %s: use a host name the certificate lists, or have it reissued", d.host))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fail(detail, "the certificate has expired or is not yet valid (check this machine's clock): have it renewed")
	}
	return fail(detail, "the certificate chain does not verify; check the server's certificate configuration")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// shortNetError drops the "dial tcp a->b:" prefix noise from a dial error.
func shortNetError(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// pageSegments are the first path segments of Bitbucket's pages and APIs, which a base URL
// (the context path, if any) never contains.
var pageSegments = []string{"rest", "projects", "repos", "scm", "plugins"}

// basePathBefore reports whether path contains one of pageSegments, in any case, and returns the
// part of path before it: the likely context path. It works on whole segments, so that case
// folding never shifts an index into path.
func basePathBefore(path string) (string, bool) {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		for _, page := range pageSegments {
			if strings.EqualFold(seg, page) {
				return strings.Join(segs[:i], "/"), true
			}
		}
	}
	return "", false
}
