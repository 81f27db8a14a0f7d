package bitbucket_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

var (
	ensureRepo  = bitbucket.RepoRef{Namespace: "acme", Slug: "widgets"}
	ensureOther = bitbucket.RepoRef{Namespace: "acme", Slug: "gadgets"}
	t0          = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

func baseSpec() bitbucket.WebhookSpec {
	return bitbucket.WebhookSpec{
		URL:         "https://ci.example.com/hooks/bitbucket",
		Description: "example CI",
		Events:      []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened, bitbucket.EventPullRequestUpdated},
		Secret:      "s3cret",
	}
}

// hookFor is what the provider would list for spec once registered (with a secret when given).
func hookFor(t *testing.T, p bitbucket.Provider, spec bitbucket.WebhookSpec) bitbucket.Webhook {
	t.Helper()
	keys, err := bitbucket.EncodeEvents(p, spec.Events, spec.NativeEvents)
	if err != nil {
		t.Fatal(err)
	}
	events, native := bitbucket.DecodeEvents(p, keys)
	return bitbucket.Webhook{URL: spec.URL, Description: spec.Description, Events: events, NativeEvents: native,
		Active: !spec.Disabled, HasSecret: spec.Secret != "", CreatedAt: t0}
}

func TestEnsureWebhookCreated(t *testing.T) {
	t.Parallel()
	for _, p := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			c := newMemConnector(p)
			// Another repository's hook with the same URL must not count.
			c.addHook(ensureOther, hookFor(t, p, baseSpec()))
			// A hook on this repository with another URL must not count either.
			other := baseSpec()
			other.URL = "https://ci.example.com/hooks/other"
			c.addHook(ensureRepo, hookFor(t, p, other))

			h, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, baseSpec())
			if err != nil {
				t.Fatalf("EnsureWebhook: %v", err)
			}
			if res != bitbucket.EnsureCreated {
				t.Errorf("result = %s, want created", res)
			}
			if h == nil || h.URL != baseSpec().URL || !h.Active || !h.HasSecret {
				t.Errorf("webhook = %+v, want the created one", h)
			}
			if w := c.Writes(); !slices.Equal(w, []string{"CreateWebhook acme/widgets https://ci.example.com/hooks/bitbucket"}) {
				t.Errorf("writes = %q, want one create", w)
			}
			if n := len(c.Hooks(ensureRepo)); n != 2 {
				t.Errorf("repository has %d hooks, want 2", n)
			}
		})
	}
}

func TestEnsureWebhookIdempotent(t *testing.T) {
	t.Parallel()
	for _, p := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			c := newMemConnector(p)
			ctx := context.Background()
			first, res, err := bitbucket.EnsureWebhook(ctx, c, ensureRepo, baseSpec())
			if err != nil || res != bitbucket.EnsureCreated {
				t.Fatalf("first EnsureWebhook = %s, %v; want created", res, err)
			}
			before := len(c.Writes())
			for i := range 3 {
				h, res, err := bitbucket.EnsureWebhook(ctx, c, ensureRepo, baseSpec())
				if err != nil {
					t.Fatalf("call %d: %v", i+2, err)
				}
				if res != bitbucket.EnsureUnchanged {
					t.Errorf("call %d: result = %s, want unchanged", i+2, res)
				}
				if h == nil || h.ID != first.ID {
					t.Errorf("call %d: webhook = %+v, want the one created (id %s)", i+2, h, first.ID)
				}
			}
			if w := c.Writes(); len(w) != before {
				t.Errorf("repeated EnsureWebhook wrote %q, want no write at all", w[before:])
			}
			if n := len(c.Hooks(ensureRepo)); n != 1 {
				t.Errorf("repository has %d hooks, want 1", n)
			}
		})
	}
}

