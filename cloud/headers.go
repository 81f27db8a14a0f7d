package cloud

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/bbconnect/bbconnect/auth"
)

// Response headers that Bitbucket Cloud sends on every authenticated answer, errors included.
const (
	headerScopes         = "X-OAuth-Scopes"
	headerCredentialType = "X-Credential-Type"
)

// accessTokenTypes are the X-Credential-Type values of repository, project and workspace access
// tokens: credentials with no user, which cannot enumerate workspaces or read permissions.
var accessTokenTypes = map[string]bool{
	"repo_access_token":       true,
	"repository_access_token": true,
	"project_access_token":    true,
	"workspace_access_token":  true,
}

// isAccessToken reports whether an X-Credential-Type value names an access token.
func isAccessToken(credType string) bool {
	return accessTokenTypes[strings.ToLower(strings.TrimSpace(credType))]
}

// parseScopes splits an X-OAuth-Scopes value, which Bitbucket separates with commas and spaces.
func parseScopes(v string) []string {
	f := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(f) == 0 {
		return nil
	}
	return f
}

// headerSlot receives the headers of the last response to a request made with its context. The
// HTTP stack returns no headers with an error, and the headers of a 401 or 403 tell an access token
// (which has no user) from bad credentials.
type headerSlot struct {
	mu sync.Mutex
	h  http.Header
}

type headerSlotKey struct{}

// withHeaderSlot returns a context whose requests record their response headers in the slot.
func withHeaderSlot(ctx context.Context) (context.Context, *headerSlot) {
	s := &headerSlot{}
	return context.WithValue(ctx, headerSlotKey{}, s), s
}

func (s *headerSlot) get(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h.Get(name)
}

// recordingCreds decorates the caller's credentials so that the response headers of requests
// carrying a headerSlot are recorded. It sits between the credentials and the base transport,
// inside the retry layer, so the last attempt's headers win. It prints as the credentials it wraps.
type recordingCreds struct{ auth.Credentials }

func (c recordingCreds) RoundTripper(base http.RoundTripper) http.RoundTripper {
	return recorder{next: c.Credentials.RoundTripper(base)}
}

func (c recordingCreds) GoString() string           { return c.String() }
func (c recordingCreds) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

type recorder struct{ next http.RoundTripper }

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if resp != nil {
		if s, ok := req.Context().Value(headerSlotKey{}).(*headerSlot); ok {
			s.mu.Lock()
			s.h = resp.Header.Clone()
			s.mu.Unlock()
		}
	}
	return resp, err
}
