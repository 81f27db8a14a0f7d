package bitbucket

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// The methods below make every printing path of a WebhookSpec hide its Secret: String, GoString,
// every fmt verb, slog and JSON show whether a secret is set, never the secret.

// redactedSpec is a WebhookSpec without its secret, for printing.
type redactedSpec struct {
	URL          string   `json:"url"`
	Description  string   `json:"description,omitempty"`
	Events       []Event  `json:"events,omitempty"`
	NativeEvents []string `json:"native_events,omitempty"`
	Secret       string   `json:"secret,omitempty"`
	Disabled     bool     `json:"disabled,omitempty"`
}

func (s WebhookSpec) redacted() redactedSpec {
	r := redactedSpec{URL: s.URL, Description: s.Description, Events: s.Events, NativeEvents: s.NativeEvents, Disabled: s.Disabled}
	if s.Secret != "" {
		r.Secret = "REDACTED"
	}
	return r
}

// String describes the spec with its secret hidden.
func (s WebhookSpec) String() string {
	r := s.redacted()
	return fmt.Sprintf("bitbucket.WebhookSpec{URL: %q, Description: %q, Events: %q, NativeEvents: %q, Secret: %q, Disabled: %t}",
		r.URL, r.Description, r.Events, r.NativeEvents, r.Secret, r.Disabled)
}

// GoString is String, so that %#v hides the secret too.
func (s WebhookSpec) GoString() string { return s.String() }

// Format prints String whatever the verb.
func (s WebhookSpec) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// LogValue logs the spec with its secret hidden.
func (s WebhookSpec) LogValue() slog.Value {
	r := s.redacted()
	return slog.GroupValue(slog.String("url", r.URL), slog.String("description", r.Description),
		slog.Any("events", r.Events), slog.Any("native_events", r.NativeEvents),
		slog.String("secret", r.Secret), slog.Bool("disabled", r.Disabled))
}

// MarshalJSON writes the spec with its secret hidden.
func (s WebhookSpec) MarshalJSON() ([]byte, error) { return json.Marshal(s.redacted()) }
