package integration

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/sqlstore"
	"github.com/bbconnect/bbconnect/webhooks"
)

// node is one replica of a product receiving webhooks: its pool, its intake handler behind an
// HTTP server on loopback, and its worker.
type node struct {
	*replica
	id         int
	intake     *sqlstore.Intake
	srv        *httptest.Server
	stopWorker context.CancelFunc
	workerDone chan struct{}
}

// cluster is several nodes over one database behind a round-robin balancer, with the side effect
// table their processor writes to.
type cluster struct {
	t       *testing.T
	b       backend
	nodes   []*node
	alive   []atomic.Bool
	next    atomic.Uint64
	lb      *httptest.Server
	effects string // table name
	// flaky decides whether a processing attempt fails; failed counts the attempts that did.
	flaky  func(key string) bool
	failed atomic.Int32
	errs   atomic.Int32 // errors the workers reported
}

// tenantSecrets is what a multi-tenant product keeps per tenant: its webhook secrets, two while
// one is being rotated.
var tenantSecrets = map[string][][]byte{
	"acme":   {[]byte("acme-old-secret"), []byte("acme-new-secret")},
	"globex": {[]byte("globex-old-secret"), []byte("globex-new-secret")},
}

// secretsByPath is Options.Secrets for /hooks/{tenant}.
func secretsByPath(r *http.Request) ([][]byte, error) {
	tenant, ok := strings.CutPrefix(r.URL.Path, "/hooks/")
	if !ok {
		return nil, nil
	}
	return tenantSecrets[tenant], nil
}

// newCluster starts n nodes on b, each with its workers running.
func newCluster(t *testing.T, b backend, n int, opts sqlstore.IntakeOptions) *cluster {
	t.Helper()
	c := &cluster{t: t, b: b, effects: b.prefix + "effects", flaky: func(string) bool { return false }}
	opts.OnError = func(error) { c.errs.Add(1) }
	rs := migrated(t, b, n)
	if _, err := rs[0].db.ExecContext(t.Context(), "CREATE TABLE "+c.effects+" (delivery_key TEXT NOT NULL, node INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	c.alive = make([]atomic.Bool, n)
	for i, r := range rs {
		nd := &node{replica: r, id: i, intake: r.store.Intake(opts)}
		h := nd.intake.Handler(webhooks.Options{
			Secrets: secretsByPath,
			Dedupe:  r.store.DeliveryStore(opts.Lease, time.Hour),
		})
		nd.srv = httptest.NewServer(h)
		c.nodes = append(c.nodes, nd)
		c.alive[i].Store(true)
		c.startWorker(nd)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(transport.CloseIdleConnections)
	proxies := make([]*httputil.ReverseProxy, n)
	for i, nd := range c.nodes {
		u, _ := url.Parse(nd.srv.URL)
		proxies[i] = &httputil.ReverseProxy{
			Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
			Transport: transport,
			ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
				http.Error(w, "bad gateway", http.StatusBadGateway)
			},
		}
	}
	c.lb = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range n {
			i := int(c.next.Add(1) % uint64(n))
			if c.alive[i].Load() {
				proxies[i].ServeHTTP(w, r)
				return
			}
		}
		http.Error(w, "no backend", http.StatusBadGateway)
	}))
	t.Cleanup(func() {
		c.lb.Close()
		for _, nd := range c.nodes {
			nd.stopWorker()
			<-nd.workerDone
			nd.srv.Close()
		}
	})
	return c
}

// startWorker runs the node's worker until it is stopped.
func (c *cluster) startWorker(nd *node) {
	ctx, cancel := context.WithCancel(context.Background())
	nd.stopWorker, nd.workerDone = cancel, make(chan struct{})
	go func() {
		defer close(nd.workerDone)
		_ = nd.intake.Work(ctx, c.processor(nd))
	}()
}

// processor writes the side effect row of a delivery in the worker's transaction, failing the
// attempts c.flaky picks.
func (c *cluster) processor(nd *node) sqlstore.Processor {
	insert := "INSERT INTO " + c.effects + " (delivery_key, node) VALUES (?, ?)"
	if c.b.dialect == sqlstore.Postgres {
		insert = "INSERT INTO " + c.effects + " (delivery_key, node) VALUES ($1, $2)"
	}
	return func(ctx context.Context, tx *sql.Tx, ev *webhooks.Event) error {
		key := effectKey(ev)
		if _, err := tx.ExecContext(ctx, insert, key, nd.id); err != nil {
			return err
		}
		if c.flaky(key) {
			c.failed.Add(1)
			return errors.New("downstream unavailable")
		}
		return nil
	}
}

// effectKey names a delivery in the side effect table.
func effectKey(ev *webhooks.Event) string { return strings.ReplaceAll(ev.DedupeKey(), "\x00", "/") }

// kill stops node i as a crash would: its database calls fail from now on, its worker stops, the
// balancer forgets it and its connections are cut, in-flight requests included.
func (c *cluster) kill(i int) {
	nd := c.nodes[i]
	nd.down.Store(true)
	c.alive[i].Store(false)
	nd.stopWorker()
	nd.srv.CloseClientConnections()
}

// effectCounts returns how many side effect rows each delivery key has.
func (c *cluster) effectCounts(db *sql.DB) map[string]int {
	c.t.Helper()
	rows, err := db.QueryContext(c.t.Context(), "SELECT delivery_key, COUNT(*) FROM "+c.effects+" GROUP BY delivery_key")
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			c.t.Fatal(err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// waitDrained waits until the intake has no pending delivery, as seen through node i.
func (c *cluster) waitDrained(i int, timeout time.Duration) sqlstore.IntakeStats {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := c.nodes[i].intake.Stats(c.t.Context())
		if err == nil && st.Pending == 0 {
			return st
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("intake not drained after %v: %+v, %v", timeout, st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// everyTenth picks one delivery key in ten, by hash.
func everyTenth(key string) bool {
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()%10 == 0
}

// firstAttemptOf returns a flaky function that fails the first processing attempt of the keys
// pick selects, and lets the later ones succeed.
func firstAttemptOf(pick func(string) bool) func(string) bool {
	var seen sync.Map
	return func(key string) bool {
		if !pick(key) {
			return false
		}
		_, again := seen.LoadOrStore(key, true)
		return !again
	}
}
