package jsonwalk_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

func TestObjectAndArray(t *testing.T) {
	doc := ` { "a" : [1, "x,]}", {"b": null}, [2]] , "c\"d":true,"e":{}, "f": "text" } `
	d := jsonwalk.NewDecoder([]byte(doc))
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
		case jsonwalk.KeyIs(k, "e"):
			_ = d.Kind() // looking without reading leaves the value to be skipped
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
	if err := d.End(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys, []string{"a", `c"d`, "e", "f"}) {
		t.Errorf("keys = %q", keys)
	}
	if !slices.Equal(elems, []string{"skipped", "x,]}", "skipped", "skipped"}) {
		t.Errorf("elements = %q", elems)
	}
	if string(f) != "text" {
		t.Errorf("f = %q", f)
	}
}

func TestNullContainers(t *testing.T) {
	d := jsonwalk.NewDecoder(`[null, null]`)
	calls := 0
	err := d.Array(func() error {
		if calls++; calls == 1 {
			return d.Object(func(string) error { t.Error("fn called for null"); return nil })
		}
		return d.Array(func() error { t.Error("fn called for null"); return nil })
	})
	if err != nil || calls != 2 || d.End() != nil {
		t.Errorf("Array = %v after %d calls", err, calls)
	}
}

func TestValidityMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12E+4`, `"x"`, ` {"a" : [1, 2, {"b": null}] } `,
		`{"a":"\u00e9\n\"\\\/\b\f\r\t"}`, `"\ud83d\ude00"`, `"\ud800"`,
		``, ` `, `{`, `}`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a":1 "b":2}`, `{1:2}`,
		`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `tru`, `nul`, `True`, `"abc`, `"a\"`, `"\x"`, `"\u12"`, `"\u12g4"`,
		"\"a\x01b\"", "\"tab\there\"", `{"a":1}{}`, `[] x`, `"\`, `{"a":[1,2}`, `[{"a":1]]`, `{"a\u":1}`, `{"a":nul}`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
		"\"\xff\xfe\"", "\"0\"\x00", "{\"a\":1}\x00", "\x00",
	}
	for _, doc := range docs {
		want := json.Valid([]byte(doc))
		if _, err := walkAll(jsonwalk.NewDecoder(doc)); (err == nil) != want {
			t.Errorf("Decoder[string] on %.40q: %v, encoding/json accepts: %v", doc, err, want)
		}
		if _, err := walkAll(jsonwalk.NewDecoder([]byte(doc))); (err == nil) != want {
			t.Errorf("Decoder[[]byte] on %.40q: %v, encoding/json accepts: %v", doc, err, want)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	d := jsonwalk.NewDecoder(`{"secret": tru}`)
	err := d.Object(func(string) error { _, _, err := d.Bool(); return err })
	var se *jsonwalk.SyntaxError
	if !errors.As(err, &se) || se.Offset != 11 || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error = %v, want a *SyntaxError at offset 11 that does not echo the input", err)
	}
	// Sticky: every later read returns the same error.
	if _, _, err2 := d.Str(); err2 != err {
		t.Errorf("read after a syntax error = %v", err2)
	}
	if d.End() != err || d.Skip() != err || d.Kind() != jsonwalk.KindInvalid {
		t.Error("End, Skip or Kind forgot the syntax error")
	}
}

func TestTypeErrorSkipsTheValue(t *testing.T) {
	d := jsonwalk.NewDecoder([]byte(`{"a":{"x":[1,"]"]},"b":"yes","c":[],"d":1.5,"e":true}`))
	var te *json.UnmarshalTypeError
	var mismatches []string
	err := d.Object(func(k []byte) error {
		var err error
		switch string(k) {
		case "a":
			_, _, err = d.Str()
		case "b":
			_, _, err = d.Bool()
		case "c":
			err = d.Object(func([]byte) error { return nil })
		case "d":
			_, _, err = d.Int(64)
		case "e":
			err = d.Array(func() error { return nil })
		}
		if errors.As(err, &te) {
			mismatches = append(mismatches, string(k)+":"+te.Value+">"+te.Type.String())
			return nil // the caller may go on
		}
		return err
	})
	if err != nil || d.End() != nil {
		t.Fatalf("Object = %v", err)
	}
	want := []string{"a:object>string", "b:string>bool", "c:array>map[string]interface {}", "d:number>int64", "e:bool>[]interface {}"}
	if !slices.Equal(mismatches, want) {
		t.Errorf("mismatches = %q, want %q", mismatches, want)
	}
}

func TestCallbackErrorStops(t *testing.T) {
	stop := errors.New("stop")
	d := jsonwalk.NewDecoder(`[1, 2, 3]`)
	n := 0
	if err := d.Array(func() error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Array = %v after %d calls", err, n)
	}
}

func TestReset(t *testing.T) {
	d := jsonwalk.NewDecoder([]byte(`[`))
	if err := d.Skip(); err == nil {
		t.Fatal("unterminated array accepted")
	}
	d.Reset([]byte(` "ok" `))
	if s, ok, err := d.Str(); s != "ok" || !ok || err != nil || d.End() != nil {
		t.Errorf("after Reset: %q, %v, %v", s, ok, err)
	}
}

// walkAll reads a whole document with d into the values encoding/json gives for an any, reading
// every string (with Str for a Decoder[string], with AppendString for a Decoder[[]byte]), every
// key and every number, then checks the end of the input.
func walkAll[T jsonwalk.Text](d *jsonwalk.Decoder[T]) (any, error) {
	v, err := walkValue(d)
	if err != nil {
		return nil, err
	}
	return v, d.End()
}

func walkValue[T jsonwalk.Text](d *jsonwalk.Decoder[T]) (any, error) {
	switch d.Kind() {
	case jsonwalk.KindObject:
		m := map[string]any{}
		err := d.Object(func(k T) error {
			v, err := walkValue(d)
			m[string(k)] = v
			return err
		})
		return m, err
	case jsonwalk.KindArray:
		a := []any{}
		err := d.Array(func() error {
			v, err := walkValue(d)
			a = append(a, v)
			return err
		})
		return a, err
	case jsonwalk.KindString:
		if _, ok := any(d).(*jsonwalk.Decoder[string]); ok {
			s, _, err := d.Str()
			return s, err
		}
		b, _, err := d.AppendString(nil)
		return string(b), err
	case jsonwalk.KindNumber:
		text, _, err := d.Number()
		f, _ := strconv.ParseFloat(text, 64)
		return f, err
	case jsonwalk.KindTrue, jsonwalk.KindFalse:
		b, _, err := d.Bool()
		return b, err
	case jsonwalk.KindNull:
		if d.Null() {
			return nil, nil
		}
	}
	return nil, d.Skip() // not a value: Skip reports the syntax error
}

// FuzzDecoder checks both kinds of Decoder against encoding/json: they accept exactly the
// documents json.Valid accepts, and read from them the same values (keys, strings, numbers,
// literals) as json.Unmarshal into an any; a lone number or string is also read with Int and Str;
// and a value read as the wrong type is skipped with a *json.UnmarshalTypeError.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":"c"}],"d":null,"e":true,"f":-1.5e3}`))
	f.Add([]byte(`[{"x":"\"}"}, [], {}]`))
	f.Add([]byte(`{"a":`))
	f.Add([]byte(`{"k":"v","K":"w","k":"x","\u006b":"y"}`))
	f.Add([]byte(`"\ud83d\ude00 \ud800 \udc00\u0041 caf\u00e9 \xff\xfe ok"`))
	f.Add([]byte(`-9223372036854775808`))
	f.Add([]byte("\"0\"\x00"))
	f.Add([]byte(`[1, -0.5e+3, true, null, {"a": "\"b\""}]`))
	// Real documents: the webhook fixtures (none found is no error, the seeds above remain).
	files, _ := filepath.Glob(filepath.Join("..", "..", "webhooks", "testdata", "*.json"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		valid := json.Valid(data)
		fromString, errS := walkAll(jsonwalk.NewDecoder(string(data)))
		fromBytes, errB := walkAll(jsonwalk.NewDecoder(data))
		if (errS == nil) != valid || (errB == nil) != valid {
			t.Fatalf("accepts %q: Decoder[string] %v, Decoder[[]byte] %v; encoding/json %v", data, errS, errB, valid)
		}
		if !valid {
			var se *jsonwalk.SyntaxError
			if !errors.As(errS, &se) || !errors.As(errB, &se) {
				t.Fatalf("errors on %q are not *SyntaxError: %v, %v", data, errS, errB)
			}
			return
		}
		var want any
		if json.Unmarshal(data, &want) == nil { // fails only for numbers out of float64's range
			if !reflect.DeepEqual(fromString, want) || !reflect.DeepEqual(fromBytes, want) {
				t.Fatalf("read %q as\n%#v (string)\n%#v ([]byte)\nencoding/json: %#v", data, fromString, fromBytes, want)
			}
		}
		checkScalars(t, data)
		checkMismatch(t, jsonwalk.NewDecoder(data))
		checkMismatch(t, jsonwalk.NewDecoder(string(data)))
	})
}

