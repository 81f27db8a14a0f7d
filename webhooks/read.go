package webhooks

import (
	"fmt"
	"time"

	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

// decoder reads a delivery's JSON. It reads one string copy of the body, so that every string
// decoded from it without escapes is a substring of that copy: no allocation per field.
//
// A decoder is created on the stack by decodeCloud and decodeServer and passed down by pointer to
// direct calls only: passed to a func value (a method expression taking it, say), it would escape
// to the heap, one more allocation per delivery. Hence the closures given to readList.
type decoder = jsonwalk.Decoder[string]

// malformed checks, after a document was read with d, that nothing follows it; the error of the
// reading or of the check wraps ErrMalformedPayload (and the *jsonwalk.SyntaxError or
// *json.UnmarshalTypeError that says why).
func malformed(d *decoder, err error) error {
	if err == nil {
		err = d.End()
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedPayload, err)
	}
	return nil
}

// The readers below store what they read in *dst; null leaves *dst as it is, as encoding/json
// does. A value of another type is an error, but for dates.

func readString(d *decoder, dst *string) error {
	s, ok, err := d.Str()
	if ok {
		*dst = s
	}
	return err
}

func readInt(d *decoder, dst *int) error {
	n, ok, err := d.Int(0)
	if ok {
		*dst = int(n)
	}
	return err
}

func readInt64(d *decoder, dst *int64) error {
	n, ok, err := d.Int(64)
	if ok {
		*dst = n
	}
	return err
}

// readID reads an identifier given as a number (its text) or as a string.
func readID(d *decoder, dst *string) error {
	if d.Kind() == jsonwalk.KindNumber {
		s, _, err := d.Number()
		*dst = s
		return err
	}
	return readString(d, dst)
}

// readTime reads a date: an RFC 3339 or Data Center string, or epoch milliseconds as a number or
// a numeric string. A date in another form, or of another type, is skipped and reads as zero: a
// date never makes a delivery fail (malformed JSON still does).
func readTime(d *decoder, dst *time.Time) error {
	switch d.Kind() {
	case jsonwalk.KindString:
		s, _, err := d.Str()
		*dst = parseTimeString(s)
		return err
	case jsonwalk.KindNumber:
		s, _, err := d.Number()
		*dst = epochMillis(s)
		return err
	}
	return d.Skip()
}

// readList reads an array, appending an element to *list for each item and reading the item into
// it with read; null appends nothing.
func readList[E any](d *decoder, list *[]E, read func(*E) error) error {
	return d.Array(func() error {
		*list = append(*list, *new(E))
		return read(&(*list)[len(*list)-1])
	})
}

// readStringIn reads an object and its string member name into dst, skipping the others.
func readStringIn(d *decoder, name string, dst *string) error {
	return d.Object(func(key string) error {
		if key == name {
			return readString(d, dst)
		}
		return nil
	})
}

// readInt64In reads an object and its integer member name into dst, skipping the others.
func readInt64In(d *decoder, name string, dst *int64) error {
	return d.Object(func(key string) error {
		if key == name {
			return readInt64(d, dst)
		}
		return nil
	})
}

// readHref reads a Cloud links object and stores links[rel].href.
func readHref(d *decoder, rel string, dst *string) error {
	return d.Object(func(key string) error {
		if key == rel {
			return readStringIn(d, "href", dst)
		}
		return nil
	})
}

// readFirstHref reads a Data Center links object and stores links[rel][0].href.
func readFirstHref(d *decoder, rel string, dst *string) error {
	return d.Object(func(key string) error {
		if key != rel {
			return nil
		}
		first := true
		return d.Array(func() error {
			if !first {
				return nil
			}
			first = false
			return readStringIn(d, "href", dst)
		})
	})
}
