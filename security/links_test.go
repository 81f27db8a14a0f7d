package security_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

// pageServer is a caller's transport playing a Cloud API at https://bitbucket.invalid/2.0 whose
// every page links to next. It records every URL it is asked for.
type pageServer struct {
	next string
	mu   sync.Mutex
	seen []string
}

func (p *pageServer) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.seen = append(p.seen, r.URL.String())
	p.mu.Unlock()
	body := `{"values":[{"uuid":"{1}","full_name":"ws/r","name":"r","is_private":true}],"pagelen":1,"next":"` + p.next + `"}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// TestHostileNextLinksAreNotFollowed: a next link to a remapped loopback spelling, to another
// origin, or with dot segments that climb out of the API root, is refused before any request
// (issue 11 items 1 and 12).
func TestHostileNextLinksAreNotFollowed(t *testing.T) {
	for _, next := range []string{
		"https://１２７.０.０.１/2.0/repositories/ws?page=2",
		"https://127。0。0。1/2.0/repositories/ws?page=2",
		"https://127.0.0.1/2.0/repositories/ws?page=2",
		"https://bitbucket.invalid/2.0/../../admin?page=2",
		"https://bitbucket.invalid/2.0/%2e%2e/%2E%2E/admin?page=2",
		"https://bitbucket.invalid/2.0/repositories/./ws?page=2",
	} {
		ps := &pageServer{next: next}
		c, err := cloud.New(auth.Bearer("tok-secret-1"), bitbucket.WithBaseURL("https://bitbucket.invalid/2.0"), bitbucket.WithTransport(ps))
		if err != nil {
			t.Fatal(err)
		}
		var items int
		var lastErr error
		for r, err := range c.ListRepositories(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "ws"}) {
			if err != nil {
				lastErr = err
				break
			}
			if r != nil {
				items++
			}
		}
		if !refused(lastErr) || items > 1 || len(ps.seen) != 1 {
			t.Errorf("next %s: %d items, %d requests, listing ended with %v; want one request, then a refusal", next, items, len(ps.seen), lastErr)
		}
		for _, u := range ps.seen {
			if !strings.HasPrefix(u, "https://bitbucket.invalid/2.0/") || strings.Contains(u, "..") || strings.Contains(strings.ToLower(u), "%2e") {
				t.Errorf("next %s: the transport was asked for %s", next, u)
			}
		}
	}
}

// TestDotSegmentsInRepositoryNamesNeverReachTheServer: a repository reference made of dot
// segments cannot turn a webhook deletion into a request on another route (issue 11 item 12).
func TestDotSegmentsInRepositoryNamesNeverReachTheServer(t *testing.T) {
	wire := newTripwire(t)
	dc, err := server.New("https://bitbucket.invalid", auth.Bearer("tok-secret-1"), bitbucket.WithTransport(wire))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := cloud.New(auth.Bearer("tok-secret-1"), bitbucket.WithBaseURL("https://bitbucket.invalid/2.0"), bitbucket.WithTransport(wire))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []bitbucket.Connector{dc, cl} {
		for _, ref := range []bitbucket.RepoRef{{Namespace: "..", Slug: ".."}, {Namespace: "PROJ", Slug: ".."}, {Namespace: ".", Slug: "r"}} {
			if err := c.DeleteWebhook(t.Context(), ref, "1"); !refused(err) {
				t.Errorf("%s DeleteWebhook(%v): err %v, want a refusal", c.Provider(), ref, err)
			}
			if _, err := c.GetRepository(t.Context(), ref); !refused(err) {
				t.Errorf("%s GetRepository(%v): err %v, want a refusal", c.Provider(), ref, err)
			}
		}
	}
}
