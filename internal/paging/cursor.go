package paging

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// maxCursorLen bounds the cursors accepted from callers, who may pass them on from strangers.
const maxCursorLen = 8 << 10

// EncodeCursor turns a provider's cursor state into an opaque, URL-safe string.
func EncodeCursor(state any) string {
	b, err := json.Marshal(state)
	if err != nil {
		// Cursor states are plain structs of strings and numbers; failing here is a bug.
		panic(fmt.Sprintf("paging: encode cursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor into state. Anything else is an error wrapping
// bitbucket.ErrInvalidInput.
func DecodeCursor(cursor string, state any) error {
	if len(cursor) > maxCursorLen {
		return fmt.Errorf("%w: cursor longer than %d bytes", bitbucket.ErrInvalidInput, maxCursorLen)
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return fmt.Errorf("%w: cursor is not one this library made", bitbucket.ErrInvalidInput)
	}
	// JSON null would decode without error and leave state as it was: never a cursor we made.
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return fmt.Errorf("%w: cursor is not one this library made", bitbucket.ErrInvalidInput)
	}
	if err := json.Unmarshal(b, state); err != nil {
		return fmt.Errorf("%w: cursor is not one this library made", bitbucket.ErrInvalidInput)
	}
	return nil
}
