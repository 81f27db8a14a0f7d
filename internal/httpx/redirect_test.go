package httpx

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"golang.org/x/oauth2"
)

// redirector is a loopback TLS server that redirects every request to target(r).
func redirector(t *testing.T, target func(r *http.Request) string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, target(r), http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestCrossOriginRedirectRefused(t *testing.T) {
	other, otherHits := countingServer(t) // another port, TLS
	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { plainHits.Add(1) }))
	defer plain.Close()
	plainURL, _ := url.Parse(plain.URL)

	creds := map[string]func() auth.Credentials{
		"bearer": func() auth.Credentials { return auth.Bearer(secret) },
		"oauth2": func() auth.Credentials {
			return auth.OAuth2(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: secret, Expiry: time.Now().Add(time.Hour)}))
		},
	}
	var self *httptest.Server
	targets := map[string]func(r *http.Request) string{
		"other port": func(*http.Request) string { return other.URL + "/steal?access_token=" + secret },
		// Same port, another host name for the same server: a different origin all the same.
		"other host":                     func(*http.Request) string { return "https://localhost:" + self.URL[len("https://127.0.0.1:"):] + "/x" },
		"https to http on the same host": func(*http.Request) string { return "http://127.0.0.1:" + plainURL.Port() + "/x" },
	}
	for cname, mk := range creds {
		for tname, target := range targets {
			t.Run(cname+"/"+tname, func(t *testing.T) {
				srv, hits := redirector(t, target)
				self = srv
				c := newClient(t, srv.URL+"/rest", mk(), withRootCAsOf(srv), withAllowed(loopback), withRetry(3, 0))
				_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
				if !errors.Is(err, bitbucket.ErrCrossOriginRedirect) {
					t.Fatalf("err = %v, want ErrCrossOriginRedirect", err)
				}
				ae := asAPIError(t, err)
				if ae.StatusCode != http.StatusFound || ae.Attempts != 1 || hits.Load() != 1 {
					t.Errorf("status %d, attempts %d, first server hits %d", ae.StatusCode, ae.Attempts, hits.Load())
				}
				if containsSecret(err.Error()) {
					t.Errorf("error shows the token: %v", err)
				}
			})
		}
	}
	if otherHits.Load() != 0 || plainHits.Load() != 0 {
		t.Errorf("other origins received %d and %d requests", otherHits.Load(), plainHits.Load())
	}
}

func TestSameOriginRedirectFollowedWithBody(t *testing.T) {
	var bodies []string
	var auths []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		auths = append(auths, r.Header.Get("Authorization"))
		if r.URL.Path == "/rest/old" {
			http.Redirect(w, r, "/rest/new", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/rest", auth.Bearer(secret), withRootCAsOf(srv), withAllowed(loopback))
	resp, err := c.Do(t.Context(), Request{Method: "PUT", Path: "/old", Body: map[string]int{"n": 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || len(bodies) != 2 || bodies[1] != `{"n":1}` || auths[1] != "Bearer "+secret {
		t.Errorf("status %d, bodies %q, auth on the second hop %q", resp.StatusCode, bodies, auths[len(auths)-1])
	}
}

// TestPostRedirectIsNeverFollowed: net/http repeats a POST as a GET after 301, 302 and 303, and
// the GET's answer would pass for the POST's (a create "succeeding" with an empty hook); after
// 307 and 308 it sends the write again. Neither happens: the call fails, typed, after one request
// (issue 11 item 6).
func TestPostRedirectIsNeverFollowed(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, method := range []string{"POST", "PATCH"} {
			var hits atomic.Int32
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if r.URL.Path == "/rest/hooks" {
					http.Redirect(w, r, "/rest/elsewhere", code)
					return
				}
				_, _ = w.Write([]byte(`{"id":0}`))
			}))
			c := newClient(t, srv.URL+"/rest", auth.Bearer(secret), withRootCAsOf(srv), withAllowed(loopback), withRetry(3, 0))
			var out struct{ ID *int }
			_, err := c.Do(t.Context(), Request{Method: method, Path: "/hooks", Body: map[string]int{"n": 1}}, &out)
			srv.Close()
			if !errors.Is(err, ErrWriteRedirected) {
				t.Errorf("%s answered %d: err %v, want ErrWriteRedirected", method, code, err)
				continue
			}
			var re *RedirectError
			ae := asAPIError(t, err)
			if !errors.As(err, &re) || re.Method != method || ae.StatusCode != code || ae.Attempts != 1 {
				t.Errorf("%s answered %d: %+v, status %d, attempts %d", method, code, re, ae.StatusCode, ae.Attempts)
			}
			if hits.Load() != 1 || out.ID != nil {
				t.Errorf("%s answered %d: server saw %d requests, out %+v", method, code, hits.Load(), out)
			}
		}
	}
}

func TestRedirectLoopStopsAfterThree(t *testing.T) {
	srv, hits := redirector(t, func(r *http.Request) string { return r.URL.Path + "x" })
	c := newClient(t, srv.URL+"/rest", auth.Bearer(secret), withRootCAsOf(srv), withAllowed(loopback), withRetry(3, 0))
	_, err := c.Do(t.Context(), Request{Path: "/a"}, nil)
	if !errors.Is(err, errTooManyRedirects) || errors.Is(err, bitbucket.ErrCrossOriginRedirect) {
		t.Fatalf("err = %v, want too many redirects", err)
	}
	if hits.Load() != 1+MaxRedirects {
		t.Errorf("server saw %d requests, want %d", hits.Load(), 1+MaxRedirects)
	}
}

func TestCheckRedirectOrigins(t *testing.T) {
	first, _ := http.NewRequest("GET", "https://Bitbucket.Example.com/rest/x", nil)
	tests := []struct {
		to   string
		same bool
	}{
		{"https://bitbucket.example.com:443/rest/y", true},
		{"https://bitbucket.example.com./rest/y", true},
		{"http://bitbucket.example.com:443/rest/y", false}, // scheme only differs
		{"http://bitbucket.example.com/rest/y", false},
		{"https://bitbucket.example.com:8443/rest/y", false},
		{"https://evil.example.com/rest/y", false},
	}
	for _, tt := range tests {
		next, _ := http.NewRequest("GET", tt.to, nil)
		err := checkRedirect(next, []*http.Request{first})
		if (err == nil) != tt.same || (err != nil && !errors.Is(err, bitbucket.ErrCrossOriginRedirect)) {
			t.Errorf("redirect to %s: err %v, want same-origin=%v", tt.to, err, tt.same)
		}
	}
}
