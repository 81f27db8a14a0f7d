package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/internal/netnstest"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/internal/hostpolicy"
)

const (
	adminToken = "alice-admin-token-0001"
	writeToken = "bob-write-token-0002"
)

var (
	testRepo      = bitbucket.RepoRef{Namespace: "PROJ", Slug: "repo"}
	allowLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
)

// newFake starts the Data Center fake with PROJ/repo, alice (admin, adminToken) and bob (write,
// writeToken).
func newFake(t *testing.T) *bitbuckettest.Server {
	t.Helper()
	srv := bitbuckettest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddUser(bitbuckettest.User{Username: "alice", DisplayName: "Alice Admin"})
	srv.AddUser(bitbuckettest.User{Username: "bob", DisplayName: "Bob Writer"})
	srv.AddToken(adminToken, "alice")
	srv.AddToken(writeToken, "bob")
	srv.AddRepository(bitbuckettest.Repository{Namespace: testRepo.Namespace, Slug: testRepo.Slug})
	srv.Grant("alice", testRepo, bitbucket.PermissionAdmin)
	srv.Grant("bob", testRepo, bitbucket.PermissionWrite)
	return srv
}

// fakeConfig is a configuration that passes every step against srv.
func fakeConfig(srv *bitbuckettest.Server) config {
	return config{URL: srv.URL(), Repo: testRepo, Token: adminToken, Allow: allowLoopback, Timeout: 5 * time.Second}
}

// diagnose runs cfg with -json and decodes the report.
func diagnose(t *testing.T, cfg config) (report, int, string) {
	t.Helper()
	cfg.JSON = true
	var out bytes.Buffer
	code := run(t.Context(), cfg, &out)
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("the -json output does not decode: %v\n%s", err, &out)
	}
	if len(rep.Steps) != len(checks) {
		t.Fatalf("%d steps reported, want %d:\n%s", len(rep.Steps), len(checks), &out)
	}
	return rep, code, out.String()
}

// assertFailsAt checks that every step before name passed, name failed with a hint, every later
// step was skipped, and the exit status is 1.
func assertFailsAt(t *testing.T, rep report, code int, name string, hintHas ...string) stepResult {
	t.Helper()
	if code != 1 || rep.OK {
		t.Errorf("exit %d, ok %v; want 1, false", code, rep.OK)
	}
	var failed stepResult
	seen := false
	for _, s := range rep.Steps {
		want := statusPass
		switch {
		case s.Name == name:
			want, seen, failed = statusFail, true, s
		case seen:
			want = statusSkip
		}
		if s.Status != want {
			t.Errorf("step %q: status %q (%s), want %q", s.Name, s.Status, s.Detail, want)
		}
	}
	if !seen {
		t.Fatalf("no step named %q", name)
	}
	if failed.Hint == "" {
		t.Errorf("step %q failed with no hint", name)
	}
	for _, h := range hintHas {
		if !strings.Contains(failed.Hint, h) {
			t.Errorf("hint of %q = %q; want it to mention %q", name, failed.Hint, h)
		}
	}
	return failed
}

func TestFakeAllStepsPass(t *testing.T) {
	srv := newFake(t)
	rep, code, out := diagnose(t, fakeConfig(srv))
	if code != 0 || !rep.OK {
		t.Fatalf("exit %d, ok %v; want 0, true:\n%s", code, rep.OK, out)
	}
	for _, s := range rep.Steps {
		if s.Status != statusPass || s.Hint != "" {
			t.Errorf("step %q: %q %q %q", s.Name, s.Status, s.Detail, s.Hint)
		}
	}
	if d := stepNamed(rep, "token").Detail; !strings.Contains(d, "alice") {
		t.Errorf("token step does not say whose token it is: %q", d)
	}
	if d := stepNamed(rep, "URL").Detail; !strings.Contains(d, "context path /bitbucket") {
		t.Errorf("URL step does not show the context path: %q", d)
	}
	if strings.Contains(out, adminToken) {
		t.Error("the token was printed")
	}
}

func TestNonAdminTokenFailsAtAdmin(t *testing.T) {
	srv := newFake(t)
	cfg := fakeConfig(srv)
	cfg.Token = writeToken
	rep, code, out := diagnose(t, cfg)
	s := assertFailsAt(t, rep, code, "admin permission", "REPO_ADMIN", "token")
	if !strings.Contains(s.Detail, "write") {
		t.Errorf("admin step does not say the level the token has: %q", s.Detail)
	}
	if strings.Contains(out, writeToken) {
		t.Error("the token was printed")
	}
}

