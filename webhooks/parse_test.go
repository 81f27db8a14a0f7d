package webhooks

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestParseOptionsRequireSecretOrAllowUnsigned(t *testing.T) {
	body := readFixture(t, "cloud_push_update.json")
	_, err := Parse(delivery(bitbucket.Cloud, "repo:push", body, testSecret), Options{})
	if !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Fatalf("Parse with zero Options = %v, want ErrInvalidInput", err)
	}
}

func TestParseSignaturePolicy(t *testing.T) {
	body := readFixture(t, "cloud_push_update.json")
	tests := []struct {
		name string
		opts Options
		sig  string // "" leaves the header out
		want error
	}{
		{"signed", Options{Secret: testSecret}, Sign(testSecret, body), nil},
		{"unsigned", Options{Secret: testSecret}, "", ErrMissingSignature},
		{"wrong secret", Options{Secret: testSecret}, Sign([]byte("nope"), body), ErrInvalidSignature},
		{"sha1", Options{Secret: testSecret}, "sha1=0123456789abcdef0123456789abcdef01234567", ErrInvalidSignature},
		{"short header", Options{Secret: testSecret}, "sha256=ab", ErrInvalidSignature},
		{"allow unsigned, none sent", Options{AllowUnsigned: true}, "", nil},
		{"allow unsigned with secret, none sent", Options{Secret: testSecret, AllowUnsigned: true}, "", nil},
		{"allow unsigned with secret, wrong one sent", Options{Secret: testSecret, AllowUnsigned: true}, Sign([]byte("nope"), body), ErrInvalidSignature},
		{"allow unsigned without secret, something sent", Options{AllowUnsigned: true}, "sha256=00", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := delivery(bitbucket.Cloud, "repo:push", body, nil)
			if tt.sig != "" {
				r.Header.Set("X-Hub-Signature", tt.sig)
			}
			ev, err := Parse(r, tt.opts)
			if tt.want == nil {
				if err != nil || ev == nil || ev.Type != bitbucket.EventPush {
					t.Fatalf("Parse = %+v, %v; want a push", ev, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || ev != nil {
				t.Fatalf("Parse = %v, %v; want nil, %v", ev, err, tt.want)
			}
		})
	}
}

func TestParseVerifiesBeforeDecoding(t *testing.T) {
	// Junk that is not JSON: a bad signature must be reported, not a malformed payload.
	r := delivery(bitbucket.Cloud, "repo:push", []byte("{not json"), nil)
	r.Header.Set("X-Hub-Signature", Sign([]byte("nope"), []byte("{not json")))
	if _, err := Parse(r, Options{Secret: testSecret}); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("Parse = %v, want ErrInvalidSignature", err)
	}
	r = delivery(bitbucket.Cloud, "repo:push", []byte("{not json"), testSecret)
	if _, err := Parse(r, Options{Secret: testSecret}); !errors.Is(err, ErrMalformedPayload) {
		t.Fatalf("Parse of signed junk = %v, want ErrMalformedPayload", err)
	}
}

func TestParseOversize(t *testing.T) {
	const limit = 64
	ok := []byte(`{"push":{"changes":[]},"pad":"` + strings.Repeat("x", limit-32) + `"}`)
	if len(ok) != limit {
		t.Fatalf("test body is %d bytes, want %d", len(ok), limit)
	}
	big := append(bytes.Clone(ok[:limit-2]), []byte(`x"}`)...) // limit+1
	for _, chunked := range []bool{false, true} {
		name := "content-length"
		if chunked {
			name = "chunked"
		}
		t.Run(name, func(t *testing.T) {
			req := func(body []byte) *http.Request {
				r := delivery(bitbucket.Cloud, "repo:push", body, testSecret)
				if chunked {
					r.ContentLength = -1
					r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body[:10]), bytes.NewReader(body[10:])))
				}
				return r
			}
			opts := Options{Secret: testSecret, MaxBodyBytes: limit}
			if ev, err := Parse(req(ok), opts); err != nil || !bytes.Equal(ev.Raw, ok) {
				t.Fatalf("body of exactly the limit: %v", err)
			}
			if _, err := Parse(req(big), opts); !errors.Is(err, ErrPayloadTooLarge) {
				t.Fatalf("body one byte over: %v, want ErrPayloadTooLarge", err)
			}
		})
	}
}

func TestParseDefaultLimit(t *testing.T) {
	body := []byte(`{"pad":"` + strings.Repeat("x", int(DefaultMaxBodyBytes)) + `"}`)
	r := delivery(bitbucket.Cloud, "repo:push", body, testSecret)
	r.ContentLength = -1 // no early refusal on the header: the read itself must stop
	if _, err := Parse(r, Options{Secret: testSecret}); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("Parse of a body over 1 MiB = %v, want ErrPayloadTooLarge", err)
	}
}