func TestEnsureWebhookUnchangedEquivalentEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		provider bitbucket.Provider
		hook     func(*bitbucket.Webhook)
		spec     func(*bitbucket.WebhookSpec)
	}{
		{"events in another order with a repeat", bitbucket.Cloud, nil, func(s *bitbucket.WebhookSpec) {
			s.Events = []bitbucket.Event{bitbucket.EventPullRequestUpdated, bitbucket.EventPush, bitbucket.EventPullRequestOpened, bitbucket.EventPush}
		}},
		{"spec names a neutral event by its native keys", bitbucket.Server, nil, func(s *bitbucket.WebhookSpec) {
			s.Events = []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened}
			s.NativeEvents = []string{"pr:modified", "pr:from_ref_updated"}
		}},
		{"spec secret empty, hook has one", bitbucket.Server, nil, func(s *bitbucket.WebhookSpec) { s.Secret = "" }},
		{"spec secret differs from the unreadable one", bitbucket.Cloud, nil, func(s *bitbucket.WebhookSpec) { s.Secret = "another" }},
		{"native keys kept as given", bitbucket.Cloud,
			func(h *bitbucket.Webhook) { h.NativeEvents = []string{"repo:commit_status_created"} },
			func(s *bitbucket.WebhookSpec) { s.NativeEvents = []string{"repo:commit_status_created"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newMemConnector(tt.provider)
			h := hookFor(t, tt.provider, baseSpec())
			if tt.hook != nil {
				tt.hook(&h)
			}
			seeded := c.addHook(ensureRepo, h)
			spec := baseSpec()
			tt.spec(&spec)
			got, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, spec)
			if err != nil || res != bitbucket.EnsureUnchanged {
				t.Fatalf("EnsureWebhook = %s, %v; want unchanged", res, err)
			}
			if got.ID != seeded.ID {
				t.Errorf("webhook id = %s, want %s", got.ID, seeded.ID)
			}
			if w := c.Writes(); len(w) != 0 {
				t.Errorf("writes = %q, want none", w)
			}
		})
	}
}

func TestEnsureWebhookUpdated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hook func(*bitbucket.Webhook) // how the existing hook differs from baseSpec
		spec func(*bitbucket.WebhookSpec)
	}{
		{"missing event", func(h *bitbucket.Webhook) { h.Events = h.Events[:1] }, nil},
		{"extra event", func(h *bitbucket.Webhook) {
			h.Events = append(h.Events, bitbucket.EventPullRequestMerged)
		}, nil},
		{"extra native event", func(h *bitbucket.Webhook) { h.NativeEvents = []string{"repo:fork"} }, nil},
		{"spec adds a native event", nil, func(s *bitbucket.WebhookSpec) { s.NativeEvents = []string{"repo:fork"} }},
		{"description", func(h *bitbucket.Webhook) { h.Description = "old description" }, nil},
		{"inactive", func(h *bitbucket.Webhook) { h.Active = false }, nil},
		{"spec disabled", nil, func(s *bitbucket.WebhookSpec) { s.Disabled = true }},
		{"secret added", func(h *bitbucket.Webhook) { h.HasSecret = false }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newMemConnector(bitbucket.Cloud)
			h := hookFor(t, bitbucket.Cloud, baseSpec())
			if tt.hook != nil {
				tt.hook(&h)
			}
			seeded := c.addHook(ensureRepo, h)
			spec := baseSpec()
			if tt.spec != nil {
				tt.spec(&spec)
			}
			got, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, spec)
			if err != nil {
				t.Fatalf("EnsureWebhook: %v", err)
			}
			if res != bitbucket.EnsureUpdated {
				t.Errorf("result = %s, want updated", res)
			}
			if w := c.Writes(); !slices.Equal(w, []string{"UpdateWebhook acme/widgets " + seeded.ID}) {
				t.Errorf("writes = %q, want one update of hook %s", w, seeded.ID)
			}
			if got == nil || got.ID != seeded.ID || got.Description != spec.Description || got.Active == spec.Disabled || !got.HasSecret {
				t.Errorf("webhook = %+v, want the updated hook", got)
			}
			// Once updated, the same spec is unchanged.
			if _, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, spec); err != nil || res != bitbucket.EnsureUnchanged {
				t.Errorf("EnsureWebhook after the update = %s, %v; want unchanged", res, err)
			}
			if n := len(c.Writes()); n != 1 {
				t.Errorf("%d writes in all, want 1", n)
			}
		})
	}
}

