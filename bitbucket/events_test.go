package bitbucket_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

var allEvents = []bitbucket.Event{
	bitbucket.EventPush, bitbucket.EventPullRequestOpened, bitbucket.EventPullRequestUpdated,
	bitbucket.EventPullRequestMerged, bitbucket.EventPullRequestDeclined, bitbucket.EventPullRequestComment,
	bitbucket.EventPing,
}

func TestNativeEventKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    bitbucket.Provider
		e    bitbucket.Event
		want []string // nil: ErrNotSupported
	}{
		{bitbucket.Cloud, bitbucket.EventPush, []string{"repo:push"}},
		{bitbucket.Cloud, bitbucket.EventPullRequestOpened, []string{"pullrequest:created"}},
		{bitbucket.Cloud, bitbucket.EventPullRequestUpdated, []string{"pullrequest:updated"}},
		{bitbucket.Cloud, bitbucket.EventPullRequestMerged, []string{"pullrequest:fulfilled"}},
		{bitbucket.Cloud, bitbucket.EventPullRequestDeclined, []string{"pullrequest:rejected"}},
		{bitbucket.Cloud, bitbucket.EventPullRequestComment, []string{"pullrequest:comment_created"}},
		{bitbucket.Cloud, bitbucket.EventPing, nil},
		{bitbucket.Server, bitbucket.EventPush, []string{"repo:refs_changed"}},
		{bitbucket.Server, bitbucket.EventPullRequestOpened, []string{"pr:opened"}},
		{bitbucket.Server, bitbucket.EventPullRequestUpdated, []string{"pr:from_ref_updated", "pr:modified"}},
		{bitbucket.Server, bitbucket.EventPullRequestMerged, []string{"pr:merged"}},
		{bitbucket.Server, bitbucket.EventPullRequestDeclined, []string{"pr:declined"}},
		{bitbucket.Server, bitbucket.EventPullRequestComment, []string{"pr:comment:added"}},
		{bitbucket.Server, bitbucket.EventPing, nil}, // delivered without a subscription
		{bitbucket.Server, bitbucket.Event("pull_request.approved"), nil},
		{bitbucket.Provider("gitlab"), bitbucket.EventPush, nil},
	}
	for _, tt := range tests {
		got, err := bitbucket.NativeEventKeys(tt.p, tt.e)
		if tt.want == nil {
			if !errors.Is(err, bitbucket.ErrNotSupported) || got != nil {
				t.Errorf("NativeEventKeys(%s, %s) = %q, %v; want ErrNotSupported", tt.p, tt.e, got, err)
			}
			continue
		}
		slices.Sort(got)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("NativeEventKeys(%s, %s) = %q, %v; want %q", tt.p, tt.e, got, err, tt.want)
		}
	}
}

func TestNativeEventKeysReturnsACopy(t *testing.T) {
	t.Parallel()
	keys, err := bitbucket.NativeEventKeys(bitbucket.Server, bitbucket.EventPullRequestUpdated)
	if err != nil {
		t.Fatal(err)
	}
	keys[0] = "tampered"
	again, _ := bitbucket.NativeEventKeys(bitbucket.Server, bitbucket.EventPullRequestUpdated)
	if slices.Contains(again, "tampered") {
		t.Fatal("NativeEventKeys returned the package's own slice: a caller changed the mapping table")
	}
}

func TestEventForKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    bitbucket.Provider
		key  string
		want bitbucket.Event // "": no neutral name
	}{
		{bitbucket.Cloud, "repo:push", bitbucket.EventPush},
		{bitbucket.Cloud, "pullrequest:created", bitbucket.EventPullRequestOpened},
		{bitbucket.Cloud, "pullrequest:updated", bitbucket.EventPullRequestUpdated},
		{bitbucket.Cloud, "pullrequest:push", bitbucket.EventPullRequestUpdated},
		{bitbucket.Cloud, "pullrequest:fulfilled", bitbucket.EventPullRequestMerged},
		{bitbucket.Cloud, "pullrequest:rejected", bitbucket.EventPullRequestDeclined},
		{bitbucket.Cloud, "pullrequest:comment_created", bitbucket.EventPullRequestComment},
		{bitbucket.Cloud, "diagnostics:ping", ""},
		{bitbucket.Cloud, "pr:opened", ""},
		{bitbucket.Cloud, "repo:fork", ""},
		{bitbucket.Cloud, "", ""},
		{bitbucket.Server, "repo:refs_changed", bitbucket.EventPush},
		{bitbucket.Server, "pr:opened", bitbucket.EventPullRequestOpened},
		{bitbucket.Server, "pr:from_ref_updated", bitbucket.EventPullRequestUpdated},
		{bitbucket.Server, "pr:modified", bitbucket.EventPullRequestUpdated},
		{bitbucket.Server, "pr:merged", bitbucket.EventPullRequestMerged},
		{bitbucket.Server, "pr:declined", bitbucket.EventPullRequestDeclined},
		{bitbucket.Server, "pr:comment:added", bitbucket.EventPullRequestComment},
		{bitbucket.Server, "diagnostics:ping", bitbucket.EventPing},
		{bitbucket.Server, "repo:push", ""},
		{bitbucket.Server, "pullrequest:push", ""},
		{bitbucket.Server, "pr:reviewer:approved", ""},
		{bitbucket.Server, "PR:OPENED", ""},
	}
	for _, tt := range tests {
		got, ok := bitbucket.EventForKey(tt.p, tt.key)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("EventForKey(%s, %q) = %q, %v; want %q, %v", tt.p, tt.key, got, ok, tt.want, tt.want != "")
		}
	}
}

func TestEncodeEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		p       bitbucket.Provider
		events  []bitbucket.Event
		native  []string
		want    []string
		wantErr error
	}{
		{"cloud", bitbucket.Cloud, []bitbucket.Event{bitbucket.EventPullRequestUpdated, bitbucket.EventPush}, nil,
			[]string{"pullrequest:updated", "repo:push"}, nil},
		{"server updated expands to two keys", bitbucket.Server, []bitbucket.Event{bitbucket.EventPullRequestUpdated}, nil,
			[]string{"pr:from_ref_updated", "pr:modified"}, nil},
		{"server with native and repeats", bitbucket.Server,
			[]bitbucket.Event{bitbucket.EventPush, bitbucket.EventPing, bitbucket.EventPush},
			[]string{"pr:reviewer:approved", "repo:refs_changed"},
			[]string{"pr:reviewer:approved", "repo:refs_changed"}, nil},
		{"ping is never subscribed, neutral or native", bitbucket.Server,
			[]bitbucket.Event{bitbucket.EventPing, bitbucket.EventPush}, []string{"diagnostics:ping"},
			[]string{"repo:refs_changed"}, nil},
		{"native only", bitbucket.Cloud, nil, []string{"repo:fork"}, []string{"repo:fork"}, nil},
		{"nothing", bitbucket.Cloud, nil, nil, nil, nil},
		{"ping on cloud is left out too", bitbucket.Cloud, []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPing}, nil, []string{"repo:push"}, nil},
		{"unknown event", bitbucket.Server, []bitbucket.Event{"pull_request.approved"}, nil, nil, bitbucket.ErrNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bitbucket.EncodeEvents(tt.p, tt.events, tt.native)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Errorf("EncodeEvents = %q, %v; want %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("EncodeEvents = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDecodeEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		p          bitbucket.Provider
		keys       []string
		wantEvents []bitbucket.Event
		wantNative []string
	}{
		{"cloud", bitbucket.Cloud, []string{"repo:push", "pullrequest:fulfilled", "repo:fork"},
			[]bitbucket.Event{bitbucket.EventPullRequestMerged, bitbucket.EventPush}, []string{"repo:fork"}},
		{"server updated needs both keys", bitbucket.Server, []string{"pr:modified", "pr:from_ref_updated", "pr:opened"},
			[]bitbucket.Event{bitbucket.EventPullRequestOpened, bitbucket.EventPullRequestUpdated}, nil},
		{"server pr:modified alone stays native", bitbucket.Server, []string{"pr:modified", "repo:refs_changed"},
			[]bitbucket.Event{bitbucket.EventPush}, []string{"pr:modified"}},
		{"server pr:from_ref_updated alone stays native", bitbucket.Server, []string{"pr:from_ref_updated"},
			nil, []string{"pr:from_ref_updated"}},
		{"server ping is no subscription", bitbucket.Server, []string{"diagnostics:ping"}, nil, []string{"diagnostics:ping"}},
		{"cloud ping is native", bitbucket.Cloud, []string{"diagnostics:ping"}, nil, []string{"diagnostics:ping"}},
		{"repeats collapse", bitbucket.Cloud, []string{"repo:push", "repo:push", "x", "x"},
			[]bitbucket.Event{bitbucket.EventPush}, []string{"x"}},
		{"empty", bitbucket.Server, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, native := bitbucket.DecodeEvents(tt.p, tt.keys)
			if !slices.Equal(events, tt.wantEvents) || !slices.Equal(native, tt.wantNative) {
				t.Errorf("DecodeEvents(%q) = %q, %q; want %q, %q", tt.keys, events, native, tt.wantEvents, tt.wantNative)
			}
		})
	}
}

