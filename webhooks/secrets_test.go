package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestVerifyAny(t *testing.T) {
	body := []byte(`{"push":{"changes":[]}}`)
	old, next, other := []byte("old-secret"), []byte("new-secret"), []byte("someone else's")
	tests := []struct {
		name    string
		header  string
		secrets [][]byte
		want    error
	}{
		{"signed with the first", Sign(old, body), [][]byte{old, next}, nil},
		{"signed with the second", Sign(next, body), [][]byte{old, next}, nil},
		{"upper-case hex", strings.ToUpper(Sign(next, body)), [][]byte{old, next}, nil},
		{"empty secrets are skipped", Sign(next, body), [][]byte{nil, {}, next}, nil},
		{"signed with none", Sign(other, body), [][]byte{old, next}, ErrInvalidSignature},
		{"no secrets", Sign(old, body), nil, ErrInvalidSignature},
		{"only empty secrets", Sign(old, body), [][]byte{{}}, ErrInvalidSignature},
		{"missing header", "", [][]byte{old}, ErrMissingSignature},
		{"other algorithm", "sha1=" + strings.Repeat("0", 40), [][]byte{old}, ErrInvalidSignature},
		{"short digest", "sha256=abcd", [][]byte{old}, ErrInvalidSignature},
	}
	for _, tc := range tests {
		err := VerifyAny(body, tc.header, tc.secrets)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: VerifyAny = %v, want %v", tc.name, err, tc.want)
		}
		if err != nil {
			for _, s := range [][]byte{old, next, other} {
				if strings.Contains(err.Error(), string(s)) {
					t.Errorf("%s: error %q shows a secret", tc.name, err)
				}
			}
		}
	}
}

// tenantSecrets picks the secrets of the tenant named by the path /hooks/{tenant}; the lookups
// it counts.
func tenantSecrets(calls *atomic.Int32, byTenant map[string][][]byte) func(*http.Request) ([][]byte, error) {
	return func(r *http.Request) ([][]byte, error) {
		calls.Add(1)
		tenant, ok := strings.CutPrefix(r.URL.Path, "/hooks/")
		if !ok {
			return nil, nil
		}
		if tenant == "down" {
			return nil, errors.New("tenant database unreachable")
		}
		return byTenant[tenant], nil
	}
}

func TestParseWithSecrets(t *testing.T) {
	body := readFixture(t, "cloud_push_update.json")
	acmeOld, acmeNew, globex := []byte("acme-old"), []byte("acme-new"), []byte("globex")
	var calls atomic.Int32
	opts := Options{
		Secret:  []byte("the single secret, ignored when Secrets is set"),
		Secrets: tenantSecrets(&calls, map[string][][]byte{"acme": {acmeOld, acmeNew}, "globex": {globex}}),
	}
	to := func(path string, secret []byte) *http.Request {
		r := delivery(bitbucket.Cloud, "repo:push", body, secret)
		r.URL.Path = path
		return r
	}
	tests := []struct {
		name string
		req  *http.Request
		want error
	}{
		{"acme, old secret (rotation)", to("/hooks/acme", acmeOld), nil},
		{"acme, new secret", to("/hooks/acme", acmeNew), nil},
		{"globex", to("/hooks/globex", globex), nil},
		{"globex signed with acme's secret", to("/hooks/globex", acmeNew), ErrInvalidSignature},
		{"unknown tenant", to("/hooks/initech", globex), ErrInvalidSignature},
		{"Secret is not used when Secrets is set", to("/hooks/acme", opts.Secret), ErrInvalidSignature},
		{"lookup fails", to("/hooks/down", globex), ErrSecretLookup},
		{"unsigned", to("/hooks/acme", nil), ErrMissingSignature},
	}
	for _, tc := range tests {
		ev, err := Parse(tc.req, opts)
		if tc.want == nil && (err != nil || ev == nil || ev.Push == nil) || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: Parse = %v, %v; want %v", tc.name, ev, err, tc.want)
		}
	}
	// Secrets alone is a usable configuration, and it is not asked for an unsigned ping.
	ping := delivery(bitbucket.Server, "diagnostics:ping", readFixture(t, "server_ping.json"), nil)
	ping.URL.Path = "/hooks/acme"
	before := calls.Load()
	if ev, err := Parse(ping, Options{Secrets: opts.Secrets}); err != nil || ev.Type != bitbucket.EventPing {
		t.Errorf("unsigned ping with Secrets only: %v, %v", ev, err)
	}
	if calls.Load() != before {
		t.Error("Secrets was called for an unsigned ping")
	}
}

func TestHandlerWithSecrets(t *testing.T) {
	body := readFixture(t, "server_refs_changed_update.json")
	var calls, processed atomic.Int32
	h := NewHandler(Options{Secrets: tenantSecrets(&calls, map[string][][]byte{"acme": {[]byte("acme")}})},
		func(ctx context.Context, ev *Event) error { processed.Add(1); return nil })
	for _, tc := range []struct {
		path   string
		secret string
		want   int
	}{
		{"/hooks/acme", "acme", 200},
		{"/hooks/acme", "wrong", 401},
		{"/hooks/nobody", "acme", 401},
		{"/hooks/down", "acme", 503},
	} {
		r := delivery(bitbucket.Server, "repo:refs_changed", body, []byte(tc.secret))
		r.URL.Path = tc.path
		if code, _, _ := serve(h, r); code != tc.want {
			t.Errorf("%s signed with %q: status %d, want %d", tc.path, tc.secret, code, tc.want)
		}
	}
	if processed.Load() != 1 {
		t.Errorf("%d deliveries processed, want 1", processed.Load())
	}
}

func TestOptionsNeverShowSecrets(t *testing.T) {
	secret := "opt-secret-1234567890"
	opts := Options{Secret: []byte(secret), MaxBodyBytes: 10, Dedupe: NewDeduper(1, time.Minute),
		Secrets: func(*http.Request) ([][]byte, error) { return nil, nil }}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, opts), fmt.Sprintf(verb, &opts))
	}
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("configured", "opts", opts)
	outs = append(outs, logs.String())
	j, err := json.Marshal(opts)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	outs = append(outs, string(j))
	hexSecret := fmt.Sprintf("%x", secret)
	for _, out := range outs {
		if strings.Contains(out, secret) || strings.Contains(out, hexSecret) {
			t.Errorf("output shows the secret: %s", out)
		}
	}
	if s := opts.String(); !strings.Contains(s, "Secret: [redacted]") || !strings.Contains(s, "*webhooks.Deduper") {
		t.Errorf("String() = %s, want the fields that are set", s)
	}
}
