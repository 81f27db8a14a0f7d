package jsonwalk

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"unicode/utf8"
)

// ErrSyntax is returned for input that is not well-formed JSON (never for what encoding/json
// passes to an UnmarshalJSON method).
var ErrSyntax = errors.New("jsonwalk: malformed JSON")

// maxDepth bounds nesting while skipping values.
const maxDepth = 10000

// Decoder reads one JSON value in a single pass: each byte is looked at once, whatever the
// nesting. Its methods read the value at the current position and move past it.
type Decoder struct {
	b []byte
	i int
}

// NewDecoder returns a Decoder positioned at the start of data.
func NewDecoder(data []byte) *Decoder { return &Decoder{b: data} }

// Rest returns the input from the next value on (white space skipped).
func (d *Decoder) Rest() []byte {
	d.skipSpace()
	return d.b[d.i:]
}

// Reset points d at the start of data.
func (d *Decoder) Reset(data []byte) { d.b, d.i = data, 0 }

func (d *Decoder) skipSpace() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the first byte of the next value, 0 at the end.
func (d *Decoder) peek() byte {
	d.skipSpace()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// Null consumes a null and reports whether there was one.
func (d *Decoder) Null() bool {
	if d.peek() == 'n' && bytes.HasPrefix(d.b[d.i:], []byte("null")) {
		d.i += 4
		return true
	}
	return false
}

// stringEnd returns the index just past the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, ErrSyntax
}

// Skip moves past the next value, whatever it is.
func (d *Decoder) Skip() error {
	d.skipSpace()
	b, i := d.b, d.i
	if i >= len(b) {
		return ErrSyntax
	}
	switch b[i] {
	case '"':
		end, err := stringEnd(b, i)
		if err != nil {
			return err
		}
		d.i = end
		return nil
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := stringEnd(b, j)
				if err != nil {
					return err
				}
				j = end - 1
			case '{', '[':
				depth++
				if depth > maxDepth {
					return ErrSyntax
				}
			case '}', ']':
				depth--
				if depth == 0 {
					d.i = j + 1
					return nil
				}
			}
		}
		return ErrSyntax
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
			goto done
		}
		j++
	}
done:
	if j == i {
		return ErrSyntax
	}
	d.i = j
	return nil
}

// scalar returns the text of the next number or literal and moves past it.
func (d *Decoder) scalar() ([]byte, error) {
	d.skipSpace()
	from := d.i
	if err := d.Skip(); err != nil {
		return nil, err
	}
	return d.b[from:d.i], nil
}

func typeError(first byte, want reflect.Type) error {
	kind := "number"
	switch first {
	case '"':
		kind = "string"
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case 't', 'f':
		kind = "bool"
	}
	return &json.UnmarshalTypeError{Value: kind, Type: want}
}

var (
	typeObject = reflect.TypeFor[map[string]any]()
	typeArray  = reflect.TypeFor[[]any]()
	typeString = reflect.TypeFor[string]()
	typeBool   = reflect.TypeFor[bool]()
	typeInt    = reflect.TypeFor[int64]()
)

// Object reads an object, calling fn with each member's key (its raw text between the quotes,
// escapes kept) while positioned at the member's value. fn reads the value with d's methods, or
// leaves it, and it is skipped. null calls fn for nothing; anything else is a type error (the
// value is skipped first, so that the caller may go on).
func (d *Decoder) Object(fn func(key []byte) error) error {
	switch c := d.peek(); c {
	case '{':
	case 'n':
		if d.Null() {
			return nil
		}
		return ErrSyntax
	default:
		if err := d.Skip(); err != nil {
			return err
		}
		return typeError(c, typeObject)
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		if d.peek() != '"' {
			return ErrSyntax
		}
		end, err := stringEnd(d.b, d.i)
		if err != nil {
			return err
		}
		key := d.b[d.i+1 : end-1]
		d.i = end
		if d.peek() != ':' {
			return ErrSyntax
		}
		d.i++
		d.skipSpace()
		at := d.i
		if err := fn(key); err != nil {
			return err
		}
		if d.i == at {
			if err := d.Skip(); err != nil {
				return err
			}
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return ErrSyntax
		}
	}
}

// Array reads an array, calling fn positioned at each element; an element fn leaves is skipped.
// null calls fn for nothing.
func (d *Decoder) Array(fn func() error) error {
	switch c := d.peek(); c {
	case '[':
	case 'n':
		if d.Null() {
			return nil
		}
		return ErrSyntax
	default:
		if err := d.Skip(); err != nil {
			return err
		}
		return typeError(c, typeArray)
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		d.skipSpace()
		at := d.i
		if err := fn(); err != nil {
			return err
		}
		if d.i == at {
			if err := d.Skip(); err != nil {
				return err
			}
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return ErrSyntax
		}
	}
}

