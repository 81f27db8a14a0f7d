package security_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

var allowLoopback = bitbucket.WithAllowedHosts(netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))

// endlessServer is a Data Center that never ends a list: every page says more follow, at a new
// nextPageStart, with one item.
func endlessServer(t *testing.T, requests *atomic.Int64) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/application-properties") {
			fmt.Fprint(w, `{"version":"9.4.3","buildNumber":"9004003","buildDate":"1700000000000","displayName":"Bitbucket"}`)
			return
		}
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		var item string
		switch {
		case strings.HasSuffix(r.URL.Path, "/webhooks"):
			item = fmt.Sprintf(`{"id":%d,"name":"h","url":"https://x.example/%d","events":["repo:refs_changed"],"active":true,"createdDate":1700000000000}`, start+1, start)
		default:
			item = fmt.Sprintf(`{"id":%d,"slug":"r%d","name":"r%d","project":{"key":"P","id":1,"name":"P"},"public":false,"links":{}}`, start+1, start, start)
		}
		fmt.Fprintf(w, `{"size":1,"limit":1,"start":%d,"isLastPage":false,"nextPageStart":%d,"values":[%s]}`, start, start+1, item)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// #11.3: a Data Center that keeps giving a new nextPageStart is followed only up to the page cap,
// on repositories, webhooks and EnsureWebhook alike.
func TestEndlessDataCenterListsEnd(t *testing.T) {
	var requests atomic.Int64
	ts := endlessServer(t, &requests)
	c, err := server.New(ts.URL, auth.Bearer("t"), allowLoopback, bitbucket.WithListLimits(200, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	repo := bitbucket.RepoRef{Namespace: "P", Slug: "r"}
	checks := map[string]func() error{
		"repositories": func() error {
			_, err := bitbucket.Collect(c.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: "P"}))
			return err
		},
		"webhooks": func() error { _, err := c.ListWebhooks(ctx, repo); return err },
		"ensure": func() error {
			_, _, err := bitbucket.EnsureWebhook(ctx, c, repo, bitbucket.WebhookSpec{URL: "https://ci.example.com/h", Events: []bitbucket.Event{bitbucket.EventPush}})
			return err
		},
	}
	for name, check := range checks {
		requests.Store(0)
		err := check()
		if !errors.Is(err, bitbucket.ErrPaginationStalled) {
			t.Errorf("%s: %v, want ErrPaginationStalled", name, err)
		}
		if n := requests.Load(); n > 2*200+10 {
			t.Errorf("%s: %d requests against a cap of 200 pages", name, n)
		}
	}
}

// #11.3: with the default caps too, an endless list ends, and a page that names itself at once.
func TestEndlessCloudListsEnd(t *testing.T) {
	var requests atomic.Int64
	var base string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		// Empty pages, each naming a fresh successor.
		fmt.Fprintf(w, `{"pagelen":100,"values":[],"next":"%s%s?page=%d"}`, base, r.URL.Path, n+1)
	}))
	t.Cleanup(ts.Close)
	base = ts.URL
	c, err := cloud.New(auth.Bearer("t"), allowLoopback, bitbucket.WithBaseURL(ts.URL+"/2.0"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	repo := bitbucket.RepoRef{Namespace: "ws", Slug: "r"}
	if _, err := c.ListWebhooks(ctx, repo); !errors.Is(err, bitbucket.ErrPaginationStalled) {
		t.Errorf("ListWebhooks over endless empty pages: %v", err)
	}
	if n := requests.Load(); n > 20 {
		t.Errorf("%d requests for endless empty pages; the empty-page guard should stop within a few", n)
	}
	requests.Store(0)
	if _, err := bitbucket.Collect(c.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: "ws"})); !errors.Is(err, bitbucket.ErrPaginationStalled) {
		t.Errorf("ListRepositories over endless empty pages: %v", err)
	}
}
