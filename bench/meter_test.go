package bench

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

var (
	large   = flag.Bool("bench.large", false, "also run N = 20,000 (or set BBCONNECT_BENCH_LARGE=1)")
	latency = flag.Duration("bench.latency", 10*time.Millisecond, "per-request latency of the fakes")
)

func TestMain(m *testing.M) {
	if p := os.Getenv(fakeEnv); p != "" {
		os.Exit(serveFake(p))
	}
	flag.Parse()
	code := m.Run()
	stopFakes()
	os.Exit(code)
}

// sizes are the repository counts every listing benchmark runs at.
func sizes() []int {
	if *large || os.Getenv("BBCONNECT_BENCH_LARGE") != "" {
		return []int{100, 2000, 20000}
	}
	return []int{100, 2000}
}

// opTimeout bounds every listing, whatever the library does on its own: some peers loop on
// certain answers, and some take no context at all (their http.Client carries this timeout).
const opTimeout = 5 * time.Minute

// meter counts what a client sends and receives on the wire: requests, TCP connections dialled
// and bytes read from them (headers and bodies).
type meter struct {
	requests atomic.Int64
	conns    atomic.Int64
	rxBytes  atomic.Int64
}

type meterSnapshot struct{ requests, conns, rxBytes int64 }

func (m *meter) snapshot() meterSnapshot {
	return meterSnapshot{m.requests.Load(), m.conns.Load(), m.rxBytes.Load()}
}

func (a meterSnapshot) sub(b meterSnapshot) meterSnapshot {
	return meterSnapshot{a.requests - b.requests, a.conns - b.conns, a.rxBytes - b.rxBytes}
}

// transport is a plain http.Transport whose dialer counts connections and bytes.
func (m *meter) transport() *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			m.conns.Add(1)
			return &countingConn{Conn: c, m: m}, nil
		},
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     90 * time.Second,
	}
}

// client is an *http.Client over the metered transport, bounded by opTimeout.
func (m *meter) client() *http.Client {
	return &http.Client{Transport: countingRT{next: m.transport(), m: m}, Timeout: opTimeout}
}

type countingRT struct {
	next http.RoundTripper
	m    *meter
}

func (c countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.m.requests.Add(1)
	return c.next.RoundTrip(r)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (c countingRT) CloseIdleConnections() {
	if t, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

type countingConn struct {
	net.Conn
	m *meter
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.m.rxBytes.Add(int64(n))
	return n, err
}

// lister lists every repository of one namespace and calls seen with each one's namespace and
// slug.
type lister func(ctx context.Context, seen func(ns, slug string)) error

// listResult is what one benchmark or test run of a lister measured.
type listResult struct {
	ops        int
	wire       meterSnapshot // totals over ops
	mallocs    uint64        // heap allocations over ops
	unique     int           // unique repositories of the last op
	total      int           // repositories yielded by the last op, duplicates included
	err        error
	wantUnique int
}

// runLister runs l ops times against n expected repositories, counting what the client did.
func runLister(ctx context.Context, m *meter, l lister, n, ops int, loop func() bool) listResult {
	seen := make(map[[2]string]struct{}, n)
	res := listResult{wantUnique: n}
	before := m.snapshot()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	for loop() {
		clear(seen)
		total := 0
		opCtx, cancel := context.WithTimeout(ctx, opTimeout)
		err := l(opCtx, func(ns, slug string) {
			total++
			seen[[2]string{ns, slug}] = struct{}{}
		})
		cancel()
		res.ops++
		res.unique, res.total = len(seen), total
		if err != nil {
			res.err = err
			break
		}
	}
	runtime.ReadMemStats(&ms)
	res.mallocs = ms.Mallocs - mallocs
	res.wire = m.snapshot().sub(before)
	return res
}

// report adds the per-operation figures of res to b.
func (res listResult) report(b *testing.B) {
	if res.ops == 0 {
		return
	}
	ops := float64(res.ops)
	b.ReportMetric(float64(res.wire.requests)/ops, "requests/op")
	b.ReportMetric(float64(res.wire.rxBytes)/ops, "rx-bytes/op")
	if res.wire.requests > 0 {
		b.ReportMetric(float64(res.wire.rxBytes)/float64(res.wire.requests), "rx-bytes/request")
	}
	b.ReportMetric(float64(res.wire.conns)/ops, "conns/op")
	b.ReportMetric(float64(res.mallocs)/ops/float64(res.wantUnique), "allocs/repo")
	b.ReportMetric(float64(res.unique), "unique-repos")
	ok := 0.0
	if res.err == nil && res.unique == res.wantUnique && res.total == res.wantUnique {
		ok = 1
	}
	b.ReportMetric(ok, "exact")
}

func (res listResult) String() string {
	return fmt.Sprintf("ops=%d requests=%d conns=%d rx=%d unique=%d total=%d err=%v",
		res.ops, res.wire.requests, res.wire.conns, res.wire.rxBytes, res.unique, res.total, res.err)
}

// once is a loop function that runs one iteration.
func once() func() bool {
	done := false
	return func() bool {
		if done {
			return false
		}
		done = true
		return true
	}
}
