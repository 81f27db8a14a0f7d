package server

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

var hookRepo = bitbucket.RepoRef{Namespace: "PRJ", Slug: "api"}

const (
	hooksURL   = testAPI + "/projects/PRJ/repos/api/webhooks"
	hookSecret = "hook-s3cret-value"
)

func wireHook(id int, name, url string, events []string, config map[string]any) map[string]any {
	h := map[string]any{"id": id, "name": name, "url": url, "active": true, "events": events,
		"createdDate": 1718000000000 + int64(id), "updatedDate": 1718000000000 + int64(id),
		"scopeType": "repository", "sslVerificationRequired": true}
	if config != nil {
		h["configuration"] = config
	}
	return h
}

// echoHook answers a create or update with the body it got, as the server stores it.
func echoHook(t *testing.T, status, id int, got *map[string]any) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		body := readJSON(t, r)
		*got = body
		resp := map[string]any{"id": id, "createdDate": 1718000000000}
		for k, v := range body {
			resp[k] = v
		}
		return httpmock.NewJsonResponse(status, resp)
	}
}

func TestCreateWebhook(t *testing.T) {
	for _, status := range []int{200, 201} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			c, mt := newTestClient(t)
			registerVersion(t, mt, "9.4.2")
			var body map[string]any
			mt.RegisterResponder("POST", hooksURL, echoHook(t, status, 12, &body))
			spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Description: "ci",
				Events:       []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestUpdated},
				NativeEvents: []string{"repo:forked"}, Secret: hookSecret}
			h, err := c.CreateWebhook(t.Context(), hookRepo, spec)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			wantBody := map[string]any{"name": "ci", "url": "https://ci.example.com/hook", "active": true,
				"events":        []any{"pr:from_ref_updated", "pr:modified", "repo:forked", "repo:refs_changed"},
				"configuration": map[string]any{"secret": hookSecret}}
			if !reflect.DeepEqual(body, wantBody) {
				t.Errorf("request body = %v\nwant %v", body, wantBody)
			}
			want := bitbucket.Webhook{ID: "12", URL: "https://ci.example.com/hook", Description: "ci",
				Events:       []bitbucket.Event{bitbucket.EventPullRequestUpdated, bitbucket.EventPush},
				NativeEvents: []string{"repo:forked"}, Active: true, HasSecret: true,
				CreatedAt: time.UnixMilli(1718000000000).UTC()}
			if !reflect.DeepEqual(*h, want) {
				t.Errorf("hook = %+v\nwant %+v", *h, want)
			}
			if s := fmt.Sprintf("%+v %#v", *h, *h); strings.Contains(s, hookSecret) {
				t.Errorf("the secret leaked into the hook: %s", s)
			}
		})
	}
}

func TestCreateWebhookWithoutSecretOrDescription(t *testing.T) {
	c, mt := newTestClient(t)
	registerVersion(t, mt, "9.4.2")
	var body map[string]any
	mt.RegisterResponder("POST", hooksURL, echoHook(t, 201, 3, &body))
	h, err := c.CreateWebhook(t.Context(), hookRepo, bitbucket.WebhookSpec{URL: "https://ci.example.com/h",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPing}, Disabled: true})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, ok := body["configuration"]; ok {
		t.Errorf("configuration sent without a secret: %v", body)
	}
	if body["name"] != "https://ci.example.com/h" || body["active"] != false {
		t.Errorf("body = %v; want the URL as name, inactive", body)
	}
	if body["events"] == nil || slices.Contains(body["events"].([]any), any("diagnostics:ping")) {
		t.Errorf("events sent = %v; diagnostics:ping is never a subscription", body["events"])
	}
	if h.HasSecret || h.Active || h.Description != "" || !slices.Equal(h.Events, []bitbucket.Event{bitbucket.EventPush}) {
		t.Errorf("hook = %+v", *h)
	}
}

func TestWebhookEventsDecode(t *testing.T) {
	// pr:modified alone is not the neutral "updated" event: it stays native.
	h := convertWebhook(wireWebhook{ID: 1, Events: []string{"pr:modified", "pr:opened", "pr:merged", "pr:declined", "pr:comment:added", "diagnostics:ping", "mirror:repo_synchronized"}})
	wantEvents := []bitbucket.Event{bitbucket.EventPullRequestComment, bitbucket.EventPullRequestDeclined, bitbucket.EventPullRequestMerged, bitbucket.EventPullRequestOpened}
	slices.Sort(wantEvents)
	if !slices.Equal(h.Events, wantEvents) || !slices.Equal(h.NativeEvents, []string{"diagnostics:ping", "mirror:repo_synchronized", "pr:modified"}) {
		t.Errorf("events %v native %v", h.Events, h.NativeEvents)
	}
	if h.HasSecret {
		t.Error("HasSecret without a configuration")
	}
	if convertWebhook(wireWebhook{Configuration: map[string]any{"secret": ""}}).HasSecret {
		t.Error("HasSecret with an empty secret")
	}
}

