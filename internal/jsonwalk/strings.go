package jsonwalk

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// span is the raw content of a string in the input (between its quotes); plain reports that the
// content is its own text: no escapes, valid UTF-8.
type span struct {
	from, to int
	plain    bool
}

// plainByte holds the bytes a string can contain as they are: printable ASCII but the quote and
// the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString moves past the string starting at d.i (a quote), validating its escapes, and returns
// its raw content.
func (d *Decoder[T]) scanString() (span, error) {
	s := d.in
	from := d.i + 1
	escaped, high := false, false
	for j := from; j < len(s); j++ {
		for j < len(s) && plainByte[s[j]] {
			j++
		}
		if j == len(s) {
			break
		}
		switch c := s[j]; {
		case c == '"':
			d.i = j + 1
			plain := !escaped && (!high || validUTF8(s[from:j]))
			return span{from: from, to: j, plain: plain}, nil
		case c == '\\':
			escaped = true
			if j+1 >= len(s) {
				d.i = j
				return span{}, d.fail("unterminated string")
			}
			switch s[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if _, ok := hex4(s, j+2); !ok {
					d.i = j
					return span{}, d.fail("invalid \\u escape")
				}
				j += 5
			default:
				d.i = j
				return span{}, d.fail("invalid string escape")
			}
		case c < 0x20:
			d.i = j
			return span{}, d.fail("control character in string")
		default:
			high = true
		}
	}
	return span{}, d.fail("unterminated string")
}

// text returns the decoded text of a string: the input itself when plain, else a new copy.
func (d *Decoder[T]) text(sp span) T {
	raw := d.in[sp.from:sp.to]
	if sp.plain {
		return raw
	}
	return T(appendUnescaped(nil, raw))
}

// Str reads a string and returns its text; null gives "" and ok false. For a Decoder[string],
// the text of a string without escapes is a substring of the input (no copy, no allocation);
// otherwise it is a new string.
func (d *Decoder[T]) Str() (s string, ok bool, err error) {
	sp, ok, err := d.readString()
	if !ok {
		return "", false, err
	}
	raw := d.in[sp.from:sp.to]
	if sp.plain {
		return string(raw), true, nil
	}
	if len(raw) <= smallString {
		var tmp [smallString]byte // on the stack: one allocation, the string's
		return string(appendUnescaped(tmp[:0], raw)), true, nil
	}
	d.buf = appendUnescaped(d.buf[:0], raw)
	return string(d.buf), true, nil
}

// smallString is the longest raw string Str unescapes in a buffer on the stack; longer ones use the
// Decoder's scratch buffer.
const smallString = 256

// AppendString reads a string and appends its text to dst, reporting whether there was one: null
// leaves dst as it is and reports false with no error. The text is always copied, so that keeping
// it does not keep the input.
func (d *Decoder[T]) AppendString(dst []byte) ([]byte, bool, error) {
	sp, ok, err := d.readString()
	if !ok {
		return dst, false, err
	}
	raw := d.in[sp.from:sp.to]
	if sp.plain {
		return append(dst, raw...), true, nil
	}
	return appendUnescaped(dst, raw), true, nil
}

// readString moves past a string and returns its content; ok is false for null and on errors.
func (d *Decoder[T]) readString() (sp span, ok bool, err error) {
	if d.err != nil {
		return span{}, false, d.err
	}
	switch c := d.peek(); c {
	case '"':
	case 'n':
		return span{}, false, d.literal("null")
	default:
		return span{}, false, d.mismatch(c, typeString)
	}
	sp, err = d.scanString()
	return sp, err == nil, err
}

// appendUnescaped appends the text of a string's raw content, which scanString validated, as
// encoding/json decodes it: escapes resolved, \uXXXX surrogate pairs combined, and a lone
// surrogate or a byte of invalid UTF-8 replaced by U+FFFD.
func appendUnescaped[T Text](dst []byte, raw T) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c >= utf8.RuneSelf:
			r, size := decodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, raw[i:i+size]...)
			}
			i += size
			continue
		case c != '\\':
			dst = append(dst, c)
			i++
			continue
		case i+1 >= len(raw):
			return dst // not after scanString
		}
		switch e := raw[i+1]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(raw, i+2)
			i += 6
			if utf16.IsSurrogate(r) {
				if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2, ok := hex4(raw, i+2)
					if dec := utf16.DecodeRune(r, r2); ok && dec != unicode.ReplacementChar {
						dst = utf8.AppendRune(dst, dec)
						i += 6
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
		i += 2
	}
	return dst
}

// hex4 reads the four hex digits at s[i:i+4] as a rune.
func hex4[T Text](s T, i int) (rune, bool) {
	if i < 0 || i+4 > len(s) {
		return 0, false
	}
	var r rune
	for j := i; j < i+4; j++ {
		c := s[j]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// validUTF8 reports whether s is valid UTF-8.
func validUTF8[T Text](s T) bool {
	switch v := any(s).(type) {
	case string:
		return utf8.ValidString(v)
	case []byte:
		return utf8.Valid(v)
	}
	return false
}

// decodeRune decodes the first rune of s, as utf8.DecodeRune does.
func decodeRune[T Text](s T) (rune, int) {
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v)
	case []byte:
		return utf8.DecodeRune(v)
	}
	return utf8.RuneError, 1
}

// KeyIs reports whether a key given by Object names field name, matched as encoding/json matches
// object keys to struct fields: exactly, else without regard to case (with Unicode case folding).
func KeyIs[T Text](key T, name string) bool {
	if string(key) == name {
		return true
	}
	switch k := any(key).(type) {
	case string:
		return strings.EqualFold(k, name)
	case []byte:
		var buf [64]byte
		return bytes.EqualFold(k, append(buf[:0], name...))
	}
	return false
}