func TestParsePing(t *testing.T) {
	body := readFixture(t, "server_ping.json")
	tests := []struct {
		name string
		sig  string
		want error
	}{
		{"unsigned", "", nil},
		{"signed", Sign(testSecret, body), nil},
		{"wrong signature", Sign([]byte("nope"), body), ErrInvalidSignature},
		{"malformed signature", "sha256=xyz", ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := delivery(bitbucket.Server, "diagnostics:ping", body, nil)
			if tt.sig != "" {
				r.Header.Set("X-Hub-Signature", tt.sig)
			}
			ev, err := Parse(r, Options{Secret: testSecret})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, want %v", err, tt.want)
			}
			if tt.want == nil && (ev.Type != bitbucket.EventPing || ev.Provider != bitbucket.Server) {
				t.Fatalf("event = %+v, want a Data Center ping", ev)
			}
		})
	}
	// An unsigned ping needs no body at all, and no provider header.
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("X-Event-Key", "diagnostics:ping")
	if ev, err := Parse(r, Options{Secret: testSecret}); err != nil || ev.Type != bitbucket.EventPing || ev.Provider != bitbucket.Server {
		t.Fatalf("empty ping = %+v, %v", ev, err)
	}
}

func TestParseUnknownKey(t *testing.T) {
	for _, tt := range []struct {
		provider bitbucket.Provider
		key      string
		body     string
		repo     bitbucket.RepoRef
	}{
		{bitbucket.Cloud, "repo:fork", string(readFixture(t, "cloud_unknown_repo_fork.json")), acmeWidgets},
		{bitbucket.Server, "repo:modified", `{"eventKey":"repo:modified","actor":{"id":1},"old":{},"new":{"slug":"widgets","project":{"key":"WID"}}}`, widWidgets},
		{bitbucket.Cloud, "issue:created", `not json at all`, bitbucket.RepoRef{}},
		{bitbucket.Server, "pr:reviewer:unapproved", `{"pullRequest":"wrong type"}`, bitbucket.RepoRef{}},
		{bitbucket.Cloud, "repo:something_new", ``, bitbucket.RepoRef{}},
	} {
		t.Run(tt.key, func(t *testing.T) {
			ev, err := Parse(delivery(tt.provider, tt.key, []byte(tt.body), testSecret), Options{Secret: testSecret})
			if err != nil {
				t.Fatalf("Parse = %v, want no error", err)
			}
			if ev.Type != "" || ev.Key != tt.key || string(ev.Raw) != tt.body || ev.Provider != tt.provider {
				t.Fatalf("event = %+v", ev)
			}
			eq(t, "repo", ev.Repo, tt.repo)
		})
	}
}

func TestParseMissingEventKey(t *testing.T) {
	body := readFixture(t, "cloud_push_update.json")
	for _, key := range []string{"", "   "} {
		r := delivery(bitbucket.Cloud, "", body, testSecret)
		if key != "" {
			r.Header.Set("X-Event-Key", key)
		}
		if _, err := Parse(r, Options{Secret: testSecret}); !errors.Is(err, ErrUnknownEvent) {
			t.Errorf("key %q: Parse = %v, want ErrUnknownEvent", key, err)
		}
	}
	if _, err := ParsePayload(bitbucket.Cloud, "", body); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("ParsePayload with no key = %v, want ErrUnknownEvent", err)
	}
}

func TestParsePayloadRejectsUnknownProvider(t *testing.T) {
	if _, err := ParsePayload("gitlab", "repo:push", []byte(`{}`)); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("ParsePayload = %v, want ErrInvalidInput", err)
	}
}

func TestParsePayloadKeepsRawWithoutCopy(t *testing.T) {
	body := readFixture(t, "cloud_push_update.json")
	ev, err := ParsePayload(bitbucket.Cloud, "repo:push", body)
	if err != nil {
		t.Fatal(err)
	}
	if &ev.Raw[0] != &body[0] || len(ev.Raw) != len(body) {
		t.Error("Raw is a copy of the body")
	}
}

