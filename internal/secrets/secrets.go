// Package secrets carries the secret values a client holds from package auth to internal/httpx,
// which scrubs them from every text derived from a server's answer. Nothing outside the module
// can reach it: credentials keep their secrets sealed from every printer and every public API.
package secrets

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Of returns, for credentials of package auth, a function listing the forms (see Forms and
// BasicForms) of the secret values they hold at the time of the call: a bearer token, a password
// and its Basic pair, the OAuth tokens in use, a client secret. It returns nil for anything else.
// Package auth sets it when it is initialised.
var Of func(creds any) func() []string

// Redacted replaces a secret value.
const Redacted = "REDACTED"

// Forms returns s and the spellings a server could echo it in: URL query and path escaping,
// standard and URL-safe base64 (padded or not), and a JSON string body with HTML escaping.
func Forms(s string) []string {
	if s == "" {
		return nil
	}
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s),
		base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)),
		base64.URLEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))}
	if b, err := json.Marshal(s, jsontext.EscapeForHTML(true), jsontext.AllowInvalidUTF8(true)); err == nil && len(b) >= 2 {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	return forms
}

// BasicForms returns the forms of an HTTP Basic pair: the password's, and the base64 of
// "user:password" that the Authorization header carries.
func BasicForms(user, password string) []string {
	if password == "" {
		return nil
	}
	pair := user + ":" + password
	return append(Forms(password), base64.StdEncoding.EncodeToString([]byte(pair)), base64.RawStdEncoding.EncodeToString([]byte(pair)))
}

// Scrubber replaces secret values in text. The zero Scrubber changes nothing.
type Scrubber struct {
	forms []string // longest first, so that a form containing another is replaced whole
}

// NewScrubber returns a scrubber of the given values and their Forms.
func NewScrubber(values ...string) Scrubber {
	var forms []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, f := range Forms(v) {
			if f != "" && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	return Scrubber{forms: sortLongestFirst(forms)}
}

// With returns a scrubber that also replaces the given forms (already spelled out, as
// BasicForms gives them).
func (s Scrubber) With(forms ...string) Scrubber {
	all := append(append([]string(nil), s.forms...), forms...)
	return Scrubber{forms: sortLongestFirst(dedupe(all))}
}

// Empty reports whether the scrubber has nothing to replace.
func (s Scrubber) Empty() bool { return len(s.forms) == 0 }

// Scrub replaces every secret form in text by Redacted, case-sensitively.
func (s Scrubber) Scrub(text string) string {
	for _, f := range s.forms {
		if strings.Contains(text, f) {
			text = strings.ReplaceAll(text, f, Redacted)
		}
	}
	return text
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0]
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func sortLongestFirst(xs []string) []string {
	// Insertion sort: the lists are a few dozen entries at most.
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && len(xs[j]) > len(xs[j-1]); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	return xs
}
