package wiretime

import (
	"bytes"

	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Time is a date field of a wire struct. It decodes from a JSON number (epoch milliseconds), a
// JSON string (RFC 3339, the Data Center layout without the offset's colon, or epoch milliseconds
// in decimal), or null. A value that is none of these decodes as the zero time without error: a
// date is never worth failing a whole page or delivery over.
type Time struct{ time.Time }

// serverLayout is the Data Center form: no colon in the zone offset. Fractional seconds after the
// seconds are accepted by time.Parse as well.
const serverLayout = "2006-01-02T15:04:05Z0700"

// UnmarshalJSONFrom reads a date in any of the forms above straight from the decoder's next
// token (the encoding/json/v2 path, which every body of the module takes).
func (t *Time) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if k := dec.PeekKind(); k == '{' || k == '[' {
		t.Time = time.Time{} // an object or array where a date should be: skipped whole, no date
		return dec.SkipValue()
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '"':
		t.Time = Parse(tok.String())
	case '0':
		t.Time = millis(tok.String())
	default: // null, true, false
		t.Time = time.Time{}
	}
	return nil
}

// UnmarshalJSON reads a date in any of the forms above.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		t.Time = time.Time{}
	case b[0] == '"':
		s, err := strconv.Unquote(string(b))
		if err != nil {
			s = ""
		}
		t.Time = Parse(s)
	default:
		t.Time = millis(string(b))
	}
	return nil
}

// MarshalJSON writes the date as RFC 3339, or null when it is zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, t.Format(time.RFC3339Nano)), nil
}

// Parse reads a date string: RFC 3339, the Data Center layout, or epoch milliseconds in decimal.
// Anything else is the zero time.
func Parse(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if !strings.ContainsAny(s, "T:") {
		return millis(s)
	}
	for _, layout := range [...]string{time.RFC3339Nano, serverLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// millis converts a decimal count of milliseconds since the epoch (a JSON number may carry a
// fraction or exponent, which is read as a float); anything else, zero or negative, is zero.
func millis(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != f || f > 1e15 || f < 0 {
			return time.Time{}
		}
		ms = int64(f)
	}
	if ms <= 0 || ms > 1e15 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