// Every neutral event survives encode then decode on every provider that supports it.
func TestEventsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		var supported []bitbucket.Event
		for _, e := range allEvents {
			if bitbucket.Unsubscribable(e) {
				continue
			}
			keys, err := bitbucket.EncodeEvents(p, []bitbucket.Event{e}, nil)
			if err != nil {
				t.Fatalf("%s: EncodeEvents(%s): %v", p, e, err)
			}
			supported = append(supported, e)
			events, native := bitbucket.DecodeEvents(p, keys)
			if !slices.Equal(events, []bitbucket.Event{e}) || len(native) != 0 {
				t.Errorf("%s: %s -> %q -> %q, %q; want it back alone", p, e, keys, events, native)
			}
			for _, k := range keys {
				if got, ok := bitbucket.EventForKey(p, k); !ok || got != e {
					t.Errorf("%s: EventForKey(%q) = %q, %v; want %s", p, k, got, ok, e)
				}
			}
		}
		keys, err := bitbucket.EncodeEvents(p, supported, []string{"custom:key"})
		if err != nil {
			t.Fatal(err)
		}
		events, native := bitbucket.DecodeEvents(p, keys)
		want := slices.Clone(supported)
		slices.Sort(want)
		if !slices.Equal(events, want) || !slices.Equal(native, []string{"custom:key"}) {
			t.Errorf("%s: all events round trip to %q, %q; want %q, [custom:key]", p, events, native, want)
		}
		wantCount := len(allEvents) - 1 // ping is delivered, never subscribed
		if len(supported) != wantCount {
			t.Errorf("%s supports %d neutral events, want %d", p, len(supported), wantCount)
		}
	}
}

func TestEventForKeyStillParsesPing(t *testing.T) {
	t.Parallel()
	if e, ok := bitbucket.EventForKey(bitbucket.Server, "diagnostics:ping"); !ok || e != bitbucket.EventPing {
		t.Fatalf("EventForKey(server, diagnostics:ping) = %q, %v", e, ok)
	}
	sub, omitted := bitbucket.SplitSubscribable([]bitbucket.Event{bitbucket.EventPush, bitbucket.EventPing})
	if !slices.Equal(sub, []bitbucket.Event{bitbucket.EventPush}) || !slices.Equal(omitted, []bitbucket.Event{bitbucket.EventPing}) {
		t.Fatalf("SplitSubscribable = %q, %q", sub, omitted)
	}
}
