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
	if n := strings.Count(out, `msg="webhook event"`); n != 1 {
		t.Errorf("%d events logged, want 1 (the duplicate must be dropped):\n%s", n, out)
	}
	for _, want := range []string{
		"provider=server", "type=push", "key=repo:refs_changed", "repo=PROJ/repo", "actor=alice",
		`changes="[branch main 1f3c5a7..8c0e2a4]"`, "status=401",
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

func TestReceiverAnswers(t *testing.T) {
	secret := []byte("test-secret")
	var logs bytes.Buffer
	srv := newServer(secret, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if srv.ReadHeaderTimeout <= 0 {
		t.Error("ReadHeaderTimeout is not set")
	}
	ts := httptest.NewServer(srv.Handler)
	defer ts.Close()

	good := newDelivery(secret)
	forged := newDelivery([]byte("other"))
	unsigned := newDelivery(secret)
	unsigned.signature = ""
	for _, tc := range []struct {
		name string
		d    delivery
		want int
	}{
		{"signed", good, http.StatusOK},
		{"duplicate", good, http.StatusOK},
		{"forged", forged, http.StatusUnauthorized},
		{"unsigned", unsigned, http.StatusUnauthorized},
	} {
		status, err := post(t.Context(), ts.URL+"/", tc.d)
		if err != nil || status != tc.want {
			t.Errorf("%s: status %d, err %v; want %d", tc.name, status, err, tc.want)
		}
	}
	if n := strings.Count(logs.String(), `msg="webhook event"`); n != 1 {
		t.Errorf("%d events logged, want 1:\n%s", n, &logs)
	}
}
