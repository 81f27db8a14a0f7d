package bitbucket_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestWebhookSpecValidateRefusesHostileTargets(t *testing.T) {
	t.Parallel()
	push := []bitbucket.Event{bitbucket.EventPush}
	refused := []string{
		"https://user:pass@ci.example.com/hook",
		"https://token@ci.example.com/hook",
		"ftp://ci.example.com/hook",
		"javascript:alert(1)",
		"https://169.254.169.254/latest/meta-data",
		"http://[fd00:ec2::254]/",
		"http://100.100.100.200/",
		"http://127.0.0.1:8080/hook",
		"http://[::1]/hook",
		"http://localhost/hook",
		"http://LOCALHOST./hook",
		"http://api.localhost/hook",
		"http://0.0.0.0/hook",
		"http://[::ffff:127.0.0.1]/hook",
		"http://[::127.0.0.1]/hook",
		"http://[::169.254.169.254]/hook",
		"http://169.254.10.10/hook",
	}
	for _, u := range refused {
		err := bitbucket.WebhookSpec{URL: u, Events: push}.Validate()
		if !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", u, err)
		}
		if err != nil && strings.Contains(err.Error(), "pass") {
			t.Errorf("%s: error echoes the userinfo: %v", u, err)
		}
	}
	for _, u := range []string{"https://ci.example.com/hook", "http://10.1.2.3/hook", "https://[2001:db8::1]/"} {
		if err := (bitbucket.WebhookSpec{URL: u, Events: push}).Validate(); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	// The option lets loopback through, never metadata.
	if err := (bitbucket.WebhookSpec{URL: "http://127.0.0.1:9/h", Events: push, AllowLoopbackURL: true}).Validate(); err != nil {
		t.Errorf("loopback with AllowLoopbackURL: %v", err)
	}
	if err := (bitbucket.WebhookSpec{URL: "http://169.254.169.254/", Events: push, AllowLoopbackURL: true}).Validate(); err == nil {
		t.Error("metadata with AllowLoopbackURL must stay refused")
	}
	if err := (bitbucket.WebhookSpec{URL: "https://ci.example.com/", Events: []bitbucket.Event{bitbucket.EventPing}}).Validate(); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("ping alone subscribes to nothing: %v", err)
	}
}

func TestWebhookSpecNeverPrintsItsSecret(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-webhook-secret"
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/h", Events: []bitbucket.Event{bitbucket.EventPush}, Secret: secret}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%T %v"} {
		out = append(out, fmt.Sprintf(verb, spec))
		out = append(out, fmt.Sprintf(verb, &spec))
	}
	out = append(out, fmt.Sprint(spec), fmt.Sprintln([]bitbucket.WebhookSpec{spec}), fmt.Sprintf("%v", map[string]any{"s": spec}))
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(b))
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("spec", "spec", spec)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("spec", "spec", spec)
	out = append(out, logged.String())
	for _, s := range out {
		if strings.Contains(s, secret) || strings.Contains(s, fmt.Sprintf("%x", secret)) {
			t.Errorf("secret printed: %s", s)
		}
	}
	if !strings.Contains(out[0], "REDACTED") || !strings.Contains(out[0], "ci.example.com") {
		t.Errorf("String = %s; want the URL and a redaction mark", out[0])
	}
}

func TestParseRepoRefRefusesDotSegments(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"../..", "./x", "ns/..", "ns/.", "%2e%2E/repo", "ns/%2e%2e"} {
		if _, err := bitbucket.ParseRepoRef(s); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("ParseRepoRef(%q) = %v, want ErrInvalidInput", s, err)
		}
		if err := (bitbucket.RepoRef{Namespace: strings.Split(s, "/")[0], Slug: strings.Split(s, "/")[1]}).Validate(); err == nil {
			t.Errorf("Validate(%q) accepted", s)
		}
	}
	if _, err := bitbucket.ParseRepoRef("team/..x"); err != nil {
		t.Errorf("a name that only starts with dots is a name: %v", err)
	}
}
