package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"golang.org/x/oauth2"
)

// Credentials authenticate the requests of a client. They decorate an http.RoundTripper; the
// retry layer sits outside them, so every attempt asks for credentials again (and an OAuth2 token
// source may refresh in between).
//
// No form of a Credentials value shows its secret: String, GoString, fmt's verbs, slog and
// json.Marshal all print only the scheme.
type Credentials interface {
	// RoundTripper returns base decorated so that each request carries the credentials. A nil
	// base means http.DefaultTransport.
	RoundTripper(base http.RoundTripper) http.RoundTripper
	// Scheme names the kind of credentials: "bearer", "basic", "oauth2" or "none".
	Scheme() string
	// String describes the credentials without their secret.
	String() string
}

// ErrTokenSource marks a failure to obtain an OAuth2 token. Such a failure is never retried.
var ErrTokenSource = errors.New("auth: token source failed")

// Bearer authenticates with "Authorization: Bearer <token>": Cloud repository, project and
// workspace access tokens, OAuth access tokens, and Data Center HTTP access tokens.
func Bearer(token string) Credentials { return bearer{token: seal(token)} }

// Basic authenticates with HTTP Basic: a Cloud API token with the Atlassian account email as the
// username, or a Data Center username with a password or HTTP access token.
func Basic(username, password string) Credentials {
	return basic{username: username, password: seal(password)}
}

// OAuth2 authenticates with tokens from ts, asking it before every attempt. Wrap ts in
// StoredTokenSource when refresh tokens rotate (Bitbucket Cloud).
func OAuth2(ts oauth2.TokenSource) Credentials {
	return oauth2Creds{ts: seal(ts), seen: newTokenMemo()}
}

// None sends no credentials, for public data and version checks.
func None() Credentials { return none{} }

// sealed holds a secret out of reach of every reflective printer. A credential value inside a
// caller's struct is printed by fmt field by field, without its Format method when the field is
// unexported (and with %p, or any bad verb, even at the top level); fmt then shows a pointer as an
// address, and dumpers that follow pointers find only a func.
type sealed[T any] struct{ get func() T }

func seal[T any](v T) *sealed[T] { return &sealed[T]{get: func() T { return v }} }

func (s *sealed[T]) open() T { return s.get() }

type bearer struct{ token *sealed[string] }

func (b bearer) RoundTripper(base http.RoundTripper) http.RoundTripper {
	return headerTransport{base: orDefault(base), set: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+b.token.open()) }}
}
func (bearer) Scheme() string { return "bearer" }
func (bearer) String() string { return "auth.Bearer(REDACTED)" }

type basic struct {
	username string
	password *sealed[string]
}

func (b basic) RoundTripper(base http.RoundTripper) http.RoundTripper {
	return headerTransport{base: orDefault(base), set: func(r *http.Request) { r.SetBasicAuth(b.username, b.password.open()) }}
}
func (basic) Scheme() string { return "basic" }

// String shows the username, which is not a secret, but never the password.
func (b basic) String() string { return fmt.Sprintf("auth.Basic(%q, REDACTED)", b.username) }

type oauth2Creds struct {
	ts   *sealed[oauth2.TokenSource]
	seen *tokenMemo // the tokens put on requests, for redaction
}

func (o oauth2Creds) RoundTripper(base http.RoundTripper) http.RoundTripper {
	return tokenTransport{base: orDefault(base), ts: o.ts.open(), seen: o.seen}
}
func (oauth2Creds) Scheme() string { return "oauth2" }
func (oauth2Creds) String() string { return "auth.OAuth2(REDACTED)" }

type none struct{}

func (none) RoundTripper(base http.RoundTripper) http.RoundTripper { return orDefault(base) }
func (none) Scheme() string                                        { return "none" }
func (none) String() string                                        { return "auth.None()" }

// The methods below make every printing path show String, never a field.

func (b bearer) GoString() string      { return b.String() }
func (b basic) GoString() string       { return b.String() }
func (o oauth2Creds) GoString() string { return o.String() }
func (n none) GoString() string        { return n.String() }

func (b bearer) Format(f fmt.State, _ rune)      { fmt.Fprint(f, b.String()) }
func (b basic) Format(f fmt.State, _ rune)       { fmt.Fprint(f, b.String()) }
func (o oauth2Creds) Format(f fmt.State, _ rune) { fmt.Fprint(f, o.String()) }
func (n none) Format(f fmt.State, _ rune)        { fmt.Fprint(f, n.String()) }

func (b bearer) LogValue() slog.Value      { return slog.StringValue(b.String()) }
func (b basic) LogValue() slog.Value       { return slog.StringValue(b.String()) }
func (o oauth2Creds) LogValue() slog.Value { return slog.StringValue(o.String()) }
func (n none) LogValue() slog.Value        { return slog.StringValue(n.String()) }

func (b bearer) MarshalJSON() ([]byte, error)      { return marshalScheme(b) }
func (b basic) MarshalJSON() ([]byte, error)       { return marshalScheme(b) }
func (o oauth2Creds) MarshalJSON() ([]byte, error) { return marshalScheme(o) }
func (n none) MarshalJSON() ([]byte, error)        { return marshalScheme(n) }

func marshalScheme(c Credentials) ([]byte, error) {
	return fmt.Appendf(nil, `{"scheme":%q}`, c.Scheme()), nil
}

// orDefault returns base, or http.DefaultTransport when base is nil, as http.Client would use.
func orDefault(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		return http.DefaultTransport
	}
	return base
}

// headerTransport sets a header on a clone of each request, leaving the caller's request as it was.
type headerTransport struct {
	base http.RoundTripper
	set  func(*http.Request)
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	t.set(r2)
	return t.base.RoundTrip(r2)
}

// tokenTransport asks its token source for a token on every request.
type tokenTransport struct {
	base http.RoundTripper
	ts   oauth2.TokenSource
	seen *tokenMemo
}

func (t tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := t.ts.Token()
	if err == nil && !tok.Valid() {
		err = errors.New("token source returned an invalid or expired token")
	}
	if err != nil {
		if r.Body != nil {
			_ = r.Body.Close() // a RoundTripper closes the body, even when it fails
		}
		return nil, fmt.Errorf("%w: %v", ErrTokenSource, redactTokenError(err))
	}
	t.seen.remember(tok)
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return t.base.RoundTrip(r2)
}

// redactTokenError keeps a token endpoint's error code and drops its raw body, which may echo the
// request's secrets.
func redactTokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if code := safeOAuthErrorCode(re.ErrorCode); code != "" {
			return fmt.Errorf("token endpoint answered %d: %s", status, code)
		}
		return fmt.Errorf("token endpoint answered %d", status)
	}
	return err
}
