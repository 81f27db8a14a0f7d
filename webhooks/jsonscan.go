package webhooks

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// scanner reads a JSON document in one pass, validating all of it while decoding only the members
// the wire decoders ask for. Strings without escapes are substrings of the document (one copy of
// the body serves every field), which is what makes a delivery cheap to decode compared with
// encoding/json, which validates the whole document, then decodes it, allocating every string.
//
// The first error stops the scan: every method is then a no-op that returns a zero value, and the
// loops of the callers end, since nextKey and nextElem report the end of their container.
type scanner struct {
	s     string
	i     int
	depth int
	err   error
}

// maxDepth bounds nesting, as encoding/json does (same limit), so that hostile input cannot exhaust the stack.
const maxDepth = 10000

func (s *scanner) fail(what string) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: %s at offset %d", ErrMalformedPayload, what, s.i)
	}
	s.i = len(s.s)
}

// peek skips white space and returns the next byte, 0 at the end (a NUL byte in the input also
// reads as 0, which no caller takes for a valid start).
func (s *scanner) peek() byte {
	for s.i < len(s.s) {
		switch c := s.s[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// end checks that nothing but white space follows the document.
func (s *scanner) end() {
	if s.peek(); s.i < len(s.s) {
		s.fail("data after the JSON value")
	}
}

func (s *scanner) literal(lit string) {
	if strings.HasPrefix(s.s[s.i:], lit) {
		s.i += len(lit)
		return
	}
	s.fail("invalid literal")
}

// null consumes a null and reports whether there was one.
func (s *scanner) null() bool {
	if s.peek() == 'n' {
		s.literal("null")
		return true
	}
	return false
}

// openObject consumes '{' and reports true; for null it reports false; anything else is an error.
func (s *scanner) openObject() bool {
	switch s.peek() {
	case '{':
		s.i++
		s.depth++
		if s.depth > maxDepth {
			s.fail("nesting too deep")
			return false
		}
		return true
	case 'n':
		s.literal("null")
	default:
		s.fail("expected an object")
	}
	return false
}

// nextKey returns the key of the next member of an object opened by openObject, n being the
// number of members read so far; at the closing brace (or after an error) it reports false.
func (s *scanner) nextKey(n int) (string, bool) {
	c := s.peek()
	if s.err != nil {
		return "", false
	}
	if c == '}' {
		s.i++
		s.depth--
		return "", false
	}
	if n > 0 {
		if c != ',' {
			s.fail("expected ',' or '}'")
			return "", false
		}
		s.i++
		c = s.peek()
	}
	if c != '"' {
		s.fail("expected a member name")
		return "", false
	}
	key := s.string()
	if s.peek() != ':' {
		s.fail("expected ':'")
		return "", false
	}
	s.i++
	return key, s.err == nil
}

// openArray consumes '[' and reports true; for null it reports false; anything else is an error.
func (s *scanner) openArray() bool {
	switch s.peek() {
	case '[':
		s.i++
		s.depth++
		if s.depth > maxDepth {
			s.fail("nesting too deep")
			return false
		}
		return true
	case 'n':
		s.literal("null")
	default:
		s.fail("expected an array")
	}
	return false
}

// nextElem reports whether an array opened by openArray has another element, n being the number
// of elements read so far; the caller then reads the element.
func (s *scanner) nextElem(n int) bool {
	c := s.peek()
	if s.err != nil {
		return false
	}
	if c == ']' {
		s.i++
		s.depth--
		return false
	}
	if n > 0 {
		if c != ',' {
			s.fail("expected ',' or ']'")
			return false
		}
		s.i++
	}
	return true
}

// string reads a string at the current position (after peek returned '"').
func (s *scanner) string() string {
	start := s.i + 1
	escaped := false
	for j := start; j < len(s.s); j++ {
		switch c := s.s[j]; {
		case c == '"':
			s.i = j + 1
			if !escaped {
				return s.s[start:j]
			}
			out, ok := unescape(s.s[start:j])
			if !ok {
				s.i = start - 1
				s.fail("invalid string escape")
				return ""
			}
			return out
		case c == '\\':
			escaped = true
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			s.i = j
			s.fail("control character in string")
			return ""
		}
	}
	s.fail("unterminated string")
	return ""
}

// unescape decodes the escapes of a JSON string body, as encoding/json does: \uXXXX surrogate
// pairs are combined, and a lone surrogate becomes U+FFFD. It reports false for an invalid escape.
func unescape(q string) (string, bool) {
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); {
		c := q[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(q) {
			return "", false
		}
		switch e := q[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(q, i+2)
			if !ok {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if i+1 < len(q) && q[i] == '\\' && q[i+1] == 'u' {
					r2, ok = hex4(q, i+2)
				}
				if ok {
					if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
						b.WriteRune(dec)
						i += 6
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			b.WriteRune(r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return b.String(), true
}

// hex4 reads the four hex digits at q[i:i+4] as a rune.
func hex4(q string, i int) (rune, bool) {
	if i+4 > len(q) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(q[i : i+4]) {
		v, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// skipString passes over a string, validating its escapes, without decoding it.
func (s *scanner) skipString() {
	for j := s.i + 1; j < len(s.s); j++ {
		switch c := s.s[j]; {
		case c == '"':
			s.i = j + 1
			return
		case c == '\\':
			if j+1 >= len(s.s) {
				break
			}
			switch s.s[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if j+5 >= len(s.s) || !isHex4(s.s[j+2:j+6]) {
					s.i = j
					s.fail("invalid \\u escape")
					return
				}
				j += 5
			default:
				s.i = j
				s.fail("invalid string escape")
				return
			}
		case c < 0x20:
			s.i = j
			s.fail("control character in string")
			return
		}
	}
	s.fail("unterminated string")
}

func isHex4(h string) bool {
	for i := 0; i < 4; i++ {
		if _, ok := hexVal(h[i]); !ok {
			return false
		}
	}
	return true
}

// number reads a JSON number and returns its text.
func (s *scanner) number() string {
	start := s.i
	digits := func() int {
		n := 0
		for s.i < len(s.s) && '0' <= s.s[s.i] && s.s[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.s) && s.s[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.s) && s.s[s.i] == '0':
		s.i++
	case digits() == 0:
		s.fail("invalid number")
		return ""
	}
	if s.i < len(s.s) && s.s[s.i] == '.' {
		s.i++
		if digits() == 0 {
			s.fail("invalid number")
			return ""
		}
	}
	if s.i < len(s.s) && (s.s[s.i] == 'e' || s.s[s.i] == 'E') {
		s.i++
		if s.i < len(s.s) && (s.s[s.i] == '+' || s.s[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			s.fail("invalid number")
			return ""
		}
	}
	return s.s[start:s.i]
}

// skip passes over any value, validating it.
func (s *scanner) skip() {
	switch c := s.peek(); {
	case c == '{':
		s.openObject()
		for n := 0; ; n++ {
			if _, ok := s.nextKey(n); !ok {
				return
			}
			s.skip()
		}
	case c == '[':
		s.openArray()
		for n := 0; s.nextElem(n); n++ {
			s.skip()
		}
	case c == '"':
		s.skipString()
	case c == 't':
		s.literal("true")
	case c == 'f':
		s.literal("false")
	case c == 'n':
		s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		s.number()
	default:
		s.fail("expected a value")
	}
}

// str reads a string or null ("").
func (s *scanner) str() string {
	switch s.peek() {
	case '"':
		return s.string()
	case 'n':
		s.literal("null")
	default:
		s.fail("expected a string")
	}
	return ""
}

// boolean reads true, false or null (false).
func (s *scanner) boolean() bool {
	switch s.peek() {
	case 't':
		s.literal("true")
		return true
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.fail("expected a boolean")
	}
	return false
}

// integer reads an integer that fits in bits, or null (0).
func (s *scanner) integer(bits int) int64 {
	switch c := s.peek(); {
	case c == '-' || '0' <= c && c <= '9':
		lit := s.number()
		n, err := strconv.ParseInt(lit, 10, bits)
		if err != nil && s.err == nil {
			s.fail("expected an integer")
		}
		return n
	case c == 'n':
		s.literal("null")
	default:
		s.fail("expected an integer")
	}
	return 0
}

// id reads an identifier given as a number or a string; null is "".
func (s *scanner) id() string {
	switch c := s.peek(); {
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == '"':
		return s.string()
	case c == 'n':
		s.literal("null")
	default:
		s.fail("expected an id")
	}
	return ""
}

// time reads a date: an RFC 3339 or Data Center string, or epoch milliseconds as a number or a
// numeric string. A date in another form, or of another type, is skipped and reads as zero: a
// date never makes a delivery fail.
func (s *scanner) time() time.Time {
	switch c := s.peek(); {
	case c == '"':
		return parseTimeString(s.string())
	case c == '-' || '0' <= c && c <= '9':
		return epochMillis(s.number())
	default:
		s.skip()
	}
	return time.Time{}
}

// object reads an object (or null) member by member, handing each member's key to member, which
// must consume the value (s.skip() for a key it does not use). It stops at the closing brace or at
// the first error.
func (s *scanner) object(member func(key string)) {
	if !s.openObject() {
		return
	}
	for n := 0; ; n++ {
		key, ok := s.nextKey(n)
		if !ok {
			return
		}
		member(key)
	}
}

// array reads an array (or null), calling elem once per element; elem must consume it.
func (s *scanner) array(elem func()) {
	if !s.openArray() {
		return
	}
	for m := 0; s.nextElem(m); m++ {
		elem()
	}
}

// stringIn reads an object (or null) and returns its string member name, skipping the others.
func (s *scanner) stringIn(name string) (v string) {
	s.object(func(key string) {
		if key == name {
			v = s.str()
		} else {
			s.skip()
		}
	})
	return v
}

// int64In reads an object (or null) and returns its integer member name, skipping the others.
func (s *scanner) int64In(name string) (v int64) {
	s.object(func(key string) {
		if key == name {
			v = s.integer(64)
		} else {
			s.skip()
		}
	})
	return v
}

// href reads a Cloud links object and returns links[rel].href.
func (s *scanner) href(rel string) (v string) {
	s.object(func(key string) {
		if key == rel {
			v = s.stringIn("href")
		} else {
			s.skip()
		}
	})
	return v
}

// firstHref reads a Data Center links object and returns links[rel][0].href.
func (s *scanner) firstHref(rel string) (v string) {
	s.object(func(key string) {
		if key != rel {
			s.skip()
			return
		}
		if !s.openArray() {
			return
		}
		for m := 0; s.nextElem(m); m++ {
			if m == 0 {
				v = s.stringIn("href")
			} else {
				s.skip()
			}
		}
	})
	return v
}
