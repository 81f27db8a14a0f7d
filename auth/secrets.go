package auth

import (
	"sync"

	"github.com/bbconnect/bbconnect/internal/secrets"
	"golang.org/x/oauth2"
)

// The secret values of credentials reach internal/httpx through internal/secret, out of reach of
// any public API, so that a server echoing one never gets it into an error or a log record.
func init() { secrets.Of = secretsOf }

// secretsOf lists the forms of the secrets creds hold now; nil when creds are not this package's.
func secretsOf(creds any) func() []string {
	switch c := creds.(type) {
	case bearer:
		forms := secrets.Forms(c.token.open())
		return func() []string { return forms }
	case basic:
		forms := secrets.BasicForms(c.username, c.password.open())
		return func() []string { return forms }
	case oauth2Creds:
		return func() []string {
			forms := c.seen.forms()
			if src, ok := c.ts.open().(*storedSource); ok {
				s := src.state.open()
				forms = append(forms, s.seen.forms()...)
				if s.cfg != nil {
					forms = append(forms, secrets.Forms(s.cfg.ClientSecret)...)
				}
			}
			return forms
		}
	}
	return nil
}

// maxSeenTokens bounds how many tokens a tokenMemo remembers: the current ones and a few before
// them, which a slow server may still echo.
const maxSeenTokens = 4

// tokenMemo remembers the access and refresh tokens recently handed out, for redaction. It is
// reached through a pointer only, so that printers show an address, never its content.
type tokenMemo struct {
	mu     sync.Mutex
	values []string
}

func newTokenMemo() *tokenMemo { return &tokenMemo{} }

// remember records the secrets of tok.
func (m *tokenMemo) remember(tok *oauth2.Token) {
	if m == nil || tok == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range []string{tok.AccessToken, tok.RefreshToken} {
		if v == "" || contains(m.values, v) {
			continue
		}
		m.values = append(m.values, v)
		if len(m.values) > 2*maxSeenTokens {
			m.values = m.values[1:]
		}
	}
}

// forms lists the forms of the remembered values.
func (m *tokenMemo) forms() []string {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	values := append([]string(nil), m.values...)
	m.mu.Unlock()
	var forms []string
	for _, v := range values {
		forms = append(forms, secrets.Forms(v)...)
	}
	return forms
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
