package security_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/webhooks"
)

// signedDelivery is a Data Center delivery of body under the header key, signed with secret.
func signedDelivery(key string, body, secret []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/bitbucket", bytes.NewReader(body))
	r.Header.Set("X-Event-Key", key)
	r.Header.Set("X-Request-Id", "0b1c5e7a-0000-4000-8000-000000000001")
	r.Header.Set("X-Hub-Signature", webhooks.Sign(secret, body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// #11.10: a signed pr:opened body replayed with another X-Event-Key (which is not signed) is
// refused, so an attacker who captured one delivery cannot turn it into a merge or a push.
func TestReplayedDeliveryUnderAnotherEventKey(t *testing.T) {
	secret := []byte("tenant-secret")
	body := []byte(`{"eventKey":"pr:opened","date":"2026-01-02T15:04:05+0100","actor":{"name":"eve","slug":"eve"},` +
		`"pullRequest":{"id":7,"title":"t","state":"OPEN","fromRef":{"id":"refs/heads/f","displayId":"f","latestCommit":"` +
		strings.Repeat("a", 40) + `","repository":{"slug":"app","project":{"key":"TEAM"}}},"toRef":{"id":"refs/heads/main",` +
		`"displayId":"main","latestCommit":"` + strings.Repeat("b", 40) + `","repository":{"slug":"app","project":{"key":"TEAM"}}}}}`)
	if ev, err := webhooks.Parse(signedDelivery("pr:opened", body, secret), webhooks.Options{Secret: secret}); err != nil || ev.Type != bitbucket.EventPullRequestOpened {
		t.Fatalf("the genuine delivery: %+v, %v", ev, err)
	}
	for _, key := range []string{"pr:merged", "pr:declined", "repo:refs_changed", "pr:comment:added", "pr:reviewer:approved"} {
		ev, err := webhooks.Parse(signedDelivery(key, body, secret), webhooks.Options{Secret: secret})
		if !errors.Is(err, webhooks.ErrMalformedPayload) || ev != nil {
			t.Errorf("pr:opened replayed as %s: %+v, %v; want ErrMalformedPayload", key, ev, err)
		}
	}
	// Through the handler: refused with 400, the callback never called.
	called := false
	h := webhooks.NewHandler(webhooks.Options{Secret: secret}, func(_ context.Context, _ *webhooks.Event) error { called = true; return nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedDelivery("pr:merged", body, secret))
	if rec.Code != http.StatusBadRequest || called {
		t.Errorf("handler answered %d, callback called %v; want 400 and no call", rec.Code, called)
	}
}

// #11.8: a spec or options that carry a webhook secret never print it.
func TestWebhookSecretHoldersPrintNoSecret(t *testing.T) {
	const secret = "whsec-0123456789"
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/h", Events: []bitbucket.Event{bitbucket.EventPush}, Secret: secret}
	opts := webhooks.Options{Secret: []byte(secret)}
	var texts []string
	for _, v := range []any{spec, &spec, opts, &opts} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%t", "%d"} {
			texts = append(texts, fmt.Sprintf(verb, v))
		}
		b, _ := json.Marshal(v)
		texts = append(texts, string(b))
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "v", v)
		texts = append(texts, logs.String())
	}
	for _, s := range texts {
		if strings.Contains(s, secret) || strings.Contains(s, fmt.Sprintf("%x", secret)) {
			t.Errorf("the secret was printed: %s", s)
		}
	}
}