func TestProviderDetection(t *testing.T) {
	cloudPush := readFixture(t, "cloud_push_update.json")
	serverPush := readFixture(t, "server_refs_changed_update.json")
	tests := []struct {
		name    string
		headers map[string]string
		key     string
		body    []byte
		want    bitbucket.Provider
		typ     bitbucket.Event
	}{
		{"Cloud by X-Hook-UUID", map[string]string{"X-Hook-UUID": "{h}"}, "repo:push", cloudPush, bitbucket.Cloud, bitbucket.EventPush},
		{"Cloud by X-Request-UUID", map[string]string{"X-Request-UUID": "{r}"}, "repo:push", cloudPush, bitbucket.Cloud, bitbucket.EventPush},
		{"Cloud by X-Attempt-Number", map[string]string{"X-Attempt-Number": "2"}, "repo:push", cloudPush, bitbucket.Cloud, bitbucket.EventPush},
		{"Cloud headers win over a proxy's X-Request-Id", map[string]string{"X-Request-UUID": "{r}", "X-Request-Id": "proxy"}, "repo:push", cloudPush, bitbucket.Cloud, bitbucket.EventPush},
		{"Data Center by X-Request-Id", map[string]string{"X-Request-Id": "r"}, "repo:refs_changed", serverPush, bitbucket.Server, bitbucket.EventPush},
		{"headers win over the key", map[string]string{"X-Request-Id": "r"}, "repo:push", cloudPush, bitbucket.Server, ""},
		{"Data Center by key repo:refs_changed", nil, "repo:refs_changed", serverPush, bitbucket.Server, bitbucket.EventPush},
		{"Data Center by key pr:*", nil, "pr:opened", readFixture(t, "server_pr_opened.json"), bitbucket.Server, bitbucket.EventPullRequestOpened},
		{"Data Center by unknown pr:* key", nil, "pr:reviewer:approved", readFixture(t, "server_unknown_reviewer_approved.json"), bitbucket.Server, ""},
		{"Data Center by key diagnostics:ping", nil, "diagnostics:ping", nil, bitbucket.Server, bitbucket.EventPing},
		{"Cloud by key repo:push", nil, "repo:push", cloudPush, bitbucket.Cloud, bitbucket.EventPush},
		{"Cloud by key pullrequest:*", nil, "pullrequest:created", readFixture(t, "cloud_pr_created.json"), bitbucket.Cloud, bitbucket.EventPullRequestOpened},
		{"Cloud by unknown pullrequest:* key", nil, "pullrequest:approved", readFixture(t, "cloud_pr_approved.json"), bitbucket.Cloud, ""},
		{"Data Center by body for an unknown key", nil, "repo:modified", []byte(`{"eventKey":"repo:modified"}`), bitbucket.Server, ""},
		{"Cloud by default for an unknown key", nil, "repo:updated", []byte(`{"changes":{}}`), bitbucket.Cloud, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(tt.body))
			r.Header.Set("X-Event-Key", tt.key)
			r.Header.Set("X-Hub-Signature", Sign(testSecret, tt.body))
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			ev, err := Parse(r, Options{Secret: testSecret})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			eq(t, "Provider", ev.Provider, tt.want)
			eq(t, "Type", ev.Type, tt.typ)
		})
	}
}

