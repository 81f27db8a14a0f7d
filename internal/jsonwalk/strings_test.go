package jsonwalk_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

func TestStringsMatchEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`"plain"`, `"é, ünïcödé"`, `"line\nbreak"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00 smile"`, `"\ud800 lone"`,
		`"\udc00"`, `"\ud800\u0041"`, `"\ud800\ud800"`, `"\/\\\"\b\f\r\t"`, `""`, "\"\xff\xfe bad\"",
		"\"\xe2\x82 cut\"", `"` + strings.Repeat(`\n`, 300) + "\xc3" + `"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := jsonwalk.NewDecoder(doc).Str(); got != want || !ok || err != nil {
			t.Errorf("Str(%s) = %q, %v; want %q", doc, got, err, want)
		}
		if got, ok, err := jsonwalk.NewDecoder([]byte(doc)).Str(); got != want || !ok || err != nil {
			t.Errorf("Str(%s) of bytes = %q, %v; want %q", doc, got, err, want)
		}
		if got, ok, err := jsonwalk.NewDecoder([]byte(doc)).AppendString([]byte("x")); string(got) != "x"+want || !ok || err != nil {
			t.Errorf("AppendString(%s) = %q, %v; want x%q", doc, got, err, want)
		}
	}
}

func TestStringNullAndMismatch(t *testing.T) {
	if s, ok, err := jsonwalk.NewDecoder("null").Str(); s != "" || ok || err != nil {
		t.Errorf("null: %q, %v, %v", s, ok, err)
	}
	if b, ok, err := jsonwalk.NewDecoder([]byte("null")).AppendString([]byte("keep")); string(b) != "keep" || ok || err != nil {
		t.Errorf("null appended: %q, %v, %v", b, ok, err)
	}
	var te *json.UnmarshalTypeError
	if _, _, err := jsonwalk.NewDecoder([]byte("12")).AppendString(nil); !errors.As(err, &te) {
		t.Errorf("number as string: %v", err)
	}
}

// TestStrSharesTheInput checks the property webhooks relies on: a Decoder[string] hands out
// substrings of its input without allocating, and a Decoder[[]byte] copies.
func TestStrSharesTheInput(t *testing.T) {
	doc := `{"name":"plain text"}`
	allocs := testing.AllocsPerRun(100, func() {
		d := jsonwalk.NewDecoder(doc)
		_ = d.Object(func(string) error { _, _, err := d.Str(); return err })
	})
	if allocs != 0 {
		t.Errorf("Decoder[string] allocated %v times for a plain string", allocs)
	}
	in := []byte(`"abc"`)
	s, _, _ := jsonwalk.NewDecoder(in).Str()
	in[1] = 'X'
	if s != "abc" {
		t.Errorf("Str of a Decoder[[]byte] shares the input: %q", s)
	}
}

func TestKeysAreDecoded(t *testing.T) {
	var keys []string
	d := jsonwalk.NewDecoder(`{"n\u0061me":1,"caf\u00e9":2,"plain":3}`)
	if err := d.Object(func(k string) error { keys = append(keys, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "name,café,plain" {
		t.Errorf("keys = %q", keys)
	}
}

func TestKeyIs(t *testing.T) {
	for _, tc := range []struct {
		key, name string
		want      bool
	}{
		{"name", "name", true},
		{"NAME", "name", true},
		{"names", "name", false},
		{"nam", "name", false},
		{"ſlug", "slug", true}, // encoding/json folds keys the same way
	} {
		if got := jsonwalk.KeyIs([]byte(tc.key), tc.name); got != tc.want {
			t.Errorf("KeyIs([]byte(%q), %q) = %v", tc.key, tc.name, got)
		}
		if got := jsonwalk.KeyIs(tc.key, tc.name); got != tc.want {
			t.Errorf("KeyIs(%q, %q) = %v", tc.key, tc.name, got)
		}
	}
}