func TestWrongTokenFailsAtToken(t *testing.T) {
	srv := newFake(t)
	cfg := fakeConfig(srv)
	cfg.Token = "not-a-valid-token-9999"
	rep, code, out := diagnose(t, cfg)
	assertFailsAt(t, rep, code, "token", "BITBUCKET_TOKEN")
	if strings.Contains(out, cfg.Token) {
		t.Error("the token was printed")
	}
}

func TestMissingTokenFailsAtToken(t *testing.T) {
	srv := newFake(t)
	cfg := fakeConfig(srv)
	cfg.Token = ""
	rep, code, _ := diagnose(t, cfg)
	s := assertFailsAt(t, rep, code, "token", "BITBUCKET_TOKEN")
	if !strings.Contains(s.Detail, "not set") {
		t.Errorf("detail %q", s.Detail)
	}
}

func TestMissingRepoFailsAtRepository(t *testing.T) {
	srv := newFake(t)
	cfg := fakeConfig(srv)
	cfg.Repo = bitbucket.RepoRef{Namespace: "PROJ", Slug: "no-such-repo"}
	rep, code, _ := diagnose(t, cfg)
	assertFailsAt(t, rep, code, "repository", "REPO_READ")
}

func TestHostRefusedByPolicy(t *testing.T) {
	srv := newFake(t)
	cfg := fakeConfig(srv)
	cfg.Allow = nil
	rep, code, _ := diagnose(t, cfg)
	s := assertFailsAt(t, rep, code, "host policy", "-allow 127.0.0.1/32", "WithAllowedHosts")
	if !strings.Contains(s.Detail, "loopback") {
		t.Errorf("detail does not name the range: %q", s.Detail)
	}
	if srv.TotalRequests() != 0 {
		t.Errorf("%d requests reached the refused host", srv.TotalRequests())
	}
}

func TestMetadataAddressNeverAllowed(t *testing.T) {
	cfg := config{URL: "https://169.254.169.254/", Repo: testRepo, Token: adminToken,
		Allow: []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16")}, Timeout: time.Second}
	rep, code, _ := diagnose(t, cfg)
	s := assertFailsAt(t, rep, code, "host policy")
	if !strings.Contains(s.Detail, "never") {
		t.Errorf("detail %q does not say metadata addresses are never allowed", s.Detail)
	}
}

func TestNonASCIIHostIsExplained(t *testing.T) {
	for _, u := range []string{"https://１２７.０.０.１/", "https://127。0。0。1/"} {
		cfg := config{URL: u, Repo: testRepo, Token: adminToken, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: time.Second}
		rep, code, _ := diagnose(t, cfg)
		s := assertFailsAt(t, rep, code, "host policy", "ASCII")
		if !strings.Contains(s.Detail, "map") {
			t.Errorf("%s: detail %q does not say why", u, s.Detail)
		}
	}
}

func TestHostNameGoesThroughPolicyAfterDNS(t *testing.T) {
	if netnstest.Isolated(t) { // it resolves a name with the system resolver
		return
	}
	srv := newFake(t)
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if addrs, err := net.DefaultResolver.LookupNetIP(t.Context(), "ip", "localhost"); err != nil || len(addrs) == 0 {
		t.Skip("localhost does not resolve here")
	}
	cfg := fakeConfig(srv)
	cfg.URL = "http://localhost:" + u.Port() + u.Path

	rep, code, out := diagnose(t, cfg)
	if code != 0 || !strings.Contains(stepNamed(rep, "DNS").Detail, "localhost → allowed") {
		t.Fatalf("with -allow for loopback, localhost should pass every step; exit %d:\n%s", code, out)
	}

	cfg.Allow = nil
	rep, code, _ = diagnose(t, cfg)
	assertFailsAt(t, rep, code, "host policy", "-allow") // plain http with no allow-list at all

	cfg.URL = "https://localhost:" + u.Port() + u.Path
	rep, code, _ = diagnose(t, cfg)
	assertFailsAt(t, rep, code, "DNS", "-allow") // a name that resolves to loopback
}

func TestDNSFailure(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	cfg := config{URL: "https://bitbucket.bbdoctor-test.invalid/bitbucket", Repo: testRepo, Token: adminToken, Timeout: 5 * time.Second}
	rep, code, _ := diagnose(t, cfg)
	assertFailsAt(t, rep, code, "DNS")
}

func TestTCPRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there any more
	cfg := config{URL: "http://" + addr + "/bitbucket", Repo: testRepo, Token: adminToken, Allow: allowLoopback, Timeout: 5 * time.Second}
	rep, code, _ := diagnose(t, cfg)
	s := assertFailsAt(t, rep, code, "TCP connect", "port")
	if !strings.Contains(s.Detail, "refused") {
		t.Errorf("detail %q", s.Detail)
	}
}

