package sqlstore

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// redacted is a fixed description, embedded in every type of this package, so that no form of a
// value (String, GoString, every fmt verb, slog, json.Marshal) shows a token, a state, a
// connection string or a row: only what the value is.
type redacted string

// String returns the fixed description.
func (r redacted) String() string { return string(r) }

// GoString is String, so that %#v shows nothing more.
func (r redacted) GoString() string { return string(r) }

// Format prints String for every verb.
func (r redacted) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r)) }

// LogValue shows String in slog records.
func (r redacted) LogValue() slog.Value { return slog.StringValue(string(r)) }

// MarshalJSON encodes String as a JSON string.
func (r redacted) MarshalJSON() ([]byte, error) { return json.Marshal(string(r)) }
