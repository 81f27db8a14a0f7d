package bitbucket

import (
	"context"
	"net/url"
	"slices"
	"strings"
)

// EnsureResult says what EnsureWebhook did. The zero value means "no result".
type EnsureResult int

// The outcomes of EnsureWebhook.
const (
	EnsureUnchanged EnsureResult = iota + 1 // a matching hook was already as wanted; nothing written
	EnsureCreated                           // no hook had the URL; one was created
	EnsureUpdated                           // the matching hook differed and was updated
)

// String returns "unchanged", "created", "updated", or "none" for the zero value.
func (r EnsureResult) String() string {
	switch r {
	case EnsureUnchanged:
		return "unchanged"
	case EnsureCreated:
		return "created"
	case EnsureUpdated:
		return "updated"
	}
	return "none"
}

// EnsureReport is the full outcome of EnsureWebhookReport.
type EnsureReport struct {
	Webhook *Webhook
	Result  EnsureResult
	// Duplicates are the other hooks with the same URL, left alone. Empty in the common case.
	Duplicates []*Webhook
}

// EnsureWebhook makes repo carry a webhook as spec describes, writing only when needed; see
// EnsureWebhookReport. It never creates a second hook for a URL that already has one.
func EnsureWebhook(ctx context.Context, c Connector, repo RepoRef, spec WebhookSpec) (*Webhook, EnsureResult, error) {
	r, err := EnsureWebhookReport(ctx, c, repo, spec)
	return r.Webhook, r.Result, err
}

// EnsureWebhookReport finds the hooks of repo whose URL matches spec.URL once normalised (scheme
// and host case-insensitive, trailing slash ignored). With none it creates one. With one or more,
// it takes the oldest, reports the others as Duplicates and leaves them alone, and updates it only
// when its events, description or active state differ from spec, or when spec has a secret and the
// hook has none. Secrets cannot be read back, so a hook that has one is never rewritten to rotate
// it: call UpdateWebhook for that.
func EnsureWebhookReport(ctx context.Context, c Connector, repo RepoRef, spec WebhookSpec) (EnsureReport, error) {
	if err := spec.Validate(); err != nil {
		return EnsureReport{}, err
	}
	// An event the provider does not have (ping on Cloud) fails before any request.
	if _, known := nativeEvents[c.Provider()]; known {
		if _, err := EncodeEvents(c.Provider(), spec.Events, nil); err != nil {
			return EnsureReport{}, err
		}
	}
	hooks, err := c.ListWebhooks(ctx, repo)
	if err != nil {
		return EnsureReport{}, err
	}
	want := normalizeHookURL(spec.URL)
	var matches []*Webhook
	for _, h := range hooks {
		if h != nil && normalizeHookURL(h.URL) == want {
			matches = append(matches, h)
		}
	}
	if len(matches) == 0 {
		h, err := c.CreateWebhook(ctx, repo, spec)
		if err != nil {
			return EnsureReport{}, err
		}
		return EnsureReport{Webhook: h, Result: EnsureCreated}, nil
	}
	oldest := oldestHook(matches)
	report := EnsureReport{Webhook: oldest, Result: EnsureUnchanged}
	for _, h := range matches {
		if h != oldest {
			report.Duplicates = append(report.Duplicates, h)
		}
	}
	if !hookNeedsUpdate(c.Provider(), oldest, spec) {
		return report, nil
	}
	updated, err := c.UpdateWebhook(ctx, repo, oldest.ID, spec)
	if err != nil {
		return report, err
	}
	report.Webhook, report.Result = updated, EnsureUpdated
	return report, nil
}

// oldestHook returns the hook created first; hooks with no creation time keep their list order.
func oldestHook(hooks []*Webhook) *Webhook {
	oldest := hooks[0]
	for _, h := range hooks[1:] {
		if !h.CreatedAt.IsZero() && (oldest.CreatedAt.IsZero() || h.CreatedAt.Before(oldest.CreatedAt)) {
			oldest = h
		}
	}
	return oldest
}

// hookNeedsUpdate reports whether h differs from spec in anything EnsureWebhook manages.
func hookNeedsUpdate(p Provider, h *Webhook, spec WebhookSpec) bool {
	return !sameEvents(p, h, spec) ||
		h.Description != spec.Description ||
		h.Active == spec.Disabled ||
		(spec.Secret != "" && !h.HasSecret)
}

// sameEvents compares the provider keys that h and spec subscribe to, so that a spec naming as
// native keys what the provider reports as a neutral event (or the reverse) still matches. When
// either side cannot be encoded it falls back to comparing the lists as given.
func sameEvents(p Provider, h *Webhook, spec WebhookSpec) bool {
	have, errHave := EncodeEvents(p, h.Events, h.NativeEvents)
	want, errWant := EncodeEvents(p, spec.Events, spec.NativeEvents)
	if errHave == nil && errWant == nil {
		return slices.Equal(have, want)
	}
	return sameSet(h.Events, spec.Events) && sameSet(h.NativeEvents, spec.NativeEvents)
}

func sameSet[T ~string](a, b []T) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// normalizeHookURL lower-cases scheme and host and drops a trailing slash, so that URLs a user
// would call the same compare equal.
func normalizeHookURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return strings.TrimSuffix(strings.TrimSpace(raw), "/")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u.String()
}