// KeyIs reports whether a key given by Object names field name, matched as encoding/json matches
// object keys to struct fields: exactly, else without regard to case.
func KeyIs(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key) == name || bytes.EqualFold(key, []byte(name))
	}
	var buf [64]byte
	k, ok := unquote(buf[:0], key)
	return ok && strings.EqualFold(string(k), name)
}

// unquote appends the decoded text of a string's raw content (between the quotes).
func unquote(dst, raw []byte) ([]byte, bool) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return append(dst, raw...), true
	}
	// Rare: escapes or invalid UTF-8. encoding/json decides what they mean.
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return dst, false
	}
	return append(dst, s...), true
}

// AppendString reads a string and appends its text to dst, reporting whether there was one: null
// leaves dst as it is and reports false with no error.
func (d *Decoder) AppendString(dst []byte) ([]byte, bool, error) {
	switch c := d.peek(); c {
	case '"':
	case 'n':
		if d.Null() {
			return dst, false, nil
		}
		return dst, false, ErrSyntax
	default:
		if err := d.Skip(); err != nil {
			return dst, false, err
		}
		return dst, false, typeError(c, typeString)
	}
	end, err := stringEnd(d.b, d.i)
	if err != nil {
		return dst, false, err
	}
	raw := d.b[d.i+1 : end-1]
	d.i = end
	out, ok := unquote(dst, raw)
	if !ok {
		return dst, false, ErrSyntax
	}
	return out, true, nil
}

// StringIs reads a string and reports whether it equals s (without regard to case when fold is
// true); ok is false for null.
func (d *Decoder) StringIs(s string, fold bool) (match, ok bool, err error) {
	var buf [64]byte
	out, ok, err := d.AppendString(buf[:0])
	if err != nil || !ok {
		return false, ok, err
	}
	if fold {
		return strings.EqualFold(string(out), s), true, nil
	}
	return string(out) == s, true, nil
}

// Bool reads a boolean; ok is false for null.
func (d *Decoder) Bool() (b, ok bool, err error) {
	c := d.peek()
	v, err := d.scalar()
	if err != nil {
		return false, false, err
	}
	switch string(v) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	case "null":
		return false, false, nil
	}
	return false, false, typeError(c, typeBool)
}

// Int reads a number into an int64 as encoding/json would (no fraction, no exponent, no
// overflow); ok is false for null. digits is the number's text, canonical when n is not zero.
func (d *Decoder) Int() (n int64, digits []byte, ok bool, err error) {
	c := d.peek()
	v, err := d.scalar()
	if err != nil {
		return 0, nil, false, err
	}
	if string(v) == "null" {
		return 0, nil, false, nil
	}
	neg := len(v) > 0 && v[0] == '-'
	dg := v
	if neg {
		dg = v[1:]
	}
	if len(dg) == 0 || len(dg) > 19 {
		return 0, nil, false, typeError(c, typeInt)
	}
	var u uint64
	for _, ch := range dg {
		if ch < '0' || ch > '9' {
			return 0, nil, false, typeError(c, typeInt)
		}
		u = u*10 + uint64(ch-'0')
	}
	if len(dg) > 1 && dg[0] == '0' {
		return 0, nil, false, ErrSyntax
	}
	switch {
	case !neg && u > 1<<63-1, neg && u > 1<<63:
		return 0, nil, false, typeError(c, typeInt)
	case neg:
		return -int64(u), v, true, nil
	}
	return int64(u), v, true, nil
}

// HasDuplicateKeys reports whether some object in the document data has two keys that
// encoding/json would take for the same field (equal without regard to case). encoding/json
// merges such members in ways that depend on its internals (a repeated array reuses the elements
// decoded the first time); the decoders built on this package let the last member win. Tests
// comparing the two skip such documents. Malformed data reports false.
func HasDuplicateKeys(data []byte) bool {
	d := NewDecoder(data)
	dup := false
	var value func(depth int) error
	value = func(depth int) error {
		if depth > maxDepth {
			return ErrSyntax
		}
		switch d.peek() {
		case '{':
			var keys []string
			return d.Object(func(k []byte) error {
				var buf [64]byte
				name, ok := unquote(buf[:0], k)
				if !ok {
					return ErrSyntax
				}
				for _, seen := range keys {
					if strings.EqualFold(seen, string(name)) {
						dup = true
					}
				}
				keys = append(keys, string(name))
				return value(depth + 1)
			})
		case '[':
			return d.Array(func() error { return value(depth + 1) })
		}
		return d.Skip()
	}
	if err := value(0); err != nil {
		return false
	}
	return dup
}
