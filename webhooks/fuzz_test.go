package webhooks

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// seedFixtures calls add with every testdata file and the key it is delivered with.
func seedFixtures(f *testing.F, add func(provider bitbucket.Provider, key string, body []byte)) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	byFile := map[string]fixture{}
	for _, fx := range fixtures {
		byFile[fx.file] = fx
	}
	for _, file := range files {
		fx, ok := byFile[filepath.Base(file)]
		if !ok {
			fx = fixture{provider: bitbucket.Cloud, key: "repo:push"}
		}
		add(fx.provider, fx.key, readFixture(f, filepath.Base(file)))
	}
}

func FuzzVerify(f *testing.F) {
	seedFixtures(f, func(_ bitbucket.Provider, _ string, body []byte) {
		sig := Sign(testSecret, body)
		f.Add(body, sig, testSecret)
		f.Add(body, strings.ToUpper(sig), testSecret)
		f.Add(body, sig[:20], testSecret)
		f.Add(body, "sha1="+sig[7:47], testSecret)
	})
	f.Add([]byte{}, "", []byte{})
	f.Add([]byte("x"), "sha256=", []byte("k"))
	f.Add([]byte("x"), "=", []byte("k"))
	f.Fuzz(func(t *testing.T, body []byte, header string, secret []byte) {
		err := Verify(body, header, secret)
		if len(secret) == 0 {
			if !errors.Is(err, bitbucket.ErrInvalidInput) {
				t.Fatalf("empty secret: %v", err)
			}
			return
		}
		good := Sign(secret, body)
		if err == nil && !strings.EqualFold(strings.TrimSpace(header), good) {
			t.Fatalf("Verify accepted %q, the signature is %q", header, good)
		}
		if err != nil && !errors.Is(err, ErrMissingSignature) && !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if e := Verify(body, good, secret); e != nil {
			t.Fatalf("Verify(Sign) = %v", e)
		}
	})
}

func FuzzParse(f *testing.F) {
	seedFixtures(f, func(provider bitbucket.Provider, key string, body []byte) {
		f.Add(key, uint8(0), uint8(0), body) // signed, provider headers
		f.Add(key, uint8(1), uint8(1), body) // unsigned, no provider headers
		f.Add(key, uint8(2), uint8(2), body) // garbage signature, the other provider
	})
	f.Add("", uint8(0), uint8(0), []byte("{}"))
	f.Add("diagnostics:ping", uint8(1), uint8(3), []byte{})
	f.Fuzz(func(t *testing.T, key string, sigMode, headerMode uint8, body []byte) {
		r := newFuzzRequest(body, http.Header{})
		if key != "" {
			r.Header["X-Event-Key"] = []string{key}
		}
		switch headerMode % 4 {
		case 0:
			r.Header.Set("X-Hook-UUID", "{h}")
			r.Header.Set("X-Request-UUID", "{r}")
			r.Header.Set("X-Attempt-Number", key)
		case 2:
			r.Header.Set("X-Request-Id", key)
		}
		switch sigMode % 3 {
		case 0:
			r.Header.Set("X-Hub-Signature", Sign(testSecret, body))
		case 2:
			r.Header["X-Hub-Signature"] = []string{key}
		}
		d := NewDeduper(4, 0)
		ev, err := Parse(r, Options{Secret: testSecret, MaxBodyBytes: 1 << 16, Dedupe: d})
		if sigMode%3 == 1 && strings.TrimSpace(key) != pingKey && err == nil {
			t.Fatal("an unsigned delivery was accepted")
		}
		checkParsed(t, ev, err, body)
		if err == nil {
			d.Mark(t.Context(), ev.DedupeKey())
			r2 := newFuzzRequest(body, r.Header)
			ev2, err2 := Parse(r2, Options{Secret: testSecret, MaxBodyBytes: 1 << 16, Dedupe: d})
			if ev.DedupeKey() != "" && ev.Type != bitbucket.EventPing && !errors.Is(err2, ErrDuplicateDelivery) {
				t.Fatalf("second delivery of %q: %v", ev.DedupeKey(), err2)
			}
			if err2 != nil && ev2 == nil {
				t.Fatal("duplicate reported without its event")
			}
		}
	})
}

