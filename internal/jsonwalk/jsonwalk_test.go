package jsonwalk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

func TestObjectAndArray(t *testing.T) {
	doc := []byte(` { "a" : [1, "x,]}", {"b": null}] , "c\"d":true,"e":{} } `)
	var keys []string
	var elems []string
	err := jsonwalk.Object(doc, func(k, v []byte) error {
		keys = append(keys, string(k))
		if jsonwalk.KeyIs(k, "A") {
			return jsonwalk.Array(v, func(e []byte) error {
				elems = append(elems, string(e))
				return nil
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys, []string{"a", `c\"d`, "e"}) {
		t.Errorf("keys = %q", keys)
	}
	if !slices.Equal(elems, []string{"1", `"x,]}"`, `{"b": null}`}) {
		t.Errorf("elements = %q", elems)
	}
}

func TestKeyIs(t *testing.T) {
	for _, tc := range []struct {
		key, name string
		want      bool
	}{
		{"name", "name", true},
		{"NAME", "name", true},
		{`n\u0061me`, "name", true},
		{"names", "name", false},
		{"ſlug", "slug", true}, // encoding/json folds keys the same way
	} {
		if got := jsonwalk.KeyIs([]byte(tc.key), tc.name); got != tc.want {
			t.Errorf("KeyIs(%q, %q) = %v", tc.key, tc.name, got)
		}
	}
}

func TestScalars(t *testing.T) {
	s, ok, err := jsonwalk.AppendString(nil, []byte(`"caf\u00e9 \ud83d\ude00"`))
	if err != nil || !ok || string(s) != "café 😀" {
		t.Errorf("AppendString = %q, %v, %v", s, ok, err)
	}
	if _, ok, err := jsonwalk.AppendString(nil, []byte("null")); ok || err != nil {
		t.Errorf("null string: %v, %v", ok, err)
	}
	var te *json.UnmarshalTypeError
	if _, _, err := jsonwalk.AppendString(nil, []byte("12")); !errors.As(err, &te) {
		t.Errorf("number as string: %v", err)
	}
	for in, want := range map[string]int64{"0": 0, "-12": -12, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		n, _, ok, err := jsonwalk.Int([]byte(in))
		if err != nil || !ok || n != want {
			t.Errorf("Int(%s) = %d, %v, %v", in, n, ok, err)
		}
	}
	for _, in := range []string{"1.5", "1e3", "9223372036854775808", `"1"`, "true"} {
		if _, _, _, err := jsonwalk.Int([]byte(in)); !errors.As(err, &te) {
			t.Errorf("Int(%s) error %v, want a type error", in, err)
		}
	}
	if b, ok, err := jsonwalk.Bool([]byte(" true")); !b || !ok || err != nil {
		t.Errorf("Bool(true) = %v, %v, %v", b, ok, err)
	}
}

// FuzzWalk checks that no input makes the walker panic, and that a valid document's members
// are found in full.
func FuzzWalk(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":"c"}],"d":null}`))
	f.Add([]byte(`[{"x":"\"}"}, [], {}]`))
	f.Add([]byte(`{"a":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var walk func(v []byte, depth int) error
		walk = func(v []byte, depth int) error {
			if depth > 20 {
				return nil
			}
			_ = jsonwalk.KeyIs(v, "name")
			_, _, _ = jsonwalk.AppendString(nil, v)
			_, _, _, _ = jsonwalk.Int(v)
			switch t := bytes.TrimSpace(v); {
			case len(t) > 0 && t[0] == '{':
				return jsonwalk.Object(v, func(k, val []byte) error { return walk(val, depth+1) })
			case len(t) > 0 && t[0] == '[':
				return jsonwalk.Array(v, func(e []byte) error { return walk(e, depth+1) })
			}
			return nil
		}
		err := walk(data, 0)
		if json.Valid(data) && len(data) > 0 && (data[0] == '{' || data[0] == '[') && err != nil {
			t.Fatalf("valid document %q: %v", data, err)
		}
	})
}
