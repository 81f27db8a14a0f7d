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

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
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

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, ErrSyntax
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := stringEnd(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
				if depth > maxDepth {
					return 0, ErrSyntax
				}
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, ErrSyntax
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
			if j == i {
				return 0, ErrSyntax
			}
			return j, nil
		}
		j++
	}
	if j == i {
		return 0, ErrSyntax
	}
	return j, nil
}

// IsNull reports whether v is the literal null.
func IsNull(v []byte) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 4 && string(v) == "null"
}

func typeError(v []byte, want reflect.Type) error {
	kind := "value"
	v = bytes.TrimSpace(v)
	if len(v) > 0 {
		switch v[0] {
		case '"':
			kind = "string"
		case '{':
			kind = "object"
		case '[':
			kind = "array"
		case 't', 'f':
			kind = "bool"
		default:
			kind = "number"
		}
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

// Object calls fn with the key (its raw text between the quotes, escapes kept) and the value of
// each member of the object v, in order. null calls fn for nothing. Anything else is a type error.
func Object(v []byte, fn func(key, val []byte) error) error {
	i := skipSpace(v, 0)
	if i < len(v) && v[i] == 'n' {
		if IsNull(v) {
			return nil
		}
		return ErrSyntax
	}
	if i >= len(v) || v[i] != '{' {
		return typeError(v, typeObject)
	}
	i = skipSpace(v, i+1)
	if i < len(v) && v[i] == '}' {
		return nil
	}
	for {
		if i >= len(v) || v[i] != '"' {
			return ErrSyntax
		}
		kEnd, err := stringEnd(v, i)
		if err != nil {
			return err
		}
		key := v[i+1 : kEnd-1]
		i = skipSpace(v, kEnd)
		if i >= len(v) || v[i] != ':' {
			return ErrSyntax
		}
		i = skipSpace(v, i+1)
		end, err := valueEnd(v, i)
		if err != nil {
			return err
		}
		if err := fn(key, v[i:end]); err != nil {
			return err
		}
		i = skipSpace(v, end)
		if i >= len(v) {
			return ErrSyntax
		}
		switch v[i] {
		case ',':
			i = skipSpace(v, i+1)
		case '}':
			return nil
		default:
			return ErrSyntax
		}
	}
}

// Array calls fn with each element of the array v, in order. null calls fn for nothing.
func Array(v []byte, fn func(elem []byte) error) error {
	i := skipSpace(v, 0)
	if i < len(v) && v[i] == 'n' {
		if IsNull(v) {
			return nil
		}
		return ErrSyntax
	}
	if i >= len(v) || v[i] != '[' {
		return typeError(v, typeArray)
	}
	i = skipSpace(v, i+1)
	if i < len(v) && v[i] == ']' {
		return nil
	}
	for {
		end, err := valueEnd(v, i)
		if err != nil {
			return err
		}
		if err := fn(v[i:end]); err != nil {
			return err
		}
		i = skipSpace(v, end)
		if i >= len(v) {
			return ErrSyntax
		}
		switch v[i] {
		case ',':
			i = skipSpace(v, i+1)
		case ']':
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

// AppendString appends the text of the JSON string v to dst and reports whether v held a
// string; null leaves dst as it is and reports false with no error.
func AppendString(dst, v []byte) ([]byte, bool, error) {
	v = bytes.TrimSpace(v)
	if IsNull(v) {
		return dst, false, nil
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return dst, false, typeError(v, typeString)
	}
	out, ok := unquote(dst, v[1:len(v)-1])
	if !ok {
		return dst, false, ErrSyntax
	}
	return out, true, nil
}

// StringEquals reports whether the JSON string v equals s, compared with strings.EqualFold when
// fold is true. null is no match.
func StringEquals(v []byte, s string, fold bool) (bool, error) {
	var buf [64]byte
	out, ok, err := AppendString(buf[:0], v)
	if err != nil || !ok {
		return false, err
	}
	if fold {
		return strings.EqualFold(string(out), s), nil
	}
	return string(out) == s, nil
}

// Bool reads a JSON boolean; ok is false for null.
func Bool(v []byte) (b, ok bool, err error) {
	switch string(bytes.TrimSpace(v)) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	case "null":
		return false, false, nil
	}
	return false, false, typeError(v, typeBool)
}

// Int reads a JSON number into an int64 as encoding/json would (no fraction, no exponent, no
// overflow); ok is false for null. digits is the number's text, canonical when n is not zero.
func Int(v []byte) (n int64, digits []byte, ok bool, err error) {
	v = bytes.TrimSpace(v)
	if IsNull(v) {
		return 0, nil, false, nil
	}
	neg := len(v) > 0 && v[0] == '-'
	d := v
	if neg {
		d = v[1:]
	}
	if len(d) == 0 || len(d) > 19 {
		return 0, nil, false, typeError(v, typeInt)
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, nil, false, typeError(v, typeInt)
		}
		u = u*10 + uint64(c-'0')
	}
	if len(d) > 1 && d[0] == '0' {
		return 0, nil, false, ErrSyntax
	}
	switch {
	case !neg && u > 1<<63-1, neg && u > 1<<63:
		return 0, nil, false, typeError(v, typeInt)
	case neg:
		return -int64(u), v, true, nil
	}
	return int64(u), v, true, nil
}