// FuzzParsePayload checks what every result of ParsePayload must satisfy, for any body and key of
// either provider. FuzzCloudWire and FuzzServerWire fuzz the wire-struct decodes beneath it.
func FuzzParsePayload(f *testing.F) {
	seedFixtures(f, func(provider bitbucket.Provider, key string, body []byte) {
		f.Add(provider == bitbucket.Server, key, body)
		f.Add(provider != bitbucket.Server, key, body)
	})
	f.Add(true, "pr:opened", []byte(`{"pullRequest":null}`))
	f.Add(false, "repo:push", []byte(`{"push":{"changes":[{"old":null,"new":null}]}}`))
	f.Add(false, "x", []byte(`"\ud83d\ude00 \u00e9\n"`))
	f.Add(true, "x", []byte(`[1, -0.5e+3, true, null, {"a": "\"b\""}]`))
	f.Fuzz(func(t *testing.T, server bool, key string, body []byte) {
		p := bitbucket.Cloud
		if server {
			p = bitbucket.Server
		}
		ev, err := ParsePayload(p, key, body)
		checkParsed(t, ev, err, body)
	})
}

// newFuzzRequest is a cheap POST carrying body (httptest.NewRequest parses a URL each time, which
// slows the fuzzer down when it minimises large inputs).
func newFuzzRequest(body []byte, h http.Header) *http.Request {
	return &http.Request{Method: http.MethodPost, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
}

// checkParsed asserts what every result of Parse and ParsePayload must satisfy.
func checkParsed(t *testing.T, ev *Event, err error, body []byte) {
	t.Helper()
	if err != nil {
		known := []error{ErrMissingSignature, ErrInvalidSignature, ErrUnknownEvent, ErrPayloadTooLarge,
			ErrMalformedPayload, ErrDuplicateDelivery, bitbucket.ErrInvalidInput}
		for _, k := range known {
			if errors.Is(err, k) {
				if ev != nil && !errors.Is(err, ErrDuplicateDelivery) {
					t.Fatalf("event returned with %v", err)
				}
				return
			}
		}
		t.Fatalf("untyped error: %v", err)
	}
	if ev == nil {
		t.Fatal("nil event without an error")
	}
	if ev.Key == "" || (ev.Provider != bitbucket.Cloud && ev.Provider != bitbucket.Server) {
		t.Fatalf("event = %+v", ev)
	}
	if !bytes.Equal(ev.Raw, body) {
		t.Fatal("Raw differs from the body")
	}
	if ev.Type != "" && ev.Type != bitbucket.EventPing && !stdjson.Valid(body) {
		t.Fatalf("%s accepted from invalid JSON", ev.Type)
	}
	switch ev.Type {
	case bitbucket.EventPush:
		if ev.Push == nil {
			t.Fatal("push without Push")
		}
	case bitbucket.EventPullRequestComment:
		if ev.PullRequest == nil || ev.Comment == nil {
			t.Fatal("comment without PullRequest and Comment")
		}
	case bitbucket.EventPullRequestOpened, bitbucket.EventPullRequestUpdated,
		bitbucket.EventPullRequestMerged, bitbucket.EventPullRequestDeclined:
		if ev.PullRequest == nil {
			t.Fatal("pull-request event without PullRequest")
		}
	}
	if ev.Push != nil {
		for _, c := range ev.Push.Changes {
			if (c.Created && c.Old != "") || (c.Deleted && c.New != "") {
				t.Fatalf("inconsistent change %+v", c)
			}
		}
	}
}

// FuzzCloudWire fuzzes the decode of a Cloud body into its wire struct and the conversion to an
// Event; see checkWireDecode.
func FuzzCloudWire(f *testing.F) {
	seedWire(f, bitbucket.Cloud)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkWireDecode(t, body, func(ev *Event, body []byte) error { return decodeCloud(ev, body) },
			func(w *cloudPayload) []byte { return remarshal(t, w) }, new(cloudPayload))
	})
}