func TestParseDeliveryHeaders(t *testing.T) {
	body := readFixture(t, "cloud_push_update.json")
	for _, tt := range []struct {
		attempt string
		want    int
	}{{"", 1}, {"1", 1}, {"3", 3}, {" 2 ", 2}, {"0", 1}, {"-4", 1}, {"three", 1}} {
		r := delivery(bitbucket.Cloud, "repo:push", body, testSecret)
		if tt.attempt == "" {
			r.Header.Del("X-Attempt-Number")
		} else {
			r.Header.Set("X-Attempt-Number", tt.attempt)
		}
		ev, err := Parse(r, Options{Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Attempt != tt.want {
			t.Errorf("X-Attempt-Number %q: Attempt = %d, want %d", tt.attempt, ev.Attempt, tt.want)
		}
	}
	ev, err := Parse(delivery(bitbucket.Server, "repo:refs_changed", readFixture(t, "server_refs_changed_add.json"), testSecret), Options{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Attempt != 1 || ev.DeliveryID == "" || ev.HookID != "" {
		t.Errorf("Data Center delivery: Attempt %d, DeliveryID %q, HookID %q", ev.Attempt, ev.DeliveryID, ev.HookID)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		provider bitbucket.Provider
		key      string
		body     string
	}{
		{bitbucket.Cloud, "repo:push", `{"push":`},
		{bitbucket.Cloud, "repo:push", ``},
		{bitbucket.Cloud, "repo:push", `null`},
		{bitbucket.Cloud, "repo:push", `[]`},
		{bitbucket.Cloud, "repo:push", `"push"`},
		{bitbucket.Cloud, "repo:push", `{}`},
		{bitbucket.Cloud, "repo:push", `{"push":null}`},
		{bitbucket.Cloud, "repo:push", `{"push":{"changes":"main"}}`},
		{bitbucket.Cloud, "repo:push", `{"push":{"changes":[{"forced":"yes"}]}}`},
		{bitbucket.Cloud, "repo:push", `{"push":{}} trailing`},
		{bitbucket.Cloud, "pullrequest:created", `{"pullrequest":null}`},
		{bitbucket.Cloud, "pullrequest:created", `{"pullrequest":{"id":"42"}}`},
		{bitbucket.Cloud, "pullrequest:created", `{"pullrequest":{"id":4.2}}`},
		{bitbucket.Cloud, "pullrequest:comment_created", `{"pullrequest":{"id":1}}`},
		{bitbucket.Cloud, "pullrequest:comment_created", `{"comment":{"id":1}}`},
		{bitbucket.Server, "repo:refs_changed", `{"eventKey":"repo:refs_changed"}`},
		{bitbucket.Server, "repo:refs_changed", `{"changes":{}}`},
		{bitbucket.Server, "pr:opened", `{"pullRequest":[]}`},
		{bitbucket.Server, "pr:merged", `{"actor":{"id":true},"pullRequest":{}}`},
		{bitbucket.Server, "pr:comment:added", `{"pullRequest":{"id":1},"comment":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.body, func(t *testing.T) {
			ev, err := ParsePayload(tt.provider, tt.key, []byte(tt.body))
			if !errors.Is(err, ErrMalformedPayload) || ev != nil {
				t.Fatalf("ParsePayload = %+v, %v; want ErrMalformedPayload", ev, err)
			}
			if strings.Contains(err.Error(), "yes") || strings.Contains(err.Error(), "main") {
				t.Errorf("error echoes payload content: %v", err)
			}
		})
	}
}

func TestParseTolerantPayloads(t *testing.T) {
	// Nulls, missing objects and odd dates are not errors: the fields stay empty.
	tests := []struct {
		provider bitbucket.Provider
		key      string
		body     string
		check    func(t *testing.T, ev *Event)
	}{
		{bitbucket.Cloud, "repo:push", `{"actor":null,"repository":null,"push":{"changes":null}}`, func(t *testing.T, ev *Event) {
			if ev.Push == nil || len(ev.Push.Changes) != 0 || ev.Repo != (bitbucket.RepoRef{}) {
				t.Errorf("event = %+v", ev)
			}
		}},
		{bitbucket.Cloud, "repo:push", `{"push":{"changes":[{"old":null,"new":null,"commits":[null,{"date":"yesterday","author":null}]}]}}`, func(t *testing.T, ev *Event) {
			rc := ev.Push.Changes[0]
			if rc.Name != "" || rc.Kind != "branch" || len(rc.Commits) != 2 || !rc.Commits[1].Time.IsZero() {
				t.Errorf("change = %+v", rc)
			}
		}},
		{bitbucket.Cloud, "repo:push", `{"repository":{"full_name":"no-slash"},"push":{"changes":[]}}`, func(t *testing.T, ev *Event) {
			eq(t, "repo", ev.Repo, bitbucket.RepoRef{})
		}},
		{bitbucket.Server, "repo:refs_changed", `{"date":12,"actor":{"id":"7"},"changes":[{"refId":"refs/tags/v2","fromHash":"` + strings.Repeat("0", 40) + `","toHash":"abc"}]}`, func(t *testing.T, ev *Event) {
			eqChange(t, ev.Push.Changes[0], RefChange{Name: "v2", Kind: "tag", New: "abc", Created: true})
			eq(t, "actor id", ev.Actor.ID, "7")
		}},
		{bitbucket.Server, "pr:opened", `{"date":null,"pullRequest":{"createdDate":"soon","updatedDate":{},"fromRef":null,"toRef":{"id":"refs/heads/main","repository":{"slug":"s","project":{"key":"K"}}}}}`, func(t *testing.T, ev *Event) {
			pr := ev.PullRequest
			if !pr.CreatedAt.IsZero() || !pr.UpdatedAt.IsZero() || pr.Destination.Branch != "main" {
				t.Errorf("pull request = %+v", pr)
			}
			eq(t, "repo", ev.Repo, bitbucket.RepoRef{Namespace: "K", Slug: "s"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.body, func(t *testing.T) {
			ev, err := ParsePayload(tt.provider, tt.key, []byte(tt.body))
			if err != nil {
				t.Fatalf("ParsePayload: %v", err)
			}
			tt.check(t, ev)
		})
	}
}

// TestPayloadDates reads each date form from every place a delivery carries one: the Data Center
// delivery date and commit timestamps (epoch ms before 10.x, ISO 8601 strings from 10.x), and the
// Cloud commit date. A date that is no date reads as zero and never fails the delivery.
func TestPayloadDates(t *testing.T) {
	want := time.Date(2026, 1, 2, 14, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{`"2026-01-02T15:04:05+0100"`, want},
		{`"2026-01-02T15:04:05.000+0100"`, want},
		{`"2026-01-02T15:04:05+01:00"`, want},
		{`"2026-01-02T14:04:05Z"`, want},
		{`"2026-01-02T14:04:05.5Z"`, want.Add(500 * time.Millisecond)},
		{`1767362645000`, want},
		{`"1767362645000"`, want},
		{`"2026-01-02T15:04:05\u002b0100"`, want},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
		{`"2026-01-02"`, time.Time{}},
		{`"next tuesday"`, time.Time{}},
		{`-5`, time.Time{}},
		{`true`, time.Time{}},
		{`{}`, time.Time{}},
		{`[1]`, time.Time{}},
	}
	for _, tt := range tests {
		server := `{"eventKey":"repo:refs_changed","date":` + tt.in + `,"changes":[{"refId":"refs/heads/main","fromHash":"a","toHash":"b"}],` +
			`"commits":[{"id":"b","authorTimestamp":` + tt.in + `,"committerTimestamp":` + tt.in + `}]}`
		ev, err := ParsePayload(bitbucket.Server, "repo:refs_changed", []byte(server))
		if err != nil {
			t.Errorf("Data Center %s: %v", tt.in, err)
		} else {
			if !ev.Time.Equal(tt.want) {
				t.Errorf("Data Center date %s = %v, want %v", tt.in, ev.Time, tt.want)
			}
			if got := ev.Push.Changes[0].Commits[0].Time; !got.Equal(tt.want) {
				t.Errorf("Data Center authorTimestamp %s = %v, want %v", tt.in, got, tt.want)
			}
		}
		cloud := `{"push":{"changes":[{"new":{"name":"main"},"commits":[{"hash":"b","date":` + tt.in + `}]}]}}`
		ev, err = ParsePayload(bitbucket.Cloud, "repo:push", []byte(cloud))
		if err != nil {
			t.Errorf("Cloud %s: %v", tt.in, err)
		} else if got := ev.Push.Changes[0].Commits[0].Time; !got.Equal(tt.want) {
			t.Errorf("Cloud commit date %s = %v, want %v", tt.in, got, tt.want)
		}
	}
	// A date that is not JSON at all still fails the delivery, as any invalid JSON does.
	if _, err := ParsePayload(bitbucket.Server, "repo:refs_changed", []byte(`{"date":"}`)); !errors.Is(err, ErrMalformedPayload) {
		t.Errorf("unterminated date string: %v, want ErrMalformedPayload", err)
	}
}

func TestParseDuplicate(t *testing.T) {
	d := NewDeduper(10, time.Hour)
	opts := Options{Secret: testSecret, Dedupe: d}
	body := readFixture(t, "cloud_push_update.json")
	ev, err := Parse(delivery(bitbucket.Cloud, "repo:push", body, testSecret), opts)
	if err != nil {
		t.Fatal(err)
	}
	// Parse does not mark: the same delivery is still new until the caller marks it.
	if _, err := Parse(delivery(bitbucket.Cloud, "repo:push", body, testSecret), opts); err != nil {
		t.Fatalf("second Parse before Mark: %v", err)
	}
	d.Mark(t.Context(), ev.DedupeKey())
	dup, err := Parse(delivery(bitbucket.Cloud, "repo:push", body, testSecret), opts)
	if !errors.Is(err, ErrDuplicateDelivery) {
		t.Fatalf("Parse after Mark = %v, want ErrDuplicateDelivery", err)
	}
	if dup == nil || dup.DeliveryID != ev.DeliveryID || dup.Type != bitbucket.EventPush || dup.Push != nil {
		t.Errorf("duplicate event = %+v, want header fields only", dup)
	}
	// The same request id under another hook is another delivery.
	r := delivery(bitbucket.Cloud, "repo:push", body, testSecret)
	r.Header.Set("X-Hook-UUID", "{another-hook}")
	if _, err := Parse(r, opts); err != nil {
		t.Errorf("same X-Request-UUID, other hook: %v", err)
	}
	// A bad signature is reported as such, never as a duplicate.
	r = delivery(bitbucket.Cloud, "repo:push", body, []byte("nope"))
	if _, err := Parse(r, opts); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("forged duplicate = %v, want ErrInvalidSignature", err)
	}
}
