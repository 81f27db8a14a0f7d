package jsonwalk

import "strconv"

// Record gathers the text of one decoded record (a repository, say) in a single buffer, so that
// once the record is read all its strings become one string: one allocation for every string
// field, where a reflective decoder makes one each. Reset it before each record; reuse it across
// records.
type Record struct {
	buf []byte
}

// Field is a string field of a Record: where its text sits, and whether it was present.
type Field struct {
	from, to int
	set      bool
}

// Reset empties the record, keeping its buffer.
func (r *Record) Reset() { r.buf = r.buf[:0] }

// Text returns the record's text as one string, the backing of every Field's value.
func (r *Record) Text() string { return string(r.buf) }

// Of returns the field's value within text (from Record.Text), "" when it was absent.
func (f Field) Of(text string) string {
	if !f.set {
		return ""
	}
	return text[f.from:f.to]
}

// ReadString reads a string value of d into the record and sets dst to it; null leaves dst as it
// was.
func ReadString[T string | []byte](d *Decoder[T], r *Record, dst *Field) error {
	from := len(r.buf)
	b, ok, err := d.AppendString(r.buf)
	if err != nil || !ok {
		return err
	}
	r.buf = b
	*dst = Field{from: from, to: len(b), set: true}
	return nil
}

// AppendInt writes n in decimal into the record and returns its field, for a numeric value kept
// as text (a Data Center id, say).
func (r *Record) AppendInt(n int64) Field {
	from := len(r.buf)
	r.buf = strconv.AppendInt(r.buf, n, 10)
	return Field{from: from, to: len(r.buf), set: true}
}

// Len is the length of the field's value, 0 when it was absent.
func (f Field) Len() int { return f.to - f.from }

// ReadBool reads a boolean into *dst; null leaves *dst as it was, as encoding/json does.
func ReadBool[T string | []byte](d *Decoder[T], dst *bool) error {
	b, ok, err := d.Bool()
	if ok {
		*dst = b
	}
	return err
}
