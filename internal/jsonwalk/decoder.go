package jsonwalk

// Text is what a Decoder reads: a string or a byte slice. A Decoder[string] can hand out
// substrings of its input without copying them; a Decoder[[]byte] copies what it hands out (see
// Decoder.Str and Decoder.AppendString), so that nothing it returns keeps the input alive.
type Text interface{ string | []byte }

// maxDepth bounds nesting, at the limit encoding/json applies, so that hostile input cannot
// exhaust the stack.
const maxDepth = 10000

// Decoder reads one JSON document in a single pass, validating every byte of it, including the
// values its caller leaves unread, while decoding only the values its caller asks for.
//
// Its methods read the value at the current position and move past it. Object and Array call
// back for each member or element; a value the callback leaves unread is skipped (and validated).
//
// Errors are of two kinds. Input that is not JSON is a *SyntaxError: it is sticky, every later
// method returns it, and the Object and Array loops stop. A value of another type than the one
// asked for (a string where a bool was expected) is a *json.UnmarshalTypeError, as encoding/json
// reports it: the value is skipped first, so that the caller may ignore the error and go on.
//
// The zero Decoder reads an empty input; use NewDecoder or Reset.
type Decoder[T Text] struct {
	in    T
	i     int    // position of the next byte to read
	depth int    // objects and arrays open
	err   error  // the first syntax error; then i == len(in)
	buf   []byte // scratch for unescaping strings, reused
}

// NewDecoder returns a Decoder positioned at the start of in.
func NewDecoder[T Text](in T) *Decoder[T] { return &Decoder[T]{in: in} }

// Reset points d at the start of in, keeping its scratch memory.
func (d *Decoder[T]) Reset(in T) {
	*d = Decoder[T]{in: in, buf: d.buf[:0]}
}

// Kind is the kind of a JSON value, told by its first byte.
type Kind byte

// The kinds of value; KindInvalid is the end of the input, a byte no value starts with, or any
// position after a syntax error.
const (
	KindInvalid Kind = 0
	KindNull    Kind = 'n'
	KindFalse   Kind = 'f'
	KindTrue    Kind = 't'
	KindString  Kind = '"'
	KindNumber  Kind = '0'
	KindObject  Kind = '{'
	KindArray   Kind = '['
)

// Kind returns the kind of the next value by its first byte, without reading it (reading it
// checks the rest).
func (d *Decoder[T]) Kind() Kind {
	switch c := d.peek(); c {
	case 'n', 'f', 't', '"', '{', '[':
		return Kind(c)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return KindNumber
	}
	return KindInvalid
}

// peek skips white space and returns the next byte, 0 at the end (a NUL byte in the input also
// reads as 0, which starts no value).
func (d *Decoder[T]) peek() byte {
	for d.i < len(d.in) {
		switch c := d.in[d.i]; c {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return c
		}
	}
	return 0
}

// End checks that nothing but white space follows the value read, and returns the first syntax
// error met, if any.
func (d *Decoder[T]) End() error {
	if d.err != nil {
		return d.err
	}
	if d.peek(); d.i < len(d.in) {
		return d.fail("data after the JSON value")
	}
	return nil
}

// Skip moves past the next value, whatever it is, validating it.
func (d *Decoder[T]) Skip() error {
	if d.err != nil {
		return d.err
	}
	return d.skip()
}

func (d *Decoder[T]) skip() error {
	switch c := d.peek(); c {
	case '{':
		if err := d.enter(); err != nil {
			return err
		}
		for n := 0; ; n++ {
			_, more, err := d.nextKey(n)
			if !more {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case '[':
		if err := d.enter(); err != nil {
			return err
		}
		for n := 0; ; n++ {
			more, err := d.nextElem(n)
			if !more {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case '"':
		_, err := d.scanString()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		_, _, err := d.scanNumber()
		return err
	}
	return d.fail("expected a value")
}

// enter consumes the '{' or '[' at d.i.
func (d *Decoder[T]) enter() error {
	d.i++
	d.depth++
	if d.depth > maxDepth {
		return d.fail("nesting too deep")
	}
	return nil
}

// nextKey moves to the next member of the object being read, n being the number of members read
// so far, and returns its key, the position then being at the member's value. At the closing
// brace, or on an error, more is false.
func (d *Decoder[T]) nextKey(n int) (key span, more bool, err error) {
	c := d.peek()
	if c == '}' {
		d.i++
		d.depth--
		return span{}, false, nil
	}
	if n > 0 {
		if c != ',' {
			return span{}, false, d.fail("expected ',' or '}'")
		}
		d.i++
		c = d.peek()
	}
	if c != '"' {
		return span{}, false, d.fail("expected a member name")
	}
	if key, err = d.scanString(); err != nil {
		return span{}, false, err
	}
	if d.peek() != ':' {
		return span{}, false, d.fail("expected ':'")
	}
	d.i++
	return key, true, nil
}

// nextElem reports whether the array being read has another element, n being the number of
// elements read so far; the position is then at the element.
func (d *Decoder[T]) nextElem(n int) (more bool, err error) {
	c := d.peek()
	if c == ']' {
		d.i++
		d.depth--
		return false, nil
	}
	if n > 0 {
		if c != ',' {
			return false, d.fail("expected ',' or ']'")
		}
		d.i++
	}
	return true, nil
}

// Object reads an object, calling fn with each member's key, decoded, while positioned at the
// member's value. fn reads the value with d's methods, or leaves it, and it is skipped. An error
// from fn stops the reading and is returned. null calls fn for nothing; a value of another type
// is skipped and reported as a *json.UnmarshalTypeError.
//
// A key without escapes shares the input's memory: for a Decoder[[]byte], fn must not keep it
// beyond the call (it may compare it; see KeyIs).
func (d *Decoder[T]) Object(fn func(key T) error) error {
	if d.err != nil {
		return d.err
	}
	switch c := d.peek(); c {
	case '{':
	case 'n':
		return d.literal("null")
	default:
		return d.mismatch(c, typeObject)
	}
	if err := d.enter(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		key, more, err := d.nextKey(n)
		if !more {
			return err
		}
		d.peek()
		at := d.i
		if err := fn(d.text(key)); err != nil {
			return err
		}
		if d.err != nil {
			return d.err
		}
		if d.i == at {
			if err := d.skip(); err != nil {
				return err
			}
		}
	}
}

// Array reads an array, calling fn positioned at each element; an element fn leaves unread is
// skipped. An error from fn stops the reading and is returned. null calls fn for nothing; a value
// of another type is skipped and reported as a *json.UnmarshalTypeError.
func (d *Decoder[T]) Array(fn func() error) error {
	if d.err != nil {
		return d.err
	}
	switch c := d.peek(); c {
	case '[':
	case 'n':
		return d.literal("null")
	default:
		return d.mismatch(c, typeArray)
	}
	if err := d.enter(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		more, err := d.nextElem(n)
		if !more {
			return err
		}
		d.peek()
		at := d.i
		if err := fn(); err != nil {
			return err
		}
		if d.err != nil {
			return d.err
		}
		if d.i == at {
			if err := d.skip(); err != nil {
				return err
			}
		}
	}
}

// Elements decodes an array into items (emptied first, its backing array reused), elem decoding
// each element; null makes items nil, as encoding/json does.
func Elements[T string | []byte, E any](d *Decoder[T], items *[]E, elem func() (E, error)) error {
	*items = (*items)[:0]
	if d.Null() {
		*items = nil
		return nil
	}
	return d.Array(func() error {
		e, err := elem()
		if err == nil {
			*items = append(*items, e)
		}
		return err
	})
}