func TestEnsureWebhookDuplicates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		oldestDiff bool // the oldest differs from the spec
	}{{"oldest as wanted", false}, {"oldest differs", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newMemConnector(bitbucket.Cloud)
			h := hookFor(t, bitbucket.Cloud, baseSpec())

			newer := h
			newer.CreatedAt = t0.Add(time.Hour)
			newer.URL = "https://ci.example.com/hooks/bitbucket/"
			oldest := h
			oldest.CreatedAt = t0.Add(-time.Hour)
			if tt.oldestDiff {
				oldest.Description = "stale"
			}
			undated := h
			undated.CreatedAt = time.Time{}
			middle := h // same as wanted, but not the oldest

			a := c.addHook(ensureRepo, newer)
			b := c.addHook(ensureRepo, undated)
			o := c.addHook(ensureRepo, oldest)
			d := c.addHook(ensureRepo, middle)

			rep, err := bitbucket.EnsureWebhookReport(context.Background(), c, ensureRepo, baseSpec())
			if err != nil {
				t.Fatalf("EnsureWebhookReport: %v", err)
			}
			if rep.Webhook == nil || rep.Webhook.ID != o.ID {
				t.Errorf("kept webhook = %+v, want the oldest (id %s)", rep.Webhook, o.ID)
			}
			var dupIDs []string
			for _, d := range rep.Duplicates {
				dupIDs = append(dupIDs, d.ID)
			}
			slices.Sort(dupIDs)
			wantDups := []string{a.ID, b.ID, d.ID}
			slices.Sort(wantDups)
			if !slices.Equal(dupIDs, wantDups) {
				t.Errorf("Duplicates = %q, want %q", dupIDs, wantDups)
			}
			var wantWrites []string
			wantRes := bitbucket.EnsureUnchanged
			if tt.oldestDiff {
				wantWrites = []string{"UpdateWebhook acme/widgets " + o.ID}
				wantRes = bitbucket.EnsureUpdated
			}
			if rep.Result != wantRes {
				t.Errorf("Result = %s, want %s", rep.Result, wantRes)
			}
			if w := c.Writes(); !slices.Equal(w, wantWrites) {
				t.Errorf("writes = %q, want %q (never a create, never a touch of a duplicate)", w, wantWrites)
			}
			if n := len(c.Hooks(ensureRepo)); n != 4 {
				t.Errorf("repository has %d hooks, want the 4 it had", n)
			}
		})
	}
}

func TestEnsureWebhookURLNormalisation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		existing, spec string
		same           bool
	}{
		{"https://ci.example.com/hooks/bitbucket", "https://ci.example.com/hooks/bitbucket", true},
		{"HTTPS://CI.Example.COM/hooks/bitbucket", "https://ci.example.com/hooks/bitbucket", true},
		{"https://ci.example.com/hooks/bitbucket/", "https://ci.example.com/hooks/bitbucket", true},
		{"https://ci.example.com/hooks/bitbucket", "https://ci.example.com/hooks/bitbucket/", true},
		{"https://ci.example.com", "https://ci.example.com/", true},
		{"https://CI.example.com:8443/h/", "https://ci.example.com:8443/h", true},
		{" https://ci.example.com/hooks/bitbucket", "https://ci.example.com/hooks/bitbucket", true},
		{"https://ci.example.com/hooks/bitbucket?tenant=a", "https://ci.example.com/hooks/bitbucket?tenant=a", true},
		// Path and query are case-sensitive and significant.
		{"https://ci.example.com/Hooks/Bitbucket", "https://ci.example.com/hooks/bitbucket", false},
		{"https://ci.example.com/hooks/bitbucket?tenant=a", "https://ci.example.com/hooks/bitbucket?tenant=b", false},
		{"http://ci.example.com/hooks/bitbucket", "https://ci.example.com/hooks/bitbucket", false},
		{"https://ci.example.com:8443/hooks/bitbucket", "https://ci.example.com/hooks/bitbucket", false},
		{"https://ci.example.com/hooks/bitbucket2", "https://ci.example.com/hooks/bitbucket", false},
	}
	for _, tt := range tests {
		t.Run(tt.existing+" vs "+tt.spec, func(t *testing.T) {
			t.Parallel()
			c := newMemConnector(bitbucket.Cloud)
			spec := baseSpec()
			h := hookFor(t, bitbucket.Cloud, spec)
			h.URL = tt.existing
			seeded := c.addHook(ensureRepo, h)
			spec.URL = tt.spec
			got, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, spec)
			if err != nil {
				t.Fatalf("EnsureWebhook: %v", err)
			}
			if tt.same {
				if res != bitbucket.EnsureUnchanged || got.ID != seeded.ID {
					t.Errorf("result = %s (id %s), want unchanged on hook %s", res, got.ID, seeded.ID)
				}
				if w := c.Writes(); len(w) != 0 {
					t.Errorf("writes = %q, want none", w)
				}
			} else if res != bitbucket.EnsureCreated {
				t.Errorf("result = %s, want created: the URLs differ", res)
			}
		})
	}
}

