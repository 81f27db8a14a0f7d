package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bbconnect/bbconnect/auth"
)

const secret = "tok-SECRET-123"

// recorder is a RoundTripper that keeps every request it is given and answers 200.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

func (r *recorder) last(t *testing.T) *http.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request reached the base transport")
	}
	return r.reqs[len(r.reqs)-1]
}

func newRequest(t *testing.T) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://api.bitbucket.org/2.0/user", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	return req
}

type staticSource struct {
	tok *oauth2.Token
	err error
	n   int
}

func (s *staticSource) Token() (*oauth2.Token, error) {
	s.n++
	return s.tok, s.err
}

func TestCredentialsSetAuthorization(t *testing.T) {
	t.Parallel()
	basicWant := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice@example.com:"+secret))
	tests := []struct {
		name   string
		creds  auth.Credentials
		scheme string
		want   string // "" means no Authorization header
	}{
		{"bearer", auth.Bearer(secret), "bearer", "Bearer " + secret},
		{"basic", auth.Basic("alice@example.com", secret), "basic", basicWant},
		{"oauth2", auth.OAuth2(&staticSource{tok: &oauth2.Token{AccessToken: secret, TokenType: "bearer", Expiry: time.Now().Add(time.Hour)}}), "oauth2", "Bearer " + secret},
		{"none", auth.None(), "none", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			rt := tt.creds.RoundTripper(rec)
			req := newRequest(t)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			_ = resp.Body.Close()
			sent := rec.last(t)
			if got := sent.Header.Get("Authorization"); got != tt.want {
				t.Errorf("Authorization = %q, want %q", got, tt.want)
			}
			if got := sent.Header.Get("Accept"); got != "application/json" {
				t.Errorf("other headers lost: Accept = %q", got)
			}
			if got := req.Header.Get("Authorization"); got != "" {
				t.Errorf("the caller's request was changed: Authorization = %q", got)
			}
			if tt.want != "" && sent == req {
				t.Errorf("the caller's request object itself was sent; want a clone")
			}
			if got := tt.creds.Scheme(); got != tt.scheme {
				t.Errorf("Scheme() = %q, want %q", got, tt.scheme)
			}
		})
	}
}

func TestCredentialsReplaceAuthorization(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	req := newRequest(t)
	req.Header.Set("Authorization", "Bearer stale")
	if _, err := auth.Bearer(secret).RoundTripper(rec).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer "+secret {
		t.Errorf("Authorization = %q, want exactly one current value", got)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer stale" {
		t.Errorf("the caller's header was changed to %q", got)
	}
}

func TestOAuth2AsksTokenSourceEveryRequest(t *testing.T) {
	t.Parallel()
	src := &staticSource{tok: &oauth2.Token{AccessToken: "first", Expiry: time.Now().Add(time.Hour)}}
	rec := &recorder{}
	rt := auth.OAuth2(src).RoundTripper(rec)
	if _, err := rt.RoundTrip(newRequest(t)); err != nil {
		t.Fatal(err)
	}
	src.tok = &oauth2.Token{AccessToken: "second", Expiry: time.Now().Add(time.Hour)}
	if _, err := rt.RoundTrip(newRequest(t)); err != nil {
		t.Fatal(err)
	}
	if src.n != 2 {
		t.Errorf("token source asked %d times for 2 requests", src.n)
	}
	if got := rec.last(t).Header.Get("Authorization"); got != "Bearer second" {
		t.Errorf("Authorization = %q, want the refreshed token", got)
	}
}

