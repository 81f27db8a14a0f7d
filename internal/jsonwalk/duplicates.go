package jsonwalk

import "strings"

// HasDuplicateKeys reports whether some object in the document data has two keys that
// encoding/json would take for the same field (equal without regard to case). encoding/json
// merges such members in ways that depend on its internals (a repeated array reuses the elements
// decoded the first time); the decoders built on this package let the last member win. Tests
// comparing the two skip such documents. Malformed data reports false.
func HasDuplicateKeys(data []byte) bool {
	d := NewDecoder(data)
	dup := false
	var value func() error
	value = func() error {
		switch d.Kind() {
		case KindObject:
			var keys []string
			return d.Object(func(k []byte) error {
				for _, seen := range keys {
					if strings.EqualFold(seen, string(k)) {
						dup = true
					}
				}
				keys = append(keys, string(k))
				return value()
			})
		case KindArray:
			return d.Array(value)
		}
		return d.Skip()
	}
	if value() != nil || d.End() != nil {
		return false
	}
	return dup
}