// FuzzServerWire is FuzzCloudWire for Data Center bodies.
func FuzzServerWire(f *testing.F) {
	seedWire(f, bitbucket.Server)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkWireDecode(t, body, func(ev *Event, body []byte) error { return decodeServer(ev, body) },
			func(w *serverPayload) []byte { return remarshal(t, w) }, new(serverPayload))
	})
}

// seedWire adds every fixture of the provider, and a few hostile shapes.
func seedWire(f *testing.F, provider bitbucket.Provider) {
	seedFixtures(f, func(p bitbucket.Provider, _ string, body []byte) {
		if p == provider {
			f.Add(body)
		}
	})
	for _, s := range []string{`{}`, `{"a":1,"a":2}`, `{} {}`, "{\"x\":\"\xff\"}", `[` + strings.Repeat(`[`, 20000), `{"date":1e400}`} {
		f.Add([]byte(s))
	}
}

// checkWireDecode asserts, for one body: decoding never panics and either fails with
// ErrMalformedPayload (leaving the Event as it was) or accepts a body that is one valid JSON
// document without duplicate member names; and what was decoded survives a round trip (the wire
// struct encoded and decoded again gives the same Event), so no member is half read.
func checkWireDecode[W any](t *testing.T, body []byte, decode func(*Event, []byte) error, encode func(*W) []byte, w *W) {
	ev := &Event{Key: "fuzz", Raw: body}
	err := decode(ev, body)
	if err != nil {
		if !errors.Is(err, ErrMalformedPayload) {
			t.Fatalf("untyped error: %v", err)
		}
		if ev.Push != nil || ev.PullRequest != nil || ev.Comment != nil || ev.Repo != (bitbucket.RepoRef{}) {
			t.Fatalf("a failed decode filled the event: %+v", ev)
		}
		return
	}
	if !jsontext.Value(body).IsValid(jsontext.AllowInvalidUTF8(true)) {
		t.Fatalf("accepted a body that is not one JSON document without duplicate names: %q", body)
	}
	if err := unmarshalPayload("fuzz", body, w); err != nil {
		t.Fatalf("second decode of the same body: %v", err)
	}
	again := &Event{Key: "fuzz"}
	if err := decode(again, encode(w)); err != nil {
		t.Fatalf("decode of the re-encoded wire struct: %v", err)
	}
	ev.Raw = nil
	if !sameEvent(ev, again) {
		t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, again)
	}
}

// remarshal encodes a wire struct as the JSON it was decoded from would have been (nil slices as
// null, so that an absent member stays absent).
func remarshal(t *testing.T, w any) []byte {
	b, err := json.Marshal(w, json.FormatNilSliceAsNull(true))
	if err != nil {
		t.Fatalf("encoding the wire struct: %v", err)
	}
	return b
}

// sameEvent compares two events, dates by instant.
func sameEvent(a, b *Event) bool {
	norm := func(ev *Event) *Event {
		c := *ev
		c.Time = c.Time.UTC()
		if ev.Push != nil {
			p := Push{Changes: slices.Clone(ev.Push.Changes)}
			for i := range p.Changes {
				p.Changes[i].Commits = slices.Clone(p.Changes[i].Commits)
				for j := range p.Changes[i].Commits {
					p.Changes[i].Commits[j].Time = p.Changes[i].Commits[j].Time.UTC()
				}
			}
			c.Push = &p
		}
		if ev.PullRequest != nil {
			pr := *ev.PullRequest
			pr.CreatedAt, pr.UpdatedAt = pr.CreatedAt.UTC(), pr.UpdatedAt.UTC()
			c.PullRequest = &pr
		}
		if ev.Comment != nil {
			cm := *ev.Comment
			cm.Time = cm.Time.UTC()
			c.Comment = &cm
		}
		return &c
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
