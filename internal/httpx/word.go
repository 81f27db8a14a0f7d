package httpx

import (
	"bytes"

	"github.com/go-json-experiment/json/jsontext"
)

// ReadWord reads one JSON value from dec and returns the index in words of the one it spells,
// in any case and after decoding escapes, or -1 when it is none of them (another string, null, a
// number, an object). An enum-like member, such as a clone link's name, is thus read without
// keeping a string.
func ReadWord(dec *jsontext.Decoder, words ...string) (int, error) {
	v, err := dec.ReadValue()
	if err != nil || v.Kind() != '"' {
		return -1, err
	}
	text := v[1 : len(v)-1]
	if bytes.IndexByte(text, '\\') >= 0 {
		if text, err = jsontext.AppendUnquote(nil, v); err != nil {
			return -1, nil
		}
	}
	for i, w := range words {
		if bytes.EqualFold(text, []byte(w)) {
			return i, nil
		}
	}
	return -1, nil
}