// closeRecorder is a request body that records whether it was closed.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestOAuth2TokenSourceFailure(t *testing.T) {
	t.Parallel()
	body := `{"error":"invalid_grant","error_description":"refresh token ` + secret + ` is revoked"}`
	retrieve := &oauth2.RetrieveError{
		Response:         &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{}},
		Body:             []byte(body),
		ErrorCode:        "invalid_grant",
		ErrorDescription: "refresh token " + secret + " is revoked",
	}
	tests := []struct {
		name     string
		src      *staticSource
		contains string
	}{
		{"retrieve error", &staticSource{err: retrieve}, "invalid_grant"},
		{"wrapped retrieve error", &staticSource{err: fmt.Errorf("refresh: %w", retrieve)}, "400"},
		{"nil token", &staticSource{}, ""},
		{"empty token", &staticSource{tok: &oauth2.Token{}}, ""},
		{"expired token", &staticSource{tok: &oauth2.Token{AccessToken: secret, Expiry: time.Now().Add(-time.Hour)}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			req := newRequest(t)
			req.Method = http.MethodPost
			reqBody := &closeRecorder{Reader: strings.NewReader(`{"x":1}`)}
			req.Body = reqBody
			resp, err := auth.OAuth2(tt.src).RoundTripper(rec).RoundTrip(req)
			if resp != nil {
				t.Errorf("response %v returned with a token failure", resp)
			}
			if !errors.Is(err, auth.ErrTokenSource) {
				t.Fatalf("error = %v, want ErrTokenSource", err)
			}
			msg := err.Error()
			for _, leak := range []string{secret, "error_description", "revoked"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q shows the token endpoint's body (%q)", msg, leak)
				}
			}
			if tt.contains != "" && !strings.Contains(msg, tt.contains) {
				t.Errorf("error %q, want it to say %q", msg, tt.contains)
			}
			if len(rec.reqs) != 0 {
				t.Errorf("a request was sent without a token")
			}
			if !reqBody.closed {
				t.Errorf("request body not closed on failure (RoundTripper contract)")
			}
			// The error is reachable through an http.Client's *url.Error too.
			hc := &http.Client{Transport: auth.OAuth2(tt.src).RoundTripper(rec)}
			_, err = hc.Do(newRequest(t))
			var ue *url.Error
			if !errors.As(err, &ue) || !errors.Is(err, auth.ErrTokenSource) || strings.Contains(err.Error(), secret) {
				t.Errorf("through http.Client: %v", err)
			}
		})
	}
}

// leakCases are every credential kind that holds a secret.
func leakCases() map[string]auth.Credentials {
	return map[string]auth.Credentials{
		"bearer": auth.Bearer(secret),
		"basic":  auth.Basic("alice", secret),
		"oauth2": auth.OAuth2(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: secret, RefreshToken: secret + "-refresh"})),
		"oauth2 reuse": auth.OAuth2(oauth2.ReuseTokenSource(&oauth2.Token{AccessToken: secret, Expiry: time.Now().Add(time.Hour)},
			oauth2.StaticTokenSource(&oauth2.Token{AccessToken: secret}))),
		"none": auth.None(),
	}
}

// Holders embed credentials the ways a user's own types do.
type exportedHolder struct {
	Name  string
	Creds auth.Credentials
}

type unexportedHolder struct {
	name  string
	creds auth.Credentials
}

type nestedHolder struct {
	Tenant struct {
		ID    int
		creds auth.Credentials
	}
	List []auth.Credentials
	Map  map[string]auth.Credentials
	Ptr  *exportedHolder
}

func holders(c auth.Credentials) map[string]any {
	n := nestedHolder{List: []auth.Credentials{c}, Map: map[string]auth.Credentials{"k": c}, Ptr: &exportedHolder{Name: "p", Creds: c}}
	n.Tenant.creds = c
	return map[string]any{
		"value":            c,
		"pointer to value": &c,
		"exported field":   exportedHolder{Name: "t", Creds: c},
		"unexported field": unexportedHolder{name: "t", creds: c},
		"pointer holder":   &unexportedHolder{name: "t", creds: c},
		"nested":           n,
		"slice":            []auth.Credentials{c, c},
		"map":              map[string]auth.Credentials{"tenant": c},
		"any slice":        []any{c, exportedHolder{Creds: c}},
	}
}

func checkNoSecret(t *testing.T, what, out string) {
	t.Helper()
	if strings.Contains(out, secret) {
		t.Errorf("%s shows the secret: %s", what, out)
	}
	if strings.Contains(out, base64.StdEncoding.EncodeToString([]byte("alice:"+secret))) {
		t.Errorf("%s shows the Basic header: %s", what, out)
	}
	if strings.Contains(out, fmt.Sprintf("%x", secret)) || strings.Contains(out, fmt.Sprintf("%X", secret)) {
		t.Errorf("%s shows the secret in hex: %s", what, out)
	}
	if strings.Contains(out, fmt.Sprintf("%d", []byte(secret))[1:20]) {
		t.Errorf("%s shows the secret's bytes: %s", what, out)
	}
}