func TestTLSUnknownAuthority(t *testing.T) {
	ts := newTLSServer(t, http.NotFoundHandler())
	cfg := config{URL: ts.URL + "/bitbucket", Repo: testRepo, Token: adminToken, Allow: allowLoopback, Timeout: 5 * time.Second}
	rep, code, _ := diagnose(t, cfg)
	s := assertFailsAt(t, rep, code, "TLS", "-cacert", "WithRootCAs")
	if !strings.Contains(s.Detail, "issuer") {
		t.Errorf("TLS detail does not describe the certificate: %q", s.Detail)
	}
}

func TestTLSWithCACertPasses(t *testing.T) {
	// A TLS front for the fake, as a reverse proxy with a certificate from a private CA would be.
	srv := newFake(t)
	origin, err := url.Parse(srv.Origin())
	if err != nil {
		t.Fatal(err)
	}
	ts := newTLSServer(t, httputil.NewSingleHostReverseProxy(origin))

	file := filepath.Join(t.TempDir(), "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(file, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pool, err := loadCACert(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fakeConfig(srv)
	cfg.URL = ts.URL + strings.TrimPrefix(srv.URL(), srv.Origin())
	cfg.RootCAs = pool

	rep, code, out := diagnose(t, cfg)
	if code != 0 {
		t.Fatalf("with -cacert every step should pass; exit %d:\n%s", code, out)
	}
	if d := stepNamed(rep, "TLS").Detail; !strings.Contains(d, "verified against the -cacert file") {
		t.Errorf("TLS detail %q", d)
	}
}

func TestTLSNameMismatch(t *testing.T) {
	if netnstest.Isolated(t) { // it resolves a name with the system resolver
		return
	}
	if addrs, err := net.DefaultResolver.LookupNetIP(t.Context(), "ip", "localhost"); err != nil || len(addrs) == 0 {
		t.Skip("localhost does not resolve here")
	}
	ts := newTLSServer(t, http.NotFoundHandler()) // its certificate names example.com, 127.0.0.1 and ::1
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	cfg := config{URL: "https://localhost:" + u.Port() + "/bitbucket", Repo: testRepo, Token: adminToken,
		Allow: allowLoopback, RootCAs: pool, Timeout: 5 * time.Second}
	rep, code, _ := diagnose(t, cfg)
	assertFailsAt(t, rep, code, "TLS", "not valid for localhost")
}

func TestNotABitbucketServer(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>Intranet</title><h1>Welcome</h1>"))
	}))
	defer ts.Close()
	cfg := config{URL: ts.URL + "/bitbucket", Repo: testRepo, Token: adminToken, Allow: allowLoopback, Timeout: 5 * time.Second}
	rep, code, _ := diagnose(t, cfg)
	s := assertFailsAt(t, rep, code, "Bitbucket server", "context path")
	if !strings.Contains(s.Detail, "not Bitbucket") {
		t.Errorf("detail %q", s.Detail)
	}
}

func TestURLRefused(t *testing.T) {
	for _, tc := range []struct {
		name, url, hintHas string
	}{
		{"userinfo", "https://alice:hunter2pass@git.example.com/bitbucket", "BITBUCKET_TOKEN"},
		{"fragment", "https://git.example.com/bitbucket#top", "#"},
		{"query", "https://git.example.com/bitbucket?x=1", "base URL"},
		{"no scheme", "git.example.com/bitbucket", "https://"},
		{"ftp", "ftp://git.example.com/", "https"},
		{"cloud", "https://bitbucket.org/workspace/repo", "cloud.New"},
		{"page URL", "https://git.example.com/bitbucket/projects/PROJ/repos/repo/browse", "https://git.example.com/bitbucket "},
		{"unparsable", "https://[::1", "https://"},
		// Letters whose lower case is longer (U+023A) must not shift the context path shown.
		{"page URL after non-ASCII", "https://git.example.com/%C8%BA%C8%BA%C8%BA/REST/api/1.0", "https://git.example.com/\u023a\u023a\u023a "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config{URL: tc.url, Repo: testRepo, Token: adminToken, Timeout: time.Second}
			rep, code, out := diagnose(t, cfg)
			assertFailsAt(t, rep, code, "URL", tc.hintHas)
			if strings.Contains(out, "hunter2pass") {
				t.Error("the password in the URL was printed")
			}
		})
	}
}

