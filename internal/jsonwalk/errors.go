package jsonwalk

import (
	"encoding/json"
	"reflect"
	"strconv"
)

// SyntaxError reports input that is not JSON. Its message names what was expected and where, never
// the input's content.
type SyntaxError struct {
	Offset int64 // the byte offset at which the problem was found
	msg    string
}

func (e *SyntaxError) Error() string {
	return "jsonwalk: " + e.msg + " at offset " + strconv.FormatInt(e.Offset, 10)
}

// fail records a syntax error at the current position (the first one only) and moves to the end
// of the input, so that every later read stops.
func (d *Decoder[T]) fail(msg string) error {
	if d.err == nil {
		d.err = &SyntaxError{Offset: int64(d.i), msg: msg}
	}
	d.i = len(d.in)
	return d.err
}

// mismatch skips the value starting with c and reports it as not of type want.
func (d *Decoder[T]) mismatch(c byte, want reflect.Type) error {
	if err := d.skip(); err != nil {
		return err
	}
	kind := "number"
	switch c {
	case '"':
		kind = "string"
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case 't', 'f':
		kind = "bool"
	}
	return &json.UnmarshalTypeError{Value: kind, Type: want, Offset: int64(d.i)}
}

var (
	typeObject = reflect.TypeFor[map[string]any]()
	typeArray  = reflect.TypeFor[[]any]()
	typeString = reflect.TypeFor[string]()
	typeBool   = reflect.TypeFor[bool]()
	typeNumber = reflect.TypeFor[json.Number]()
)
