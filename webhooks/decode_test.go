package webhooks

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/go-json-experiment/json/jsontext"
)

// TestServerEventKeyMustMatchHeader: X-Event-Key is not signed, the body is. A signed Data Center
// body replayed under another key is refused, whether that key has a neutral name or not.
func TestServerEventKeyMustMatchHeader(t *testing.T) {
	opened := readFixture(t, "server_pr_opened.json")
	for _, key := range []string{"pr:merged", "pr:declined", "pr:reviewer:approved", "repo:refs_changed", "pr:opened "} {
		t.Run(key, func(t *testing.T) {
			ev, err := Parse(delivery(bitbucket.Server, key, opened, testSecret), Options{Secret: testSecret})
			if strings.TrimSpace(key) == "pr:opened" { // the header is trimmed: this one agrees
				if err != nil || ev.Type != bitbucket.EventPullRequestOpened {
					t.Fatalf("Parse = %+v, %v", ev, err)
				}
				return
			}
			if !errors.Is(err, ErrMalformedPayload) || ev != nil {
				t.Fatalf("pr:opened body delivered as %s: Parse = %+v, %v; want ErrMalformedPayload", key, ev, err)
			}
		})
	}
	// A body without eventKey (a hand-built or older payload) is read by the header's key.
	ev, err := ParsePayload(bitbucket.Server, "pr:merged", []byte(`{"pullRequest":{"id":3,"state":"MERGED"}}`))
	if err != nil || ev.PullRequest.State != "merged" {
		t.Fatalf("body without eventKey: %+v, %v", ev, err)
	}
	// Cloud bodies carry no eventKey; a member of that name in one is not read.
	if _, err := ParsePayload(bitbucket.Cloud, "repo:push", []byte(`{"eventKey":"pr:merged","push":{"changes":[]}}`)); err != nil {
		t.Fatalf("Cloud body with an eventKey member: %v", err)
	}
}

// TestDuplicateMemberNames: a signed body with two values for one member is ambiguous, wherever
// the member is (in a struct the package reads or in one it skips).
func TestDuplicateMemberNames(t *testing.T) {
	for _, tt := range []struct {
		provider bitbucket.Provider
		key      string
		body     string
	}{
		{bitbucket.Server, "pr:opened", `{"eventKey":"pr:opened","eventKey":"pr:merged","pullRequest":{"id":1}}`},
		{bitbucket.Server, "pr:merged", `{"pullRequest":{"id":1,"state":"OPEN","state":"MERGED"}}`},
		{bitbucket.Server, "repo:refs_changed", `{"changes":[],"toCommit":{"secretname":1,"secretname":2}}`},
		{bitbucket.Cloud, "repo:push", `{"push":{"changes":[]},"push":{"changes":[{"new":{"name":"main"}}]}}`},
		{bitbucket.Cloud, "pullrequest:created", `{"pullrequest":{"id":1,"links":{"html":{"href":"a","href":"b"}}}}`},
	} {
		t.Run(tt.key+" "+tt.body, func(t *testing.T) {
			ev, err := Parse(delivery(tt.provider, tt.key, []byte(tt.body), testSecret), Options{Secret: testSecret})
			if !errors.Is(err, ErrMalformedPayload) || ev != nil {
				t.Fatalf("Parse = %+v, %v; want ErrMalformedPayload", ev, err)
			}
			if !errors.Is(err, jsontext.ErrDuplicateName) {
				t.Errorf("the decoder's reason is lost: %v", err)
			}
			if !strings.Contains(err.Error(), "duplicate member name") || strings.Contains(err.Error(), "secretname") {
				t.Errorf("error text = %q: want the reason, not the member's name", err)
			}
		})
	}
	// A key with no neutral name is read best effort: a body that does not decode, for this
	// reason or another, leaves its fields empty and is no error.
	ev, err := ParsePayload(bitbucket.Server, "pr:reviewer:unapproved", []byte(`{"pullRequest":{"id":1,"id":2}}`))
	if err != nil || ev.PullRequest != nil {
		t.Fatalf("unknown key with a duplicate member: %+v, %v", ev, err)
	}
}