func TestTextChecklist(t *testing.T) {
	srv := newFake(t)
	cfg := fakeConfig(srv)
	cfg.Token = writeToken
	var out bytes.Buffer
	if code := run(t.Context(), cfg, &out); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	text := out.String()
	for _, want := range []string{
		"✓ URL", "✓ token", "✗ admin permission", "fix: creating webhooks needs REPO_ADMIN",
		"– webhook API", `result: FAILED at step "admin permission"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("checklist lacks %q:\n%s", want, text)
		}
	}
}

func TestJudge(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		addr    string
		allowed bool
		kind    string
	}{
		{"140.82.112.3", true, ""},
		{"2606:4700::6810:85e5", true, ""},
		{"10.1.2.3", true, "a private address"},
		{"192.168.1.10", false, "a private address"},
		{"127.0.0.1", false, "a loopback address"},
		{"::1", false, "a loopback address"},
		{"::ffff:127.0.0.1", false, "a loopback address"},
		{"0.0.0.0", false, "an unspecified address"},
		{"169.254.10.1", false, "a link-local address"},
		{"169.254.169.254", false, "a cloud metadata address"},
		{"100.100.100.200", false, "a cloud metadata address"},
		{"2001:db8::1", false, "a documentation address"},
		{"fe80::1", false, "a link-local address"},
		{"fc00::1", false, "a private address"},
		{"100.64.1.1", false, "a shared (CGNAT) address"},
		{"239.1.2.3", false, "a multicast address"},
		{"224.0.0.251", false, "a link-local address"},
		{"fec0::1", false, "a deprecated site-local address"},
		{"::7f00:1", false, "an IPv4-compatible address (a loopback address)"},
		{"3fff::1", false, "a documentation address"},
		{"192.88.99.1", false, "a deprecated 6to4 relay address"},
		{"::169.254.169.254", false, "an IPv4-compatible form of a cloud metadata address"},
	} {
		v := hostpolicy.Check(netip.MustParseAddr(tc.addr), allow)
		if v.Allowed != tc.allowed || v.Range != tc.kind {
			t.Errorf("Check(%s) = allowed %v range %q; want %v %q", tc.addr, v.Allowed, v.Range, tc.allowed, tc.kind)
		}
	}
}

func TestAllowFlag(t *testing.T) {
	var p prefixList
	for _, v := range []string{"10.0.0.0/8", "192.168.1.7", "::ffff:172.16.0.0/108", "fd00::/8", "10.1.2.3/8"} {
		if err := p.Set(v); err != nil {
			t.Fatalf("Set(%q): %v", v, err)
		}
	}
	if got, want := p.String(), "10.0.0.0/8,192.168.1.7/32,172.16.0.0/12,fd00::/8,10.0.0.0/8"; got != want {
		t.Errorf("prefixes %s, want %s", got, want)
	}
	for _, v := range []string{"", "10.0.0.0/33", "git.example.com"} {
		if err := p.Set(v); err == nil {
			t.Errorf("Set(%q) accepted", v)
		}
	}
}

func TestCLIUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-repo", "PROJ/repo"},
		{"-url", "https://git.example.com"},
		{"-url", "https://git.example.com", "-repo", "no-slash"},
		{"-url", "https://git.example.com", "-repo", "PROJ/repo", "-allow", "not-a-cidr"},
		{"-url", "https://git.example.com", "-repo", "PROJ/repo", "-cacert", filepath.Join(t.TempDir(), "missing.pem")},
		{"-url", "https://git.example.com", "-repo", "PROJ/repo", "-timeout", "0s"},
		{"-url", "https://git.example.com", "-repo", "PROJ/repo", "sometoken"},
		{"-no-such-flag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := cli(t.Context(), args, func(string) string { return "" }, &stdout, &stderr); code != 2 {
			t.Errorf("cli(%q) = %d, want 2\n%s%s", args, code, &stdout, &stderr)
		}
		if stdout.Len() != 0 {
			t.Errorf("cli(%q) ran checks:\n%s", args, &stdout)
		}
	}
}

func TestCLIReadsTokenFromEnvironment(t *testing.T) {
	srv := newFake(t)
	args := []string{"-url", srv.URL(), "-repo", "PROJ/repo", "-allow", "127.0.0.0/8", "-allow", "::1", "-json"}
	env := func(k string) string {
		if k == "BITBUCKET_TOKEN" {
			return adminToken
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	if code := cli(t.Context(), args, env, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, &stdout, &stderr)
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || !rep.OK {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if strings.Contains(stdout.String()+stderr.String(), adminToken) {
		t.Error("the token was printed")
	}
}

func TestCLIWithNoFlagsDiagnosesTheEmbeddedFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli(t.Context(), nil, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []string{"embedded Bitbucket Data Center fake", "✓ webhook API", "result: OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// newTLSServer starts an httptest TLS server that does not log the handshakes bbdoctor's TCP
// step leaves unfinished.
func newTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

func stepNamed(rep report, name string) stepResult {
	for _, s := range rep.Steps {
		if s.Name == name {
			return s
		}
	}
	return stepResult{}
}
