package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

// post is one webhook request as Bitbucket sends it: to a tenant's path, signed by the fake.
type post struct {
	tenant string
	header http.Header
	body   []byte
	key    string // the delivery it belongs to (duplicates and retries share it)
}

// captured is what a capturing receiver got from a fake.
type captured struct {
	path   string
	header http.Header
	body   []byte
}

// fakeDeliveries makes each fake (Cloud for tenant acme, Data Center for tenant globex) deliver
// pushes and pull-request events to two hooks, one per secret of the tenant (the old and the new
// one during a rotation), and returns what they sent, signatures included.
func fakeDeliveries(t *testing.T, pushes int) map[string][]captured {
	t.Helper()
	var mu sync.Mutex
	got := map[string][]captured{}
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tenant := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
		mu.Lock()
		got[tenant] = append(got[tenant], captured{r.URL.Path, r.Header.Clone(), b})
		mu.Unlock()
	}))
	defer rec.Close()
	for _, tc := range []struct {
		tenant   string
		fake     func() *bitbuckettest.Server
		connect  func(*bitbuckettest.Server) (bitbucket.Connector, error)
		prOpened string
	}{
		{"acme", bitbuckettest.NewCloud, func(s *bitbuckettest.Server) (bitbucket.Connector, error) {
			return cloud.New(auth.Bearer("tok"), s.Options()...)
		}, "pullrequest:created"},
		{"globex", bitbuckettest.NewServer, func(s *bitbuckettest.Server) (bitbucket.Connector, error) {
			return server.New(s.URL(), auth.Bearer("tok"), s.Options()...)
		}, "pr:opened"},
	} {
		srv := tc.fake()
		srv.AddUser(bitbuckettest.User{Username: "ada", DisplayName: "Ada"})
		srv.AddToken("tok", "ada")
		repo := bitbucket.RepoRef{Namespace: "TEAM", Slug: "api"}
		srv.AddRepository(bitbuckettest.Repository{Namespace: repo.Namespace, Slug: repo.Slug})
		srv.Grant("ada", repo, bitbucket.PermissionAdmin)
		conn, err := tc.connect(srv)
		if err != nil {
			t.Fatal(err)
		}
		for i, secret := range tenantSecrets[tc.tenant] {
			if _, err := conn.CreateWebhook(t.Context(), repo, bitbucket.WebhookSpec{
				URL:    fmt.Sprintf("%s/%s/hook-%d", rec.URL, tc.tenant, i),
				Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened},
				Secret: string(secret),
				// The recorder is on loopback beside the fake.
				AllowLoopbackURL: true,
			}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range pushes {
			to := fmt.Sprintf("%040x", i+1)
			if err := srv.Push(t.Context(), repo, bitbuckettest.PushEvent{Actor: "ada", Changes: []bitbuckettest.RefChange{
				{Ref: "refs/heads/main", Type: "UPDATE", FromHash: fmt.Sprintf("%040x", i), ToHash: to},
			}}); err != nil {
				t.Fatal(err)
			}
			if i%4 == 0 {
				if err := srv.PullRequestEvent(t.Context(), repo, tc.prOpened, bitbuckettest.PullRequest{
					ID: i + 1, Title: "Change " + to[:7], FromBranch: "feature", FromCommit: to,
				}); err != nil {
					t.Fatal(err)
				}
			}
		}
		srv.Close()
	}
	for tenant, c := range got {
		if len(c) < 2*pushes {
			t.Fatalf("%s: %d deliveries captured, want at least %d", tenant, len(c), 2*pushes)
		}
	}
	return got
}

// workload turns captured deliveries into distinct deliveries (each a captured body and signature
// with a delivery id of its own, half per tenant) followed, in a shuffled order, by repeats of
// some of them: exact duplicates and Cloud-style retries (X-Attempt-Number 2).
func workload(t *testing.T, templates map[string][]captured, distinct, repeats int) (posts []post, keys []string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	tenants := []string{"acme", "globex"}
	for i := range distinct {
		tenant := tenants[i%2]
		tpl := templates[tenant][rng.IntN(len(templates[tenant]))]
		h := tpl.header.Clone()
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, rng.Uint64()&0xffffffffffff)
		var key string
		if tenant == "acme" {
			h.Set("X-Request-UUID", id)
			key = "cloud/" + h.Get("X-Hook-UUID") + "/" + id
		} else {
			h.Set("X-Request-Id", id)
			key = "server/" + id
		}
		posts = append(posts, post{tenant: tenant, header: h, body: tpl.body, key: key})
		keys = append(keys, key)
	}
	for i := range repeats {
		p := posts[rng.IntN(distinct)]
		p.header = p.header.Clone()
		if p.tenant == "acme" && i%2 == 1 {
			p.header.Set("X-Attempt-Number", "2")
		}
		posts = append(posts, p)
	}
	rng.Shuffle(len(posts), func(i, j int) { posts[i], posts[j] = posts[j], posts[i] })
	return posts, keys
}

// sendResult is what sending a workload measured.
type sendResult struct {
	elapsed   time.Duration
	latencies []time.Duration // of each acknowledged post's last attempt
	statuses  map[int]int     // of every attempt; 0 for a transport error
	unacked   int             // posts never answered 200
}

// send posts every delivery to url with a pool of senders. An attempt answered 5xx or cut is
// tried again (after a short pause, until giveUp), as Cloud resends and as an operator redelivers
// from Data Center's history. onSent is called with the number of posts acknowledged so far.
func send(ctx context.Context, url string, posts []post, senders int, giveUp time.Duration, onSent func(int)) sendResult {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	res := sendResult{statuses: map[int]int{}}
	var mu sync.Mutex
	work := make(chan post)
	var wg sync.WaitGroup
	acked := 0
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for p := range work {
				deadline := time.Now().Add(giveUp)
				ok := false
				for !ok && time.Now().Before(deadline) && ctx.Err() == nil {
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/hooks/"+p.tenant, bytes.NewReader(p.body))
					req.Header = p.header.Clone()
					t0 := time.Now()
					resp, err := client.Do(req)
					lat := time.Since(t0)
					code := 0
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
						code = resp.StatusCode
					}
					mu.Lock()
					res.statuses[code]++
					if code == http.StatusOK {
						ok = true
						acked++
						res.latencies = append(res.latencies, lat)
					}
					n := acked
					mu.Unlock()
					if ok && onSent != nil {
						onSent(n)
					}
					if !ok {
						if code >= 400 && code < 500 {
							break // refused: resending the same bytes cannot help
						}
						time.Sleep(20 * time.Millisecond)
					}
				}
				if !ok {
					mu.Lock()
					res.unacked++
					mu.Unlock()
				}
			}
		})
	}
	for _, p := range posts {
		work <- p
	}
	close(work)
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// percentile returns the p-th percentile (0..100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}
