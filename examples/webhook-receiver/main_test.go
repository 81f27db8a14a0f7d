package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSelfDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), nil, env(nil), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	if n := strings.Count(out, `msg="webhook event"`); n != 3 {
		t.Errorf("%d events logged, want 3 (two for acme, one for globex; the duplicate dropped):\n%s", n, out)
	}
	if n := strings.Count(out, "tenant=acme provider=server"); n != 2 {
		t.Errorf("%d acme events logged, want 2 (one per secret of the rotation):\n%s", n, out)
	}
	if n := strings.Count(out, "status=401"); n != 2 {
		t.Errorf("%d deliveries refused, want 2 (the wrong tenant's secret, the unknown tenant):\n%s", n, out)
	}
	for _, want := range []string{
		"tenant=globex provider=server", "type=push", "key=repo:refs_changed", "repo=PROJ/repo", "actor=alice",
		`changes="[branch main 1f3c5a7..8c0e2a4]"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSelfDemoNeverPrintsTheSecret(t *testing.T) {
	const secret = "s3cret-from-the-environment"
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), nil, env(map[string]string{"WEBHOOK_SECRET": secret}), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, &stdout, &stderr)
	}
	if strings.Contains(stdout.String()+stderr.String(), secret) {
		t.Errorf("the secret was printed:\n%s%s", &stdout, &stderr)
	}
}

func TestServeStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // as if SIGINT arrived at once: the server starts, then shuts down gracefully
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"-listen", "127.0.0.1:0"}, env(nil), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, &stdout, &stderr)
	}
	if !strings.Contains(stdout.String(), "msg=stopped") {
		t.Errorf("no stop logged:\n%s", &stdout)
	}
	errs := stderr.String()
	if !strings.Contains(errs, "generated secret") || !strings.Contains(errs, "X-Hub-Signature: sha256=") {
		t.Errorf("with no WEBHOOK_SECRET, want the generated secret and a signed curl command:\n%s", errs)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"-nosuchflag"}} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, env(nil), &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}

// -h prints the usage and exits 0, like bbdoctor -h.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, env(nil), &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-listen") {
			t.Errorf("run(%q) = %d, usage %q; want 0 and the usage", args, code, stderr.String())
		}
	}
}

func TestReceiverAnswers(t *testing.T) {
	acmeOld, acmeNew, globex, single := []byte("acme-old"), []byte("acme-new"), []byte("globex"), []byte("single")
	ts := tenants{"acme": {acmeOld, acmeNew}, "globex": {globex}, defaultTenant: {single}}
	var logs bytes.Buffer
	srv := newServer(ts, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if srv.ReadHeaderTimeout <= 0 {
		t.Error("ReadHeaderTimeout is not set")
	}
	hs := httptest.NewServer(srv.Handler)
	defer hs.Close()

	good := newDelivery(acmeOld)
	unsigned := newDelivery(acmeOld)
	unsigned.signature = ""
	for _, tc := range []struct {
		name, path string
		d          delivery
		want       int
	}{
		{"acme, old secret", "/hooks/acme", good, http.StatusOK},
		{"duplicate", "/hooks/acme", good, http.StatusOK},
		{"acme, new secret", "/hooks/acme", newDelivery(acmeNew), http.StatusOK},
		{"globex", "/hooks/globex", newDelivery(globex), http.StatusOK},
		{"globex signed by acme", "/hooks/globex", newDelivery(acmeNew), http.StatusUnauthorized},
		{"unknown tenant", "/hooks/initech", newDelivery(globex), http.StatusUnauthorized},
		{"forged", "/hooks/acme", newDelivery([]byte("other")), http.StatusUnauthorized},
		{"unsigned", "/hooks/acme", unsigned, http.StatusUnauthorized},
		{"default tenant on /", "/", newDelivery(single), http.StatusOK},
		{"another path", "/elsewhere", newDelivery(single), http.StatusNotFound},
	} {
		status, err := post(t.Context(), hs.URL+tc.path, tc.d)
		if err != nil || status != tc.want {
			t.Errorf("%s: status %d, err %v; want %d", tc.name, status, err, tc.want)
		}
	}
	out := logs.String()
	if n := strings.Count(out, `msg="webhook event"`); n != 4 {
		t.Errorf("%d events logged, want 4:\n%s", n, out)
	}
	for _, want := range []string{"tenant=acme", "tenant=globex", "tenant=default"} {
		if !strings.Contains(out, want) {
			t.Errorf("no event logged with %s:\n%s", want, out)
		}
	}
}

func TestParseTenants(t *testing.T) {
	ts, err := parseTenants(" acme = old , new ; globex=one;")
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || len(ts["acme"]) != 2 || string(ts["acme"][1]) != "new" || string(ts["globex"][0]) != "one" {
		t.Errorf("parseTenants = %q", ts)
	}
	for _, bad := range []string{"acme", "Acme=s3cr3t", "acme=", "acme=,", "=s3cr3t", "a/b=s3cr3t"} {
		if _, err := parseTenants(bad); err == nil {
			t.Errorf("parseTenants(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("parseTenants(%q): the error shows the secret: %v", bad, err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-listen", "127.0.0.1:0"}, env(map[string]string{"WEBHOOK_TENANTS": "Bad=x"}), &stdout, &stderr); code != 2 {
		t.Errorf("bad WEBHOOK_TENANTS: exit %d, want 2", code)
	}
}
