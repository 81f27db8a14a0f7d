package bitbucket

import (
	"context"
	"errors"
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
	// Webhook is the hook that serves the spec: the repository's, or with Inherited set the
	// namespace hook the repository inherits.
	Webhook *Webhook
	Result  EnsureResult
	// Duplicates are the other repository hooks with the same URL, left alone. Empty in the
	// common case.
	Duplicates []*Webhook
	// Omitted are events of the spec that no webhook subscribes to, because Bitbucket delivers
	// them without a subscription (EventPing: Data Center's "Test connection").
	Omitted []Event
	// Inherited is true when Webhook is a hook the repository inherits (a Data Center project hook
	// or a Cloud workspace hook) with the spec's URL: it already delivers every event of the
	// repository, so no repository hook was written. Result is EnsureUnchanged.
	Inherited bool
	// InheritedUnread is true when the credentials may not read the hooks the repository inherits
	// (they need project or workspace admin). The outcome then rests on the repository's hooks
	// alone, and an inherited hook with the same URL, if one exists, delivers every event twice.
	InheritedUnread bool
	// Removed are repository hooks with the spec's URL that this call created while another process
	// created one too, and deleted again so that one hook remains.
	Removed []*Webhook
}

// EnsureWebhook makes repo carry a webhook as spec describes, writing only when needed; see
// EnsureWebhookReport. It never creates a second hook for a URL that already has one.
func EnsureWebhook(ctx context.Context, c Connector, repo RepoRef, spec WebhookSpec) (*Webhook, EnsureResult, error) {
	r, err := EnsureWebhookReport(ctx, c, repo, spec)
	return r.Webhook, r.Result, err
}

// InheritedWebhookLister is implemented by Connectors that can read the webhooks a repository
// inherits from its namespace (Data Center project hooks, Cloud workspace hooks), which fire for
// every repository in it. cloud.Client and server.Client implement it.
type InheritedWebhookLister interface {
	// ListInheritedWebhooks returns the hooks repo inherits. Credentials that may not read them
	// get an error matching ErrForbidden.
	ListInheritedWebhooks(ctx context.Context, repo RepoRef) ([]*Webhook, error)
}

// EnsureWebhookReport finds the hooks of repo whose URL matches spec.URL once normalised (scheme
// and host case-insensitive, trailing slash ignored).
//
// First, when c is an InheritedWebhookLister and the credentials may read them, the hooks repo
// inherits: an active one with the URL serves, and nothing is written (Inherited). Then the
// repository's own: with none it creates one; with one or more, it takes the oldest, reports the
// others as Duplicates and leaves them alone, and updates it only when its events, description or
// active state differ from spec, or when spec has a secret and the hook has none. Secrets cannot be
// read back, so a hook that has one is never rewritten to rotate it: call UpdateWebhook for that.
//
// Calls for the same repository and URL run one at a time within a process. Across processes,
// a create is followed by a second read: when another process created a hook with the URL first,
// the one created here is deleted again (Removed) and the older one is used, so one hook remains.
// EventPing is never subscribed (Omitted).
func EnsureWebhookReport(ctx context.Context, c Connector, repo RepoRef, spec WebhookSpec) (EnsureReport, error) {
	if err := spec.Validate(); err != nil {
		return EnsureReport{}, err
	}
	var report EnsureReport
	_, report.Omitted = SplitSubscribable(spec.Events)
	// An event the provider does not have fails before any request.
	if _, known := nativeEvents[c.Provider()]; known {
		if _, err := EncodeEvents(c.Provider(), spec.Events, nil); err != nil {
			return EnsureReport{}, err
		}
	}
	want := normalizeHookURL(spec.URL)
	unlock, err := ensureLocks.lock(ctx, ensureKey{c.Provider(), repo, want})
	if err != nil {
		return EnsureReport{}, err
	}
	defer unlock()

	if l, ok := c.(InheritedWebhookLister); ok {
		inherited, err := l.ListInheritedWebhooks(ctx, repo)
		switch {
		case errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotFound):
			report.InheritedUnread = true
		case err != nil:
			return EnsureReport{}, err
		}
		for _, h := range matching(inherited, want) {
			if h.Active {
				report.Webhook, report.Result, report.Inherited = h, EnsureUnchanged, true
				return report, nil
			}
		}
	}

	hooks, err := c.ListWebhooks(ctx, repo)
	if err != nil {
		return EnsureReport{}, err
	}
	matches := matching(hooks, want)
	if len(matches) == 0 {
		created, err := c.CreateWebhook(ctx, repo, spec)
		if err != nil {
			return EnsureReport{}, err
		}
		if matches, err = settleCreate(ctx, c, repo, want, created, &report); err != nil || matches == nil {
			return report, err
		}
	}
	oldest := oldestHook(matches)
	report.Webhook, report.Result = oldest, EnsureUnchanged
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

// settleCreate reads the hooks again after this call created one. When the created hook is the
// oldest with the URL (the common case) the result is EnsureCreated, and matches is nil. When
// another process created one first, the one created here is deleted and the remaining matches
// are returned, for the caller to treat as found.
func settleCreate(ctx context.Context, c Connector, repo RepoRef, want string, created *Webhook, report *EnsureReport) ([]*Webhook, error) {
	report.Webhook, report.Result = created, EnsureCreated
	hooks, err := c.ListWebhooks(ctx, repo)
	if err != nil {
		return nil, nil // the hook exists; a failed second read is no reason to fail the call
	}
	matches := matching(hooks, want)
	if len(matches) < 2 {
		return nil, nil
	}
	oldest := oldestHook(matches)
	if oldest.ID == created.ID {
		return nil, nil // ours came first: the other process removes its own
	}
	if err := c.DeleteWebhook(ctx, repo, created.ID); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	report.Removed = append(report.Removed, created)
	report.Webhook, report.Result = nil, 0
	return slices.DeleteFunc(matches, func(h *Webhook) bool { return h.ID == created.ID }), nil
}

// matching returns the hooks whose normalised URL is want.
func matching(hooks []*Webhook, want string) []*Webhook {
	var out []*Webhook
	for _, h := range hooks {
		if h != nil && normalizeHookURL(h.URL) == want {
			out = append(out, h)
		}
	}
	return out
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