func TestListWebhooksAllPages(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponderWithQuery("GET", hooksURL, "start=0&limit=1000", jsonResponder(t, 200,
		page(0, 25, 25, wireHook(1, "ci", "https://ci.example.com/a", []string{"repo:refs_changed"}, map[string]any{"secret": hookSecret, "createdBy": "ada"}))))
	mt.RegisterResponderWithQuery("GET", hooksURL, "start=25&limit=1000", jsonResponder(t, 200,
		page(25, 25, -1, wireHook(2, "https://ci.example.com/b", "https://ci.example.com/b", []string{"pr:opened"}, nil))))
	hooks, err := c.ListWebhooks(t.Context(), hookRepo)
	if err != nil || len(hooks) != 2 {
		t.Fatalf("ListWebhooks = %d, %v; want 2 hooks", len(hooks), err)
	}
	if !hooks[0].HasSecret || hooks[1].HasSecret || hooks[0].Description != "ci" || hooks[1].Description != "" {
		t.Errorf("hooks = %+v %+v", *hooks[0], *hooks[1])
	}
	if !hooks[0].CreatedAt.Equal(time.UnixMilli(1718000000001)) || hooks[1].ID != "2" {
		t.Errorf("hook fields: %+v", *hooks[1])
	}
	if s := fmt.Sprintf("%+v", hooks); strings.Contains(s, hookSecret) {
		t.Errorf("the secret leaked: %s", s)
	}
}

func TestListWebhooksForbidden(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", hooksURL, jsonResponder(t, 401, restErrors("You are not permitted to access this resource", excAuthorisation)))
	_, err := c.ListWebhooks(t.Context(), hookRepo)
	var apiErr *bitbucket.APIError
	if !errors.Is(err, bitbucket.ErrForbidden) || errors.Is(err, bitbucket.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Errorf("err = %v; want a 401 *APIError matching ErrForbidden only", err)
	}
}

func TestUpdateWebhookKeepsSecret(t *testing.T) {
	c, mt := newTestClient(t)
	registerVersion(t, mt, "9.4.2")
	mt.RegisterResponder("GET", hooksURL+"/12", jsonResponder(t, 200,
		wireHook(12, "ci", "https://ci.example.com/hook", []string{"repo:refs_changed"}, map[string]any{"secret": hookSecret, "createdBy": "ada"})))
	var body map[string]any
	mt.RegisterResponder("PUT", hooksURL+"/12", echoHook(t, 200, 12, &body))
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Description: "ci 2",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestMerged}}
	h, err := c.UpdateWebhook(t.Context(), hookRepo, "12", spec)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	wantBody := map[string]any{"name": "ci 2", "url": "https://ci.example.com/hook", "active": true,
		"events":                  []any{"pr:merged", "repo:refs_changed"},
		"configuration":           map[string]any{"secret": hookSecret, "createdBy": "ada"},
		"sslVerificationRequired": true}
	if !reflect.DeepEqual(body, wantBody) {
		t.Errorf("PUT body = %v\nwant %v", body, wantBody)
	}
	if !h.HasSecret || h.Description != "ci 2" || h.ID != "12" {
		t.Errorf("hook = %+v", *h)
	}

	// A new secret replaces the old one.
	spec.Secret = "rotated-secret"
	if _, err := c.UpdateWebhook(t.Context(), hookRepo, "12", spec); err != nil {
		t.Fatalf("update with secret: %v", err)
	}
	if cfg, _ := body["configuration"].(map[string]any); cfg["secret"] != "rotated-secret" || cfg["createdBy"] != "ada" {
		t.Errorf("configuration = %v; want the new secret and the other keys kept", body["configuration"])
	}
}

func TestDeleteWebhook(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("DELETE", hooksURL+"/12", httpmock.NewStringResponder(204, ""))
	if err := c.DeleteWebhook(t.Context(), hookRepo, "12"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	mt.RegisterResponder("DELETE", hooksURL+"/13", jsonResponder(t, 404, restErrors("Webhook 13 does not exist", "com.atlassian.bitbucket.webhook.NoSuchWebhookException")))
	if err := c.DeleteWebhook(t.Context(), hookRepo, "13"); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("delete missing: err = %v, want ErrNotFound", err)
	}
}

