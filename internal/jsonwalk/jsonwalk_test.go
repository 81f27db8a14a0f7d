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
	doc := []byte(` { "a" : [1, "x,]}", {"b": null}, [2]] , "c\"d":true,"e":{}, "f": "text" } `)
	d := jsonwalk.NewDecoder(doc)
	var keys, elems []string
	var f []byte
	err := d.Object(func(k []byte) error {
		keys = append(keys, string(k))
		switch {
		case jsonwalk.KeyIs(k, "A"):
			return d.Array(func() error {
				if len(elems) == 1 {
					s, _, err := d.AppendString(nil)
					elems = append(elems, string(s))
					return err
				}
				elems = append(elems, "skipped") // left to the Decoder to skip
				return nil
			})
		case jsonwalk.KeyIs(k, "f"):
			var err error
			f, _, err = d.AppendString(nil)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys, []string{"a", `c\"d`, "e", "f"}) {
		t.Errorf("keys = %q", keys)
	}
	if !slices.Equal(elems, []string{"skipped", "x,]}", "skipped", "skipped"}) {
		t.Errorf("elements = %q", elems)
	}
	if string(f) != "text" {
		t.Errorf("f = %q", f)
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
	s, ok, err := jsonwalk.NewDecoder([]byte(`"caf\u00e9 \ud83d\ude00"`)).AppendString(nil)
	if err != nil || !ok || string(s) != "café 😀" {
		t.Errorf("AppendString = %q, %v, %v", s, ok, err)
	}
	if _, ok, err := jsonwalk.NewDecoder([]byte("null")).AppendString(nil); ok || err != nil {
		t.Errorf("null string: %v, %v", ok, err)
	}
	var te *json.UnmarshalTypeError
	if _, _, err := jsonwalk.NewDecoder([]byte("12")).AppendString(nil); !errors.As(err, &te) {
		t.Errorf("number as string: %v", err)
	}
	for in, want := range map[string]int64{"0": 0, "-12": -12, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		n, _, ok, err := jsonwalk.NewDecoder([]byte(in)).Int()
		if err != nil || !ok || n != want {
			t.Errorf("Int(%s) = %d, %v, %v", in, n, ok, err)
		}
	}
	for _, in := range []string{"1.5", "1e3", "9223372036854775808", `"1"`, "true"} {
		if _, _, _, err := jsonwalk.NewDecoder([]byte(in)).Int(); !errors.As(err, &te) {
			t.Errorf("Int(%s) error %v, want a type error", in, err)
		}
	}
	if b, ok, err := jsonwalk.NewDecoder([]byte(" true")).Bool(); !b || !ok || err != nil {
		t.Errorf("Bool(true) = %v, %v, %v", b, ok, err)
	}
	if m, ok, err := jsonwalk.NewDecoder([]byte(`"HTTPS"`)).StringIs("https", true); !m || !ok || err != nil {
		t.Errorf("StringIs = %v, %v, %v", m, ok, err)
	}
}

// walk visits every value of the document in d, reading scalars of every kind.
func walk(d *jsonwalk.Decoder, data []byte, depth int) error {
	if depth > 50 {
		return d.Skip()
	}
	switch t := bytes.TrimLeft(data, " \t\r\n"); {
	case len(t) > 0 && t[0] == '{':
		return d.Object(func(k []byte) error {
			_ = jsonwalk.KeyIs(k, "name")
			return walkAt(d, depth+1)
		})
	case len(t) > 0 && t[0] == '[':
		return d.Array(func() error { return walkAt(d, depth+1) })
	}
	return walkAt(d, depth)
}

// walkAt reads whatever value d is at.
func walkAt(d *jsonwalk.Decoder, depth int) error {
	rest := d.Rest()
	switch {
	case bytes.HasPrefix(rest, []byte("{")) || bytes.HasPrefix(rest, []byte("[")):
		return walk(d, rest, depth)
	case bytes.HasPrefix(rest, []byte(`"`)):
		_, _, err := d.AppendString(nil)
		return err
	case bytes.HasPrefix(rest, []byte("t")) || bytes.HasPrefix(rest, []byte("f")):
		_, _, err := d.Bool()
		return err
	case bytes.HasPrefix(rest, []byte("n")):
		d.Null()
		return nil
	}
	_, _, _, err := d.Int()
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nil // a fraction or exponent: not an int64, and consumed
	}
	return err
}

// FuzzWalk checks that no input makes the Decoder panic, and that every valid document can be
// walked in full.
func FuzzWalk(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":"c"}],"d":null,"e":true,"f":-1.5e3}`))
	f.Add([]byte(`[{"x":"\"}"}, [], {}]`))
	f.Add([]byte(`{"a":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := jsonwalk.NewDecoder(data)
		err := walk(d, data, 0)
		if json.Valid(data) && err != nil {
			t.Fatalf("valid document %q: %v", data, err)
		}
	})
}

func TestHasDuplicateKeys(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"a":1,"b":{"a":2}}`:            false,
		`{"a":1,"A":2}`:                  true,
		`[{"x":[{"k":1,"k":2}]}]`:        true,
		`{"a\u0062":1,"AB":2}`:           true,
		`{"a":`:                          false,
		`{"values":[{"id":1},{"id":2}]}`: false,
	} {
		if got := jsonwalk.HasDuplicateKeys([]byte(doc)); got != want {
			t.Errorf("HasDuplicateKeys(%s) = %v, want %v", doc, got, want)
		}
	}
}
