// Package httpx is the one HTTP stack of the module: transport and host policy, credentials,
// retries and backoff, the redirect policy, error decoding into *bitbucket.APIError, capped
// streaming JSON decoding, logging and redaction. Nothing else in the module talks HTTP.
//
// The layers of a client, from the outside in:
//
//	Client.Do            builds the request, decodes the answer or the error
//	retry loop           go-retryablehttp with this package's CheckRetry and Backoff
//	http.Client          same-origin redirect policy, per-attempt Timeout
//	credentials          auth.Credentials.RoundTripper: asked again on every attempt
//	host policy          dial-time guard (built-in transport) or a pre-send check (caller's transport)
//	transport            a clone of http.DefaultTransport: no proxy, TLS 1.2+, RootCAs
//
// Every error that leaves the package is safe to print: URLs are redacted (RedactURL), no header
// value is kept, and a host refused by the policy is named, never its resolved address.
package httpx
