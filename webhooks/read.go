package webhooks

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// payloadOptions are the JSON options every delivery body is decoded with. A delivery comes from
// the internet: each option is chosen for that, not left to a default that may change.
var payloadOptions = json.JoinOptions(
	// A commit message or a display name may hold invalid UTF-8 (git does not enforce an
	// encoding). It is not worth losing a delivery over: the bad bytes read as U+FFFD.
	jsontext.AllowInvalidUTF8(true),
	// A signed body with two values for one member is ambiguous: two readers of the same bytes
	// (this package and a product's own decoding of Event.Raw, a proxy, a queue consumer) may pick
	// different values, which is how signed payloads are smuggled. Bitbucket never sends one, so
	// such a body is ErrMalformedPayload.
	jsontext.AllowDuplicateNames(false),
	// Payloads grow new members over time; the wire structs name only the members the neutral
	// model uses, and the rest are checked for syntax and skipped.
	json.RejectUnknownMembers(false),
	// Member names match exactly, as Bitbucket writes them: "Push" or "EVENTKEY" is not the
	// member the struct names, so a look-alike cannot shadow the real one.
	json.MatchCaseInsensitiveNames(false),
)

// unmarshalPayload decodes body, a whole delivery, into the wire struct w. The body is one JSON
// document: anything after it (a second document, garbage) is an error, as is any problem the
// options above refuse. Errors wrap ErrMalformedPayload.
func unmarshalPayload(key string, body []byte, w any) error {
	if err := json.Unmarshal(body, w, payloadOptions); err != nil {
		return newPayloadError(key, err)
	}
	return nil
}

// payloadError is a delivery body that did not decode. Its text says where the body went wrong,
// never what it held (member names and values are the sender's); the decoder's own error stays
// available to errors.As.
type payloadError struct {
	key    string // X-Event-Key
	reason string
	offset int64 // byte offset in the body, -1 when unknown
	err    error
}

func newPayloadError(key string, err error) *payloadError {
	e := &payloadError{key: key, reason: "invalid JSON", offset: -1, err: err}
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn):
		e.offset = syn.ByteOffset
		if errors.Is(syn.Err, jsontext.ErrDuplicateName) {
			e.reason = "duplicate member name"
		}
	case errors.As(err, &sem):
		e.offset = sem.ByteOffset
		// The pointer is made of the wire structs' own member names (unknown members are never
		// decoded, so they cannot fail this way) and array indices.
		e.reason = "wrong JSON type at " + strconv.Quote(string(sem.JSONPointer))
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.reason = "truncated JSON"
	}
	return e
}

func (e *payloadError) Error() string {
	if e.offset < 0 {
		return fmt.Sprintf("%v: %s: %s", ErrMalformedPayload, e.key, e.reason)
	}
	return fmt.Sprintf("%v: %s: %s (byte %d)", ErrMalformedPayload, e.key, e.reason, e.offset)
}

// Unwrap gives ErrMalformedPayload and the decoder's error.
func (e *payloadError) Unwrap() []error { return []error{ErrMalformedPayload, e.err} }

// wireID is an identifier that Data Center sends as a number (users) and some resources as a
// string; it keeps the text either way. null leaves it as it is; any other JSON kind is an error.
type wireID string

// UnmarshalJSONFrom reads the identifier's token.
func (id *wireID) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return err
	case '"', '0':
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		*id = wireID(tok.String()) // a string's value, a number's text
		return nil
	}
	return errors.New("an id must be a number or a string")
}
