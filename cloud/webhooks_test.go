package cloud

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

const hookUUID = "{8f6b5c2a-1d3e-4f5a-9b7c-0123456789ab}"

func hookJSON(uuid string, events []string, secretSet bool) map[string]any {
	return map[string]any{
		"type": "webhook_subscription", "uuid": uuid, "url": "https://ci.example.com/hook",
		"description": "CI", "subject_type": "repository", "active": true,
		"created_at": "2026-02-03T04:05:06.789+00:00", "events": events, "secret_set": secretSet,
	}
}

func TestCreateWebhook(t *testing.T) {
	m := newMock(t)
	var sent map[string]any
	m.on("POST /2.0/repositories/ws/repo/hooks", func(r *http.Request, body string) *http.Response {
		if err := json.Unmarshal([]byte(body), &sent); err != nil {
			t.Errorf("body %q: %v", body, err)
		}
		return respond(201, hookJSON(hookUUID, []string{"pullrequest:created", "repo:fork", "repo:push"}, true),
			"Location", testBase+"/repositories/ws/repo/hooks/%7B8f6b5c2a-1d3e-4f5a-9b7c-0123456789ab%7D")
	})
	spec := bitbucket.WebhookSpec{
		URL: "https://ci.example.com/hook", Description: "CI", Secret: "s3cr3t-value",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened}, NativeEvents: []string{"repo:fork"},
	}
	h, err := m.client(nil).CreateWebhook(t.Context(), bitbucket.RepoRef{Namespace: "ws", Slug: "repo"}, spec)
	if err != nil {
		t.Fatal(err)
	}
	if sent["secret"] != "s3cr3t-value" || sent["url"] != spec.URL || sent["active"] != true || sent["description"] != "CI" {
		t.Errorf("body = %v", sent)
	}
	if got := toStrings(sent["events"]); !slices.Equal(got, []string{"pullrequest:created", "repo:fork", "repo:push"}) {
		t.Errorf("events sent = %q", got)
	}
	for _, c := range m.Calls() {
		if strings.Contains(c.URL, "s3cr3t") {
			t.Errorf("secret in URL %s", c.URL)
		}
	}
	want := bitbucket.Webhook{ID: hookUUID, URL: spec.URL, Description: "CI", Active: true, HasSecret: true,
		Events:       []bitbucket.Event{bitbucket.EventPullRequestOpened, bitbucket.EventPush},
		NativeEvents: []string{"repo:fork"}, CreatedAt: time.Date(2026, 2, 3, 4, 5, 6, 789000000, time.UTC)}
	if h.ID != want.ID || h.URL != want.URL || !h.Active || !h.HasSecret || !slices.Equal(h.Events, want.Events) ||
		!slices.Equal(h.NativeEvents, want.NativeEvents) || !h.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("webhook = %+v\nwant %+v", *h, want)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestUpdateWebhookEscapesBracesAndKeepsSecret(t *testing.T) {
	for _, id := range []string{hookUUID, strings.Trim(hookUUID, "{}")} {
		m := newMock(t)
		var sent map[string]any
		m.on("PUT /2.0/repositories/ws/repo/hooks/%7B8f6b5c2a-1d3e-4f5a-9b7c-0123456789ab%7D", func(r *http.Request, body string) *http.Response {
			_ = json.Unmarshal([]byte(body), &sent)
			return respond(200, hookJSON(hookUUID, []string{"repo:push"}, true))
		})
		h, err := m.client(nil).UpdateWebhook(t.Context(), bitbucket.RepoRef{Namespace: "ws", Slug: "repo"}, id,
			bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPush}, Disabled: true})
		if err != nil {
			t.Fatalf("id %s: %v", id, err)
		}
		if _, ok := sent["secret"]; ok {
			t.Errorf("an empty spec secret must leave the secret out of the body: %v", sent)
		}
		if sent["active"] != false {
			t.Errorf("Disabled not sent as active=false: %v", sent)
		}
		if !h.HasSecret || !slices.Equal(h.Events, []bitbucket.Event{bitbucket.EventPush}) {
			t.Errorf("webhook = %+v", *h)
		}
	}
}

