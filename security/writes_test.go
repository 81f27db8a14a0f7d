package security_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

var hookSpec = bitbucket.WebhookSpec{URL: "https://ci.example.com/hooks", Events: []bitbucket.Event{bitbucket.EventPush}, Secret: "hook-secret-1"}

var repo = bitbucket.RepoRef{Namespace: "PROJ", Slug: "repo"}

// writeServer answers every POST with answer and counts the POSTs and the requests to a redirect
// target (a path ending in /moved); it answers anything else as a Data Center version check.
func writeServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*testServer, *atomic.Int32, *atomic.Int32) {
	var posts, others atomic.Int32
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			answer(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/moved") {
			others.Add(1) // a create replayed at the redirect's target
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":0,"uuid":"","values":[],"isLastPage":true,"version":"9.4.0","buildNumber":"9004000"}`))
	})
	return s, &posts, &others
}

func bothProviders(t *testing.T, s *testServer, opts ...bitbucket.Option) []bitbucket.Connector {
	t.Helper()
	all := append(append([]bitbucket.Option(nil), s.opts...), opts...)
	dc, err := server.New(s.URL, auth.Bearer("tok-secret-1"), all...)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := cloud.New(auth.Bearer("tok-secret-1"), append(all, bitbucket.WithBaseURL(s.URL+"/2.0"))...)
	if err != nil {
		t.Fatal(err)
	}
	return []bitbucket.Connector{dc, cl}
}

// TestRedirectedCreateIsNotReplayed: a same-origin 301, 302 or 303 would make net/http repeat the
// POST as a GET and report the GET's answer (a hook with ID "0") as created; a 307 or 308 would
// send the create again. The create fails instead, after one POST and no other request (issue 11
// item 6).
func TestRedirectedCreateIsNotReplayed(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		s, posts, others := writeServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"/moved", code)
		})
		for _, c := range bothProviders(t, s) {
			posts.Store(0)
			others.Store(0)
			hook, err := c.CreateWebhook(t.Context(), repo, hookSpec)
			if err == nil {
				t.Errorf("%s, %d: created %+v", c.Provider(), code, hook)
			}
			if posts.Load() != 1 || others.Load() != 0 {
				t.Errorf("%s, %d: %d POSTs and %d other requests, want one POST and nothing at the target", c.Provider(), code, posts.Load(), others.Load())
			}
		}
	}
}

// TestPostIsSentExactlyOnce: what held. A POST that reached the server is never repeated after a
// 5xx, a connection reset or a timeout, whatever the retry settings.
func TestPostIsSentExactlyOnce(t *testing.T) {
	answers := map[string]func(w http.ResponseWriter, r *http.Request){
		"503": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) },
		"500": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) },
		"reset": func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		},
		"timeout": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		},
	}
	for name, answer := range answers {
		s, posts, _ := writeServer(t, answer)
		s.Config.ErrorLog = nil
		opts := []bitbucket.Option{bitbucket.WithRetry(3, 10*time.Millisecond), bitbucket.WithHTTPClient(&http.Client{Timeout: 300 * time.Millisecond})}
		for _, c := range bothProviders(t, s, opts...) {
			posts.Store(0)
			_, err := c.CreateWebhook(t.Context(), repo, hookSpec)
			var ae *bitbucket.APIError
			if !errors.As(err, &ae) {
				t.Errorf("%s, %s: err %v, want an *APIError", c.Provider(), name, err)
			}
			if posts.Load() != 1 {
				t.Errorf("%s, %s: the server received %d POSTs, want exactly one", c.Provider(), name, posts.Load())
			}
		}
	}
}

// TestCrossOriginRedirectReceivesNothing: what held. A redirect to another origin (another port
// on the same host, plain http, another host) is not followed, and the target hears nothing.
func TestCrossOriginRedirectReceivesNothing(t *testing.T) {
	var elsewhere atomic.Int32
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) })
	for _, target := range []string{other.URL + "/steal", "http://" + other.Listener.Addr().String() + "/steal"} {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) })
		for _, c := range bothProviders(t, s) {
			_, err := c.GetRepository(t.Context(), repo)
			if !errors.Is(err, bitbucket.ErrCrossOriginRedirect) {
				t.Errorf("%s to %s: err %v, want ErrCrossOriginRedirect", c.Provider(), target, err)
			}
		}
	}
	if elsewhere.Load() != 0 {
		t.Fatalf("the other origin received %d requests", elsewhere.Load())
	}
}