func TestCredentialsNeverPrintSecret(t *testing.T) {
	t.Parallel()
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%p", "%10.3s", "%-40v", "%U", "%c"}
	for cname, c := range leakCases() {
		for hname, h := range holders(c) {
			for _, verb := range verbs {
				checkNoSecret(t, fmt.Sprintf("%s %s with %s", cname, hname, verb), fmt.Sprintf(verb, h))
			}
			checkNoSecret(t, cname+" "+hname+" Sprint", fmt.Sprint(h))
			checkNoSecret(t, cname+" "+hname+" Sprintln", fmt.Sprintln(h))
		}
		checkNoSecret(t, cname+" String", c.String())
		if gs, ok := c.(fmt.GoStringer); ok {
			checkNoSecret(t, cname+" GoString", gs.GoString())
		}
		// Errors that wrap a formatted credential.
		checkNoSecret(t, cname+" in an error", fmt.Errorf("tenant %v: %w", c, errors.New("x")).Error())
	}
}

func TestCredentialsStringShowsScheme(t *testing.T) {
	t.Parallel()
	for name, c := range leakCases() {
		out := fmt.Sprint(c)
		if !strings.Contains(strings.ToLower(out), c.Scheme()) {
			t.Errorf("%s prints %q, want the scheme %q named", name, out, c.Scheme())
		}
	}
	if out := auth.Basic("alice", secret).String(); !strings.Contains(out, "alice") {
		t.Errorf("Basic String() = %q, want the username, which is not a secret", out)
	}
}

func TestCredentialsNeverLogSecret(t *testing.T) {
	t.Parallel()
	for cname, c := range leakCases() {
		for _, kind := range []string{"text", "json"} {
			var buf bytes.Buffer
			var h slog.Handler
			opts := &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}
			if kind == "text" {
				h = slog.NewTextHandler(&buf, opts)
			} else {
				h = slog.NewJSONHandler(&buf, opts)
			}
			log := slog.New(h)
			log.Info("connect", "creds", c)
			log.Info("connect", slog.Any("creds", c))
			log.Debug("connect", slog.Group("tenant", slog.String("id", "t1"), slog.Any("creds", c)))
			log.With("creds", c).WithGroup("g").Warn("with", "again", c)
			for hname, hv := range holders(c) {
				log.Info(hname, "holder", hv)
				log.Info(hname, slog.Group("g", slog.Any("holder", hv)))
			}
			log.LogAttrs(context.Background(), slog.LevelError, "attrs", slog.Any("creds", c), slog.String("s", fmt.Sprint(c)))
			checkNoSecret(t, cname+" slog "+kind, buf.String())
			if !strings.Contains(strings.ToLower(buf.String()), c.Scheme()) {
				t.Errorf("%s slog %s: the scheme %q is not logged at all:\n%s", cname, kind, c.Scheme(), buf.String())
			}
		}
	}
}

func TestCredentialsNeverMarshalSecret(t *testing.T) {
	t.Parallel()
	for cname, c := range leakCases() {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("%s: json.Marshal: %v", cname, err)
		}
		checkNoSecret(t, cname+" json", string(b))
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil || obj["scheme"] != c.Scheme() {
			t.Errorf("%s: json = %s, want an object naming the scheme", cname, b)
		}
		for hname, h := range holders(c) {
			b, err := json.Marshal(h)
			if err != nil {
				t.Fatalf("%s %s: json.Marshal: %v", cname, hname, err)
			}
			checkNoSecret(t, cname+" "+hname+" json", string(b))
			b, err = json.MarshalIndent(h, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkNoSecret(t, cname+" "+hname+" json indent", string(b))
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(struct {
			C auth.Credentials `json:"credentials"`
		}{c}); err != nil {
			t.Fatal(err)
		}
		checkNoSecret(t, cname+" json.Encoder", buf.String())
	}
}

func TestCredentialsNilBase(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
	}))
	defer srv.Close()
	// A nil base is http.DefaultTransport, as in http.Client.
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := auth.Bearer(secret).RoundTripper(nil).RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip over a nil base: %v", err)
	}
	_ = resp.Body.Close()
	if a := <-got; a != "Bearer "+secret {
		t.Errorf("Authorization = %q", a)
	}
}
