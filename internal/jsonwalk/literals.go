package jsonwalk

// literal moves past the literal lit (true, false or null) starting at d.i.
func (d *Decoder[T]) literal(lit string) error {
	if len(d.in)-d.i >= len(lit) && string(d.in[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return nil
	}
	return d.fail("invalid literal")
}

// Null reads a null and reports whether there was one; any other value is left unread. A
// malformed literal is a syntax error, which the next read returns.
func (d *Decoder[T]) Null() bool {
	if d.err != nil || d.peek() != 'n' {
		return false
	}
	return d.literal("null") == nil
}

// Bool reads a boolean; null gives false and ok false.
func (d *Decoder[T]) Bool() (b, ok bool, err error) {
	if d.err != nil {
		return false, false, d.err
	}
	switch c := d.peek(); c {
	case 't':
		err := d.literal("true")
		return err == nil, err == nil, err
	case 'f':
		err := d.literal("false")
		return false, err == nil, err
	case 'n':
		return false, false, d.literal("null")
	default:
		return false, false, d.mismatch(c, typeBool)
	}
}