func TestDeleteAndListWebhooks(t *testing.T) {
	m := newMock(t)
	m.on("DELETE /2.0/repositories/ws/repo/hooks/%7B8f6b5c2a-1d3e-4f5a-9b7c-0123456789ab%7D", fixed(204, nil))
	m.on("GET /2.0/repositories/ws/repo/hooks", func(r *http.Request, _ string) *http.Response {
		if r.URL.Query().Get("page") == "" {
			return respond(200, map[string]any{
				"values": []any{hookJSON("{00000000-0000-4000-8000-000000000001}", []string{"pullrequest:fulfilled", "pullrequest:rejected"}, false)},
				"next":   testBase + "/repositories/ws/repo/hooks?page=x2&pagelen=100",
			})
		}
		return respond(200, map[string]any{"values": []any{
			hookJSON("{00000000-0000-4000-8000-000000000002}", []string{"pullrequest:updated", "pullrequest:comment_created", "issue:created"}, true)}})
	})
	c := m.client(nil)
	repo := bitbucket.RepoRef{Namespace: "ws", Slug: "repo"}
	if err := c.DeleteWebhook(t.Context(), repo, hookUUID); err != nil {
		t.Fatal(err)
	}
	hooks, err := c.ListWebhooks(t.Context(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 2 {
		t.Fatalf("%d hooks", len(hooks))
	}
	if hooks[0].HasSecret || !slices.Equal(hooks[0].Events, []bitbucket.Event{bitbucket.EventPullRequestDeclined, bitbucket.EventPullRequestMerged}) {
		t.Errorf("hook 0 = %+v", *hooks[0])
	}
	if !hooks[1].HasSecret || !slices.Equal(hooks[1].Events, []bitbucket.Event{bitbucket.EventPullRequestComment, bitbucket.EventPullRequestUpdated}) ||
		!slices.Equal(hooks[1].NativeEvents, []string{"issue:created"}) {
		t.Errorf("hook 1 = %+v", *hooks[1])
	}
}

func TestListWebhooksFailsWholeOnAPageError(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/repositories/ws/repo/hooks", func(r *http.Request, _ string) *http.Response {
		if r.URL.Query().Get("page") == "" {
			return respond(200, map[string]any{"values": []any{hookJSON(hookUUID, []string{"repo:push"}, false)},
				"next": testBase + "/repositories/ws/repo/hooks?page=2"})
		}
		return respond(403, cloudError("Your credentials lack one or more required privilege scopes."))
	})
	hooks, err := m.client(nil).ListWebhooks(t.Context(), bitbucket.RepoRef{Namespace: "ws", Slug: "repo"})
	if !errors.Is(err, bitbucket.ErrForbidden) || hooks != nil {
		t.Errorf("got %d hooks, %v; want nil and ErrForbidden", len(hooks), err)
	}
}

func TestWebhookInputRefusedBeforeAnyRequest(t *testing.T) {
	m := newMock(t)
	c := m.client(nil)
	repo := bitbucket.RepoRef{Namespace: "ws", Slug: "repo"}
	good := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPush}}
	ping := good
	ping.Events = []bitbucket.Event{bitbucket.EventPing} // delivered without a subscription: nothing to subscribe
	if _, err := c.CreateWebhook(t.Context(), repo, ping); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("ping only: got %v, want ErrInvalidInput", err)
	}
	if _, err := c.UpdateWebhook(t.Context(), repo, hookUUID, ping); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("ping only update: got %v, want ErrInvalidInput", err)
	}
	for name, call := range map[string]func() error{
		"no url": func() error {
			_, err := c.CreateWebhook(t.Context(), repo, bitbucket.WebhookSpec{Events: good.Events})
			return err
		},
		"no events": func() error {
			_, err := c.CreateWebhook(t.Context(), repo, bitbucket.WebhookSpec{URL: good.URL})
			return err
		},
		"bad repo": func() error { _, err := c.CreateWebhook(t.Context(), bitbucket.RepoRef{Slug: "x"}, good); return err },
		"long secret": func() error {
			s := good
			s.Secret = strings.Repeat("x", 129)
			_, err := c.CreateWebhook(t.Context(), repo, s)
			return err
		},
		"bad id":       func() error { _, err := c.UpdateWebhook(t.Context(), repo, "../../user", good); return err },
		"empty id":     func() error { return c.DeleteWebhook(t.Context(), repo, "") },
		"id with path": func() error { return c.DeleteWebhook(t.Context(), repo, "{abc}/x") },
	} {
		if err := call(); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
		}
	}
	if n := len(m.Calls()); n != 0 {
		t.Errorf("%d requests sent for refused input", n)
	}
}
