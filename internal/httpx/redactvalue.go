package httpx

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/secrets"
	"github.com/go-json-experiment/json/jsontext"
)

// scrubber returns what replaces, in the texts of one call, every secret value the client holds
// at this moment (its credentials' token, password and Basic pair, the OAuth tokens in use, the
// client secret of a stored token source) and the secrets its request body carries, in the forms
// of secrets.Forms.
func (c *Client) scrubber(st *callState) secrets.Scrubber {
	var forms []string
	if c.secrets != nil {
		forms = c.secrets()
	}
	return secrets.Scrubber{}.With(append(forms, st.bodySecrets...)...)
}

// scrubAPIError removes the secrets of s from every text of e that a server could have written:
// Message, Details, Code, RequestID, URL and the text of Err (whose chain stays reachable).
func scrubAPIError(e *bitbucket.APIError, s secrets.Scrubber) {
	if s.Empty() {
		return
	}
	e.Message = s.Scrub(e.Message)
	e.Code = s.Scrub(e.Code)
	e.RequestID = s.Scrub(e.RequestID)
	e.URL = s.Scrub(e.URL)
	for i, d := range e.Details {
		e.Details[i] = s.Scrub(d)
	}
	if e.Err != nil && e.Err != context.Canceled && e.Err != context.DeadlineExceeded {
		if text := e.Err.Error(); s.Scrub(text) != text {
			e.Err = &safeError{err: e.Err, msg: s.Scrub(text)}
		}
	}
}

// scrubError applies scrubAPIError to the *APIError that Do returns.
func scrubError(err error, s secrets.Scrubber) error {
	var e *bitbucket.APIError
	if errors.As(err, &e) {
		scrubAPIError(e, s)
	}
	return err
}

// secretMemberWords mark the members of a request body whose string values are secrets: a
// webhook's "secret", a password, a token.
var secretMemberWords = []string{"secret", "password", "passphrase", "token"}

// bodySecrets returns the forms of the string values of secret-named members of a JSON request
// body, at any depth (Cloud's "secret", Data Center's "configuration": {"secret": …}).
func bodySecrets(body []byte) []string {
	if !bytes.ContainsAny(body, "sSpPtT") {
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	var forms []string
	secretName := false
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return forms
		}
		kind, n := dec.StackIndex(dec.StackDepth())
		isName := kind == '{' && n%2 == 1 && tok.Kind() == '"'
		switch {
		case isName:
			secretName = isSecretName(tok.String())
		case secretName && tok.Kind() == '"':
			forms = append(forms, secrets.Forms(tok.String())...)
			secretName = false
		default:
			secretName = false
		}
	}
}

func isSecretName(name string) bool {
	name = strings.ToLower(name)
	for _, w := range secretMemberWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
