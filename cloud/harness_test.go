package cloud

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

// testOrigin uses the .invalid TLD, which the host policy never resolves, so that no test sends
// a DNS query.
const (
	testOrigin = "https://api.bitbucket.invalid"
	testBase   = testOrigin + "/2.0"
)

// removedPaths are the endpoints retired under CHANGE-2770; no code path may call them.
var removedPaths = map[string]bool{
	"/2.0/repositories":                  true,
	"/2.0/workspaces":                    true,
	"/2.0/user/permissions/repositories": true,
	"/2.0/user/permissions/workspaces":   true,
}

type call struct {
	Method string
	URL    string // as sent, escaped
	Path   string // escaped path
	Query  url.Values
	Body   string
	Header http.Header
}

type handler func(r *http.Request, body string) *http.Response

// mockAPI routes requests of an httpmock transport by method and escaped path; any other request
// fails the test.
type mockAPI struct {
	t      *testing.T
	tr     *httpmock.MockTransport
	mu     sync.Mutex
	routes map[string]handler
	calls  []call
}

func newMock(t *testing.T) *mockAPI {
	t.Helper()
	m := &mockAPI{t: t, tr: httpmock.NewMockTransport(), routes: map[string]handler{}}
	m.tr.RegisterNoResponder(m.serve)
	return m
}

// on routes "METHOD /2.0/escaped/path" to h.
func (m *mockAPI) on(route string, h handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.routes[route] = h
}

func (m *mockAPI) serve(r *http.Request) (*http.Response, error) {
	var body string
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
	}
	path := r.URL.EscapedPath()
	m.mu.Lock()
	m.calls = append(m.calls, call{Method: r.Method, URL: r.URL.String(), Path: path, Query: r.URL.Query(), Body: body, Header: r.Header.Clone()})
	h, ok := m.routes[r.Method+" "+path]
	m.mu.Unlock()
	if removedPaths[strings.TrimSuffix(path, "/")] {
		m.t.Errorf("request to a removed endpoint: %s %s", r.Method, r.URL)
		return nil, errors.New("removed endpoint")
	}
	if r.URL.Scheme+"://"+r.URL.Host != testOrigin || !ok {
		m.t.Errorf("unexpected request: %s %s", r.Method, r.URL)
		return nil, errors.New("unexpected request")
	}
	return h(r, body), nil
}

func (m *mockAPI) Calls() []call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]call(nil), m.calls...)
}

// client builds a Client on the mock with credentials creds (Bearer "tok" when nil).
func (m *mockAPI) client(creds auth.Credentials, opts ...bitbucket.Option) *Client {
	m.t.Helper()
	if creds == nil {
		creds = auth.Bearer("tok")
	}
	c, err := New(creds, append([]bitbucket.Option{bitbucket.WithBaseURL(testBase), bitbucket.WithTransport(m.tr), bitbucket.WithRetry(0, 0)}, opts...)...)
	if err != nil {
		m.t.Fatalf("New: %v", err)
	}
	return c
}

// respond builds a JSON response; headers are name, value pairs.
func respond(status int, body any, headers ...string) *http.Response {
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			panic(err)
		}
	}
	resp := httpmock.NewBytesResponse(status, b)
	resp.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		resp.Header.Set(headers[i], headers[i+1])
	}
	return resp
}

func fixed(status int, body any, headers ...string) handler {
	return func(*http.Request, string) *http.Response { return respond(status, body, headers...) }
}

// cloudError is the Cloud error envelope.
func cloudError(msg string) map[string]any {
	return map[string]any{"type": "error", "error": map[string]any{"message": msg}}
}

// repoJSON is a repository as GET /repositories/{workspace} describes it.
func repoJSON(ws, slug string, n int) map[string]any {
	return map[string]any{
		"type":        "repository",
		"uuid":        "{00000000-0000-4000-8000-" + pad12(n) + "}",
		"full_name":   ws + "/" + slug,
		"name":        strings.ToUpper(slug[:1]) + slug[1:],
		"description": "repo " + slug,
		"is_private":  n%2 == 0,
		"mainbranch":  map[string]any{"type": "branch", "name": "main"},
		"project":     map[string]any{"type": "project", "key": "PRJ"},
		"links": map[string]any{
			"html": map[string]any{"href": "https://bitbucket.org/" + ws + "/" + slug},
			"clone": []any{
				map[string]any{"name": "https", "href": "https://bitbucket.org/" + ws + "/" + slug + ".git"},
				map[string]any{"name": "ssh", "href": "git@bitbucket.org:" + ws + "/" + slug + ".git"},
			},
		},
		"updated_on": "2026-03-04T05:06:07.123456+00:00",
	}
}

func pad12(n int) string {
	s := strings.Repeat("0", 12) + itoa(n)
	return s[len(s)-12:]
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
