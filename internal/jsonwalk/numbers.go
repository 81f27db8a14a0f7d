package jsonwalk

import (
	"encoding/json"
	"reflect"
)

// scanNumber moves past the number starting at d.i, validating it, and returns its bounds.
func (d *Decoder[T]) scanNumber() (from, to int, err error) {
	s := d.in
	from = d.i
	digits := func() int {
		n := 0
		for d.i < len(s) && '0' <= s[d.i] && s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(s) && s[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(s) && s[d.i] == '0':
		d.i++
	case digits() == 0:
		return 0, 0, d.fail("invalid number")
	}
	if d.i < len(s) && s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return 0, 0, d.fail("invalid number")
		}
	}
	if d.i < len(s) && (s[d.i] == 'e' || s[d.i] == 'E') {
		d.i++
		if d.i < len(s) && (s[d.i] == '+' || s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return 0, 0, d.fail("invalid number")
		}
	}
	return from, d.i, nil
}

// readNumber moves past a number and returns its text; ok is false for null and on errors.
func (d *Decoder[T]) readNumber(want reflect.Type) (text T, ok bool, err error) {
	if d.err != nil {
		return text, false, d.err
	}
	switch c := d.peek(); c {
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
	case 'n':
		return text, false, d.literal("null")
	default:
		return text, false, d.mismatch(c, want)
	}
	from, to, err := d.scanNumber()
	if err != nil {
		return text, false, err
	}
	return d.in[from:to], true, nil
}

// Number reads a number and returns its text as written; null gives "" and ok false. For a
// Decoder[string] the text is a substring of the input; otherwise it is a new string.
func (d *Decoder[T]) Number() (text string, ok bool, err error) {
	t, ok, err := d.readNumber(typeNumber)
	return string(t), ok, err
}

// Int reads a number into a signed integer of the given bit size (8, 16, 32 or 64; 0 for int), as
// encoding/json would: a fraction, an exponent or a value out of range is a
// *json.UnmarshalTypeError. null gives 0 and ok false.
func (d *Decoder[T]) Int(bits int) (n int64, ok bool, err error) {
	want := intType(bits)
	t, ok, err := d.readNumber(want)
	if !ok {
		return 0, false, err
	}
	n, ok = parseInt(t, want.Bits())
	if !ok {
		return 0, false, &json.UnmarshalTypeError{Value: "number", Type: want, Offset: int64(d.i)}
	}
	return n, true, nil
}

// parseInt converts a valid JSON number to an integer of the given bit size; ok is false for a
// fraction, an exponent or a value out of range.
func parseInt[T Text](t T, bits int) (int64, bool) {
	neg := t[0] == '-'
	digits := t
	if neg {
		digits = t[1:]
	}
	if len(digits) > 19 { // no leading zeros: more than 19 digits is at least 10^19
		return 0, false
	}
	var u uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	limit := uint64(1) << (bits - 1) // the magnitude of the smallest value
	switch {
	case neg && u <= limit:
		return -int64(u), true
	case !neg && u < limit:
		return int64(u), true
	}
	return 0, false
}

// intType is the Go type of an integer of the given bit size, int for any other size.
func intType(bits int) reflect.Type {
	switch bits {
	case 8:
		return reflect.TypeFor[int8]()
	case 16:
		return reflect.TypeFor[int16]()
	case 32:
		return reflect.TypeFor[int32]()
	case 64:
		return reflect.TypeFor[int64]()
	}
	return reflect.TypeFor[int]()
}
