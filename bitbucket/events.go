package bitbucket

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
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
	},
}

// parseOnlyEvents are keys recognised in deliveries that a webhook never subscribes to by the
// neutral name: Cloud sends pullrequest:push for new commits on some hooks, and Data Center sends
// diagnostics:ping from "Test connection", a key it refuses as a subscription (reference §5).
var parseOnlyEvents = map[Provider]map[string]Event{
	Cloud:  {"pullrequest:push": EventPullRequestUpdated},
	Server: {"diagnostics:ping": EventPing},
}

// Unsubscribable reports whether e is delivered without any subscription, so that a webhook never
// asks for it: EventPing, which Data Center sends on "Test connection" to every hook and refuses
// as a subscription key, and which Cloud does not have.
func Unsubscribable(e Event) bool { return e == EventPing }

// unsubscribableKeys are native keys that are never sent as subscriptions.
var unsubscribableKeys = map[string]bool{"diagnostics:ping": true}

// SplitSubscribable returns the events of a spec that a webhook subscribes to, and those left out
// because Bitbucket delivers them without a subscription (see Unsubscribable).
func SplitSubscribable(events []Event) (subscribed, omitted []Event) {
	for _, e := range events {
		if Unsubscribable(e) {
			omitted = append(omitted, e)
		} else {
			subscribed = append(subscribed, e)
		}
	}
	return subscribed, omitted
}

// NativeEventKeys returns the provider event keys that subscribe to e, or ErrNotSupported when the
// provider has no such subscription (EventPing has none anywhere: see Unsubscribable).
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

// EncodeEvents turns neutral and native events into the provider's sorted, de-duplicated
// subscription key list. Events delivered without a subscription (EventPing, diagnostics:ping)
// are left out on both providers; SplitSubscribable says which.
func EncodeEvents(p Provider, events []Event, native []string) ([]string, error) {
	var keys []string
	for _, e := range events {
		if Unsubscribable(e) {
			continue
		}
		k, err := NativeEventKeys(p, e)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k...)
	}
	for _, k := range native {
		if !unsubscribableKeys[k] {
			keys = append(keys, k)
		}
	}
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

// Validate reports a spec that cannot become a webhook, as an error wrapping ErrInvalidInput: a
// URL that is not absolute http or https, or that carries userinfo (credentials that Bitbucket
// would store and show to every repository admin); a target on loopback, link-local or an
// unspecified address unless AllowLoopbackURL is set; a cloud metadata address always; or no event
// to subscribe to (EventPing alone is none: see Unsubscribable). Host names other than localhost are not resolved here.
func (s WebhookSpec) Validate() error {
	// The URL is not echoed in full: webhook URLs often carry a token in their path or query.
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%w: webhook URL must be an absolute http or https URL", ErrInvalidInput)
	}
	if u.User != nil {
		return fmt.Errorf("%w: webhook URL must not carry userinfo; use the webhook secret to authenticate deliveries", ErrInvalidInput)
	}
	if err := checkHookTarget(u.Hostname(), s.AllowLoopbackURL); err != nil {
		return err
	}
	if subscribed, _ := SplitSubscribable(s.Events); len(subscribed) == 0 && !slices.ContainsFunc(s.NativeEvents, func(k string) bool { return !unsubscribableKeys[k] }) {
		return fmt.Errorf("%w: webhook for %s://%s has no events to subscribe to", ErrInvalidInput, u.Scheme, u.Host)
	}
	return nil
}

// hookMetadataAddrs are the cloud instance-metadata endpoints; a webhook never targets them.
var hookMetadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IPv6
}

// checkHookTarget refuses a webhook host that points back at the machine Bitbucket runs on or at
// a metadata service. Names are not resolved, except localhost.
func checkHookTarget(host string, allowLoopback bool) error {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		if allowLoopback {
			return nil
		}
		return fmt.Errorf("%w: webhook URL targets localhost; set AllowLoopbackURL for a receiver on the same machine", ErrInvalidInput)
	}
	addr, err := netip.ParseAddr(h)
	if err != nil {
		return nil // a name: resolved by Bitbucket, not here
	}
	addr = addr.Unmap()
	forms := []netip.Addr{addr}
	if b := addr.As16(); addr.Is6() && [12]byte(b[:12]) == [12]byte{} {
		// The IPv4-compatible form ::a.b.c.d names an IPv4 address too.
		forms = append(forms, netip.AddrFrom4([4]byte(b[12:])))
	}
	for _, a := range forms {
		if slices.Contains(hookMetadataAddrs, a) {
			return fmt.Errorf("%w: webhook URL targets a cloud metadata address", ErrInvalidInput)
		}
		if (a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified()) && !allowLoopback {
			return fmt.Errorf("%w: webhook URL targets a loopback, link-local or unspecified address; set AllowLoopbackURL for a receiver on the same machine", ErrInvalidInput)
		}
	}
	return nil
}
