package webhooks

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// scanValid reports whether the scanner accepts doc as one JSON value.
func scanValid(doc string) bool {
	s := scanner{s: doc}
	s.skip()
	s.end()
	return s.err == nil
}

func TestScannerValidityMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12E+4`, `"x"`, ` {"a" : [1, 2, {"b": null}] } `,
		`{"a":"\u00e9\n\"\\\/\b\f\r\t"}`, `"\ud83d\ude00"`, `"\ud800"`,
		``, ` `, `{`, `}`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a":1 "b":2}`, `{1:2}`,
		`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `tru`, `nul`, `True`, `"abc`, `"a\"`, `"\x"`, `"\u12"`, `"\u12g4"`,
		"\"a\x01b\"", "\"tab\there\"", `{"a":1}{}`, `[] x`, `"\`, `{"a":[1,2}`, `[{"a":1]]`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat("[", 100) + strings.Repeat("]", 100),
		"\"\xff\xfe\"", "\"0\"\x00", "{\"a\":1}\x00", "\x00",
	}
	for _, doc := range docs {
		if got, want := scanValid(doc), json.Valid([]byte(doc)); got != want {
			t.Errorf("scanner accepts %.40q: %v, encoding/json: %v", doc, got, want)
		}
	}
}

func TestScannerStringsMatchEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`"plain"`, `"é, ünïcödé"`, `"line\nbreak"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00 smile"`, `"\ud800 lone"`,
		`"\udc00"`, `"\ud800\u0041"`, `"\ud800\ud800"`, `"\/\\\"\b\f\r\t"`, `""`,
	} {
		var want string
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		s := scanner{s: doc}
		if got := s.str(); got != want || s.err != nil {
			t.Errorf("str(%s) = %q, %v; want %q", doc, got, s.err, want)
		}
	}
}

func TestScannerIntegers(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{`42`, 42, true}, {`-7`, -7, true}, {`null`, 0, true}, {`1.5`, 0, false}, {`1e3`, 0, false},
		{`"42"`, 0, false}, {`99999999999999999999`, 0, false}, {`true`, 0, false},
	} {
		s := scanner{s: tt.in}
		got := s.integer(64)
		if (s.err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("integer(%s) = %d, %v", tt.in, got, s.err)
		}
	}
}

// checkScannerAgainstEncodingJSON is the differential property the fuzz targets apply to any input.
func checkScannerAgainstEncodingJSON(t *testing.T, body []byte) {
	t.Helper()
	if got, want := scanValid(string(body)), json.Valid(body); got != want {
		t.Fatalf("scanner validity %v, encoding/json %v for %q", got, want, body)
	}
	if len(body) > 0 && body[0] == '"' && json.Valid(body) && utf8.Valid(body) {
		var want string
		_ = json.Unmarshal(body, &want)
		s := scanner{s: string(body)}
		if got := s.str(); got != want {
			t.Fatalf("str(%q) = %q, encoding/json %q", body, got, want)
		}
	}
}
