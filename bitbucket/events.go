package bitbucket

import (
	"fmt"
	"net/url"
	"slices"
)

// nativeEvents maps each neutral event to the provider keys a webhook subscribes to. The first key
// of each list is the one a parser sees most; every key listed is also recognised when parsing.
var nativeEvents = map[Provider]map[Event][]string{
	Cloud: {
		EventPush:                {"repo:push"},
		EventPullRequestOpened:   {"pullrequest:created"},
		EventPullRequestUpdated:  {"pullrequest:updated"},
		EventPullRequestMerged:   {"pullrequest:fulfilled"},
		EventPullRequestDeclined: {"pullrequest:rejected"},
		EventPullRequestComment:  {"pullrequest:comment_created"},
	},
	Server: {
		EventPush:                {"repo:refs_changed"},
		EventPullRequestOpened:   {"pr:opened"},
		EventPullRequestUpdated:  {"pr:from_ref_updated", "pr:modified"},
		EventPullRequestMerged:   {"pr:merged"},
		EventPullRequestDeclined: {"pr:declined"},
		EventPullRequestComment:  {"pr:comment:added"},
		EventPing:                {"diagnostics:ping"},
	},
}

// parseOnlyEvents are keys recognised in deliveries that a webhook never subscribes to by the
// neutral name (Cloud sends pullrequest:push for new commits on some hooks).
var parseOnlyEvents = map[Provider]map[string]Event{
	Cloud: {"pullrequest:push": EventPullRequestUpdated},
}

// NativeEventKeys returns the provider event keys that subscribe to e, or ErrNotSupported when the
// provider has no such event (ping exists on Data Center only).
func NativeEventKeys(p Provider, e Event) ([]string, error) {
	keys, ok := nativeEvents[p][e]
	if !ok {
		return nil, fmt.Errorf("%w: event %q on %s", ErrNotSupported, e, p)
	}
	return slices.Clone(keys), nil
}

// EventForKey returns the neutral event for a provider event key, and false when the key has no
// neutral name.
func EventForKey(p Provider, key string) (Event, bool) {
	if e, ok := parseOnlyEvents[p][key]; ok {
		return e, true
	}
	for e, keys := range nativeEvents[p] {
		if slices.Contains(keys, key) {
			return e, true
		}
	}
	return "", false
}

// EncodeEvents turns neutral and native events into the provider's sorted, de-duplicated key list.
func EncodeEvents(p Provider, events []Event, native []string) ([]string, error) {
	var keys []string
	for _, e := range events {
		k, err := NativeEventKeys(p, e)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k...)
	}
	keys = append(keys, native...)
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// DecodeEvents splits provider keys into neutral events and the native keys with no neutral name.
// A neutral event whose keys are only partly present (Data Center pr:modified without
// pr:from_ref_updated) is not reported; its keys stay native. Both results are sorted.
func DecodeEvents(p Provider, keys []string) (events []Event, native []string) {
	have := make(map[string]bool, len(keys))
	for _, k := range keys {
		have[k] = true
	}
	used := make(map[string]bool, len(keys))
	for e, want := range nativeEvents[p] {
		all := true
		for _, k := range want {
			all = all && have[k]
		}
		if all {
			events = append(events, e)
			for _, k := range want {
				used[k] = true
			}
		}
	}
	for k := range have {
		if !used[k] {
			native = append(native, k)
		}
	}
	slices.Sort(events)
	slices.Sort(native)
	return events, native
}

// Validate reports a spec that cannot become a webhook: no URL, a URL that is not absolute http or
// https, or no event at all. The error wraps ErrInvalidInput.
func (s WebhookSpec) Validate() error {
	// The URL is not echoed in full: webhook URLs often carry a token in their path or query.
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: webhook URL must be an absolute http or https URL", ErrInvalidInput)
	}
	if len(s.Events) == 0 && len(s.NativeEvents) == 0 {
		return fmt.Errorf("%w: webhook for %s://%s has no events", ErrInvalidInput, u.Scheme, u.Host)
	}
	return nil
}