func TestWebhookInputRefusedBeforeAnyRequest(t *testing.T) {
	c, mt := newTestClient(t)
	ctx := t.Context()
	good := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPush}}
	for name, err := range map[string]error{
		"create, no events":  second(c.CreateWebhook(ctx, hookRepo, bitbucket.WebhookSpec{URL: "https://ci.example.com/hook"})),
		"create, bad URL":    second(c.CreateWebhook(ctx, hookRepo, bitbucket.WebhookSpec{URL: "ci.example.com", Events: good.Events})),
		"create, bad repo":   second(c.CreateWebhook(ctx, bitbucket.RepoRef{Namespace: "PRJ", Slug: "a/b"}, good)),
		"create, cloud only": second(c.CreateWebhook(ctx, hookRepo, bitbucket.WebhookSpec{URL: good.URL, Events: []bitbucket.Event{"pull_request.approved"}})),
		"update, bad id":     second(c.UpdateWebhook(ctx, hookRepo, "../12", good)),
		"update, no events":  second(c.UpdateWebhook(ctx, hookRepo, "12", bitbucket.WebhookSpec{URL: good.URL})),
		"delete, bad id":     c.DeleteWebhook(ctx, hookRepo, "{uuid}"),
		"delete, zero id":    c.DeleteWebhook(ctx, hookRepo, "0"),
		"list, bad repo":     second(c.ListWebhooks(ctx, bitbucket.RepoRef{Slug: "api"})),
	} {
		if !errors.Is(err, bitbucket.ErrInvalidInput) && !errors.Is(err, bitbucket.ErrNotSupported) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests made for refused input", n)
	}
}

func second[T any](_ T, err error) error { return err }

func TestWebhookEventsTooNewForServer(t *testing.T) {
	for _, c := range []struct {
		version string
		spec    bitbucket.WebhookSpec
		key     string // the key the error must name
	}{
		{"6.10.3", bitbucket.WebhookSpec{Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestUpdated}}, "pr:from_ref_updated"},
		{"6.10.3", bitbucket.WebhookSpec{NativeEvents: []string{"pr:from_ref_updated"}}, "pr:from_ref_updated"},
		{"5.9.0", bitbucket.WebhookSpec{NativeEvents: []string{"pr:modified"}}, "pr:modified"},
		{"5.3.1", bitbucket.WebhookSpec{Events: []bitbucket.Event{bitbucket.EventPush}}, "5.4"},
	} {
		t.Run(c.version+" "+c.key, func(t *testing.T) {
			cl, mt := newTestClient(t)
			registerVersion(t, mt, c.version)
			c.spec.URL = "https://ci.example.com/hook"
			_, err := cl.CreateWebhook(t.Context(), hookRepo, c.spec)
			if !errors.Is(err, bitbucket.ErrNotSupported) || !strings.Contains(err.Error(), c.key) {
				t.Errorf("create: err = %v, want ErrNotSupported naming %s", err, c.key)
			}
			_, err = cl.UpdateWebhook(t.Context(), hookRepo, "4", c.spec)
			if !errors.Is(err, bitbucket.ErrNotSupported) {
				t.Errorf("update: err = %v, want ErrNotSupported", err)
			}
			// Nothing but the version was asked: no write, no read of the hook.
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("%d requests, want only application-properties", n)
			}
		})
	}
	// The same events pass on a server new enough, where pr:modified alone is fine from 5.10.
	cl, mt := newTestClient(t)
	registerVersion(t, mt, "6.10.3")
	var body map[string]any
	mt.RegisterResponder("POST", hooksURL, echoHook(t, 201, 1, &body))
	if _, err := cl.CreateWebhook(t.Context(), hookRepo, bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", NativeEvents: []string{"pr:modified"}}); err != nil {
		t.Errorf("pr:modified on 6.10: %v", err)
	}
}

func TestEnsureWebhookIdempotent(t *testing.T) {
	c, mt := newTestClient(t)
	registerVersion(t, mt, "9.4.2")
	stored := wireHook(7, "ci", "https://ci.example.com/hook", []string{"pr:opened", "repo:refs_changed"}, map[string]any{"secret": hookSecret})
	mt.RegisterResponderWithQuery("GET", hooksURL, "start=0&limit=1000", jsonResponder(t, 200, page(0, 25, -1, stored)))
	spec := bitbucket.WebhookSpec{URL: "HTTPS://CI.example.com/hook/", Description: "ci", Secret: hookSecret,
		Events: []bitbucket.Event{bitbucket.EventPullRequestOpened, bitbucket.EventPush}}
	h, res, err := bitbucket.EnsureWebhook(t.Context(), c, hookRepo, spec)
	if err != nil || res != bitbucket.EnsureUnchanged || h.ID != "7" {
		t.Errorf("EnsureWebhook = %v, %v, %v; want the stored hook unchanged", h, res, err)
	}
}