// checkScalars reads a valid document that is a lone number or string with Int and Str, and
// compares with encoding/json.
func checkScalars(t *testing.T, data []byte) {
	var n64 int64
	errJSON := json.Unmarshal(data, &n64)
	n, ok, err := jsonwalk.NewDecoder(data).Int(64)
	if (err == nil) != (errJSON == nil) || (err == nil && ok && n != n64) {
		t.Fatalf("Int(64) of %q = %d, %v; encoding/json %d, %v", data, n, err, n64, errJSON)
	}
	var n8 int8
	errJSON = json.Unmarshal(data, &n8)
	n, ok, err = jsonwalk.NewDecoder(string(data)).Int(8)
	if (err == nil) != (errJSON == nil) || (err == nil && ok && n != int64(n8)) {
		t.Fatalf("Int(8) of %q = %d, %v; encoding/json %d, %v", data, n, err, n8, errJSON)
	}
	var s string
	errJSON = json.Unmarshal(data, &s)
	for _, got := range []func() (string, bool, error){jsonwalk.NewDecoder(data).Str, jsonwalk.NewDecoder(string(data)).Str} {
		str, ok, err := got()
		if (err == nil) != (errJSON == nil) || (err == nil && ok && str != s) {
			t.Fatalf("Str of %q = %q, %v; encoding/json %q, %v", data, str, err, s, errJSON)
		}
	}
}

// checkMismatch reads a valid document as a type it is not, and checks the type error and that
// the value was skipped.
func checkMismatch[T jsonwalk.Text](t *testing.T, d *jsonwalk.Decoder[T]) {
	var err error
	switch d.Kind() {
	case jsonwalk.KindNull:
		return
	case jsonwalk.KindObject:
		err = d.Array(func() error { return nil })
	case jsonwalk.KindString:
		_, _, err = d.Bool()
	default:
		_, _, err = d.Str()
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || d.End() != nil {
		t.Fatalf("mismatched read: %v, then End %v", err, d.End())
	}
}
