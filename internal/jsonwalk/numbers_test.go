package jsonwalk_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

func TestInt(t *testing.T) {
	for _, tt := range []struct {
		in   string
		bits int
		want int64
		ok   bool
	}{
		{`42`, 64, 42, true}, {`-7`, 64, -7, true}, {`0`, 0, 0, true}, {`-0`, 64, 0, true},
		{`9223372036854775807`, 64, 1<<63 - 1, true}, {`-9223372036854775808`, 64, -1 << 63, true},
		{`127`, 8, 127, true}, {`-128`, 8, -128, true}, {`128`, 8, 0, false}, {`-129`, 8, 0, false},
		{`9223372036854775808`, 64, 0, false}, {`99999999999999999999`, 64, 0, false},
		{`1.5`, 64, 0, false}, {`1e3`, 64, 0, false}, {`1.0`, 64, 0, false},
		{`"42"`, 64, 0, false}, {`true`, 64, 0, false}, {`{}`, 64, 0, false},
	} {
		n, ok, err := jsonwalk.NewDecoder([]byte(tt.in)).Int(tt.bits)
		var te *json.UnmarshalTypeError
		if ok != tt.ok || n != tt.want || (tt.ok && err != nil) || (!tt.ok && !errors.As(err, &te)) {
			t.Errorf("Int(%s, %d) = %d, %v, %v", tt.in, tt.bits, n, ok, err)
		}
	}
	if n, ok, err := jsonwalk.NewDecoder("null").Int(64); n != 0 || ok || err != nil {
		t.Errorf("Int(null) = %d, %v, %v", n, ok, err)
	}
}

func TestNumber(t *testing.T) {
	for in, want := range map[string]string{` -1.5e+3 `: "-1.5e+3", `0`: "0", `null`: ""} {
		if got, _, err := jsonwalk.NewDecoder(in).Number(); got != want || err != nil {
			t.Errorf("Number(%s) = %q, %v", in, got, err)
		}
	}
	var se *jsonwalk.SyntaxError
	for _, in := range []string{`01`, `1.`, `-`, `1e+`} {
		d := jsonwalk.NewDecoder(in)
		_, _, err := d.Number()
		if err == nil {
			err = d.End()
		}
		if !errors.As(err, &se) {
			t.Errorf("Number(%s): %v, want a syntax error", in, err)
		}
	}
}

func TestBoolAndNull(t *testing.T) {
	for in, want := range map[string][2]bool{` true`: {true, true}, `false`: {false, true}, `null`: {false, false}} {
		if b, ok, err := jsonwalk.NewDecoder(in).Bool(); b != want[0] || ok != want[1] || err != nil {
			t.Errorf("Bool(%s) = %v, %v, %v", in, b, ok, err)
		}
	}
	d := jsonwalk.NewDecoder(`1`)
	if d.Null() || d.Kind() != jsonwalk.KindNumber {
		t.Error("Null consumed a number")
	}
	d = jsonwalk.NewDecoder(`nul`)
	if d.Null() || d.End() == nil {
		t.Error("a malformed null was not a syntax error")
	}
}