func TestEnsureWebhookInvalidSpec(t *testing.T) {
	t.Parallel()
	tests := map[string]func(*bitbucket.WebhookSpec){
		"no URL":           func(s *bitbucket.WebhookSpec) { s.URL = "" },
		"relative URL":     func(s *bitbucket.WebhookSpec) { s.URL = "/hooks/bitbucket" },
		"no host":          func(s *bitbucket.WebhookSpec) { s.URL = "https:///hooks" },
		"ftp":              func(s *bitbucket.WebhookSpec) { s.URL = "ftp://ci.example.com/hooks?token=tok-SECRET-123" },
		"unparsable":       func(s *bitbucket.WebhookSpec) { s.URL = "https://ci.example.com/%zz?token=tok-SECRET-123" },
		"control char":     func(s *bitbucket.WebhookSpec) { s.URL = "https://ci.example.com/\x00" },
		"no events":        func(s *bitbucket.WebhookSpec) { s.Events = nil; s.URL += "?token=tok-SECRET-123" },
		"empty event list": func(s *bitbucket.WebhookSpec) { s.Events = []bitbucket.Event{}; s.NativeEvents = []string{} },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newMemConnector(bitbucket.Cloud)
			spec := baseSpec()
			mutate(&spec)
			h, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, spec)
			if !errors.Is(err, bitbucket.ErrInvalidInput) {
				t.Errorf("error = %v, want ErrInvalidInput", err)
			}
			if h != nil || res != 0 {
				t.Errorf("got %+v, %s with the error; want nil and no result", h, res)
			}
			if calls := c.Calls(); len(calls) != 0 {
				t.Errorf("calls = %q, want no request at all", calls)
			}
			if err != nil && strings.Contains(err.Error(), "tok-SECRET-123") {
				t.Errorf("error %q echoes a secret from the URL", err)
			}
		})
	}
}

func TestEnsureWebhookErrors(t *testing.T) {
	t.Parallel()
	boom := &bitbucket.APIError{StatusCode: 401, Code: "com.atlassian.bitbucket.AuthorisationException"}
	t.Run("list fails", func(t *testing.T) {
		t.Parallel()
		c := newMemConnector(bitbucket.Server)
		c.fail["ListWebhooks"] = boom
		_, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, baseSpec())
		if !errors.Is(err, bitbucket.ErrForbidden) || res != 0 {
			t.Errorf("EnsureWebhook = %s, %v; want no result and the list error", res, err)
		}
		if w := c.Writes(); len(w) != 0 {
			t.Errorf("writes = %q after a failed list, want none", w)
		}
	})
	t.Run("create fails", func(t *testing.T) {
		t.Parallel()
		c := newMemConnector(bitbucket.Server)
		c.fail["CreateWebhook"] = boom
		h, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, baseSpec())
		if !errors.Is(err, boom) || res != 0 || h != nil {
			t.Errorf("EnsureWebhook = %v, %s, %v; want nil, no result and the create error", h, res, err)
		}
		if w := c.Writes(); len(w) != 1 {
			t.Errorf("writes = %q, want the single failed create (never a retry)", w)
		}
	})
	t.Run("update fails", func(t *testing.T) {
		t.Parallel()
		c := newMemConnector(bitbucket.Server)
		h := hookFor(t, bitbucket.Server, baseSpec())
		h.Description = "old"
		seeded := c.addHook(ensureRepo, h)
		c.fail["UpdateWebhook"] = boom
		rep, err := bitbucket.EnsureWebhookReport(context.Background(), c, ensureRepo, baseSpec())
		if !errors.Is(err, boom) {
			t.Errorf("error = %v, want the update error", err)
		}
		if rep.Result == bitbucket.EnsureUpdated {
			t.Errorf("Result = updated although the update failed")
		}
		if rep.Webhook != nil && rep.Webhook.ID != seeded.ID {
			t.Errorf("Webhook = %+v, want the matched hook or nil", rep.Webhook)
		}
		if w := c.Writes(); slices.ContainsFunc(w, func(s string) bool { return strings.HasPrefix(s, "Create") }) {
			t.Errorf("writes = %q: a failed update must not fall back to a create", w)
		}
	})
}

func TestEnsureWebhookUnsupportedEvent(t *testing.T) {
	t.Parallel()
	c := newMemConnector(bitbucket.Cloud)
	c.addHook(ensureRepo, hookFor(t, bitbucket.Cloud, baseSpec()))
	spec := baseSpec()
	spec.Events = append(spec.Events, bitbucket.Event("pull_request.approved")) // no such neutral event
	_, res, err := bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, spec)
	if !errors.Is(err, bitbucket.ErrNotSupported) || res != 0 {
		t.Errorf("EnsureWebhook = %s, %v; want ErrNotSupported", res, err)
	}
	if calls := c.Calls(); len(calls) != 0 {
		t.Errorf("calls = %q, want no request at all", calls)
	}
}