// TestMemberNamesAreCaseSensitive: a member spelled in another case is another member, and is
// ignored as unknown.
func TestMemberNamesAreCaseSensitive(t *testing.T) {
	if _, err := ParsePayload(bitbucket.Cloud, "repo:push", []byte(`{"Push":{"changes":[]}}`)); !errors.Is(err, ErrMalformedPayload) {
		t.Errorf(`{"Push":...} = %v, want ErrMalformedPayload (no push member)`, err)
	}
	ev, err := ParsePayload(bitbucket.Server, "pr:opened", []byte(`{"EventKey":"pr:merged","pullRequest":{"ID":9,"id":1}}`))
	if err != nil || ev.PullRequest.ID != 1 {
		t.Errorf("Data Center body with look-alike members: %+v, %v", ev, err)
	}
}

// TestTrailingData: a delivery body is one JSON document.
func TestTrailingData(t *testing.T) {
	for _, tt := range []struct {
		provider bitbucket.Provider
		key      string
		doc      string
	}{
		{bitbucket.Cloud, "repo:push", string(readFixture(t, "cloud_push_update.json"))},
		{bitbucket.Server, "repo:refs_changed", string(readFixture(t, "server_refs_changed_update.json"))},
		{bitbucket.Server, "pr:opened", string(readFixture(t, "server_pr_opened.json"))},
	} {
		doc := strings.TrimSpace(tt.doc)
		if _, err := ParsePayload(tt.provider, tt.key, []byte(doc+" \r\n\t")); err != nil {
			t.Errorf("%s followed by white space: %v", tt.key, err)
		}
		for name, trailer := range map[string]string{
			"two documents":     doc,
			"garbage":           "garbage",
			"a second object":   `{"push":null}`,
			"a number":          "1",
			"a closing bracket": "}",
			"a NUL byte":        "\x00",
		} {
			ev, err := ParsePayload(tt.provider, tt.key, []byte(doc+"\n"+trailer))
			if !errors.Is(err, ErrMalformedPayload) || ev != nil {
				t.Errorf("%s then %s: %+v, %v; want ErrMalformedPayload", tt.key, name, ev, err)
			}
		}
	}
}

// TestInvalidUTF8DoesNotFailDelivery: git does not enforce an encoding, so a commit message or a
// name may carry bytes that are not UTF-8; they read as U+FFFD.
func TestInvalidUTF8DoesNotFailDelivery(t *testing.T) {
	body := bytes.Replace(readFixture(t, "server_refs_changed_update.json"), []byte("Fix widget colour"), []byte("Fix \xff\xfe colour"), 2)
	ev, err := Parse(delivery(bitbucket.Server, "repo:refs_changed", body, testSecret), Options{Secret: testSecret})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	msg := ev.Push.Changes[0].Commits[0].Message
	if !utf8.ValidString(msg) || !strings.Contains(msg, "\uFFFD") || !strings.HasPrefix(msg, "Fix ") {
		t.Errorf("message = %q", msg)
	}
	if !bytes.Equal(ev.Raw, body) {
		t.Error("Raw is not the body as received")
	}
	cloud := bytes.Replace(readFixture(t, "cloud_push_update.json"), []byte(`"Jane Doe"`), []byte("\"Jane \xc3\x28\""), 1)
	if ev, err := ParsePayload(bitbucket.Cloud, "repo:push", cloud); err != nil || !utf8.ValidString(ev.Actor.DisplayName) {
		t.Fatalf("Cloud display name with invalid UTF-8: %+v, %v", ev, err)
	}
}

// TestMalformedErrorsDoNotEchoThePayload: the error names where the body went wrong, never what
// it held.
func TestMalformedErrorsDoNotEchoThePayload(t *testing.T) {
	for _, body := range []string{
		`{"push":{"changes":[{"forced":"hunter2"}]}}`,
		`{"hunter2": tru}`,
		`{"push":{"changes":[]}} hunter2`,
		`{"pullrequest":{"id":"hunter2"}}`,
	} {
		_, err := ParsePayload(bitbucket.Cloud, "repo:push", []byte(body))
		if !errors.Is(err, ErrMalformedPayload) {
			t.Fatalf("%s: %v, want ErrMalformedPayload", body, err)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error echoes the payload: %v", body, err)
		}
	}
	_, err := ParsePayload(bitbucket.Cloud, "repo:push", []byte(`{"push":{"changes":[{"forced":"yes"}]}}`))
	if want := `wrong JSON type at "/push/changes/0/forced"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to name %s", err, want)
	}
}
