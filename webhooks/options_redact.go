package webhooks

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// String describes o without any secret: which fields are set, never their values.
func (o Options) String() string {
	var b strings.Builder
	b.WriteString("webhooks.Options{")
	sep := ""
	field := func(name, value string) {
		b.WriteString(sep + name + ": " + value)
		sep = ", "
	}
	if len(o.Secret) > 0 {
		field("Secret", "[redacted]")
	}
	if o.Secrets != nil {
		field("Secrets", "func")
	}
	if o.AllowUnsigned {
		field("AllowUnsigned", "true")
	}
	if o.MaxBodyBytes > 0 {
		field("MaxBodyBytes", strconv.FormatInt(o.MaxBodyBytes, 10))
	}
	if o.Dedupe != nil {
		field("Dedupe", fmt.Sprintf("%T", o.Dedupe))
	}
	b.WriteString("}")
	return b.String()
}

// GoString is String, so that %#v hides the secret too.
func (o Options) GoString() string { return o.String() }

// Format prints String for every verb, so that no verb (%v, %+v, %x, %s, ...) shows the secret.
func (o Options) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(o.String())) }

// LogValue shows String in slog records.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// MarshalJSON encodes String as a JSON string.
func (o Options) MarshalJSON() ([]byte, error) { return json.Marshal(o.String()) }
