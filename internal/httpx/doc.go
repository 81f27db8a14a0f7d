// Package httpx is the one HTTP stack of the module: transport and host policy, credentials,
// retries and backoff, the redirect policy, error decoding into *bitbucket.APIError, capped JSON
// decoding, logging and redaction. Nothing else in the module talks HTTP.
//
// The layers of a client, from the outside in:
//
//	Client.Do            builds the request, decodes the answer or the error
//	retry loop           go-retryablehttp with this package's CheckRetry and Backoff
//	http.Client          redirect policy (same origin only, never for a POST or PATCH), per-attempt Timeout
//	credentials          auth.Credentials.RoundTripper: asked again on every attempt
//	host policy          internal/hostpolicy: dial-time guard (built-in transport) or a pre-send check (caller's transport)
//	transport            a clone of http.DefaultTransport: no proxy, TLS 1.2+, RootCAs
//
// # JSON
//
// Every body is read once, capped (Request.MaxBodyBytes, DefaultMaxBodyBytes), and those bytes
// are decoded once with github.com/go-json-experiment/json (encoding/json/v2) into the caller's
// tagged wire struct; request bodies are encoded with it too. What callers must know, since it
// differs from encoding/json v1:
//
//   - Member names match the `json:"..."` tags exactly; v1 matched case-insensitively. A wire
//     field needs a tag spelled as the service spells the member (an untagged field matches
//     only its Go name, exactly).
//   - Trailing data after the document (a second document, garbage) is an invalid body.
//   - Invalid UTF-8 inside a string decodes as U+FFFD instead of failing; duplicate member names
//     are tolerated, the last one winning; unknown members are ignored.
//   - `omitempty` omits a member whose JSON is empty ("", null, [], {}), not a false or 0: use
//     `omitzero` for those. Nil slices and maps encode as [] and {}, not null.
//   - JSON null leaves a field at its zero value; a number that does not fit the field is a
//     shape error.
//
// Methods UnmarshalJSON and MarshalJSON of v1 are honoured. A *[]byte out receives the raw body.
//
// Every error that leaves the package is safe to print: URLs are redacted (RedactURL), no header
// value is kept, and a host refused by the policy is named, never its resolved address.
package httpx
