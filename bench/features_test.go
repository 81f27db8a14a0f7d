package bench

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

// connector builds a bbconnect Connector for the fake at u over hc.
func connector(tb testing.TB, provider bitbucket.Provider, u string, hc *http.Client) bitbucket.Connector {
	tb.Helper()
	var c bitbucket.Connector
	var err error
	if provider == bitbucket.Cloud {
		c, err = cloud.New(auth.Bearer(benchTok), append(loopbackOptions(hc), bitbucket.WithBaseURL(u))...)
	} else {
		c, err = server.New(u, auth.Bearer(benchTok), loopbackOptions(hc)...)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func namespaceOf(provider bitbucket.Provider) string {
	if provider == bitbucket.Cloud {
		return cloudWorkspace
	}
	return dcProject
}

// heapRun lists every repository of the fake's namespace and samples HeapInuse every 250
// repositories. With keep, it holds every repository (as Collect does), for contrast.
func heapRun(tb testing.TB, c bitbucket.Connector, ns string, keep bool) (count int, base, peak uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak = ms.HeapInuse, ms.HeapInuse
	var kept []*bitbucket.Repository
	for r, err := range c.ListRepositories(context.Background(), bitbucket.ListRepositoriesOptions{Namespace: ns}) {
		if err != nil {
			tb.Fatal(err)
		}
		count++
		if keep {
			kept = append(kept, r)
		}
		if count%250 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	runtime.KeepAlive(kept)
	return count, base, peak
}

// BenchmarkHeap100k iterates over 100,000 repositories (no latency) and reports the peak heap in
// use while doing so, next to the heap before and to a run that keeps every repository. Cloud runs
// only with -bench.large: its fake sorts the whole workspace for each of the 1,000 pages.
func BenchmarkHeap100k(b *testing.B) {
	const n = 100_000
	providers := []bitbucket.Provider{bitbucket.Server}
	if *large {
		providers = append(providers, bitbucket.Cloud)
	}
	for _, p := range providers {
		for _, keep := range []bool{false, true} {
			name := fmt.Sprintf("%s/stream", p)
			if keep {
				name = fmt.Sprintf("%s/keep-all", p)
			}
			b.Run(name, func(b *testing.B) {
				ns := namespaceOf(p)
				f := sharedFake(b, p, ns, n, 0)
				m := &meter{}
				c := connector(b, p, f.url, m.client())
				var base, peak uint64
				for b.Loop() {
					count, bs, pk := heapRun(b, c, ns, keep)
					if count != n {
						b.Fatalf("listed %d, want %d", count, n)
					}
					base, peak = bs, max(peak, pk)
				}
				b.ReportMetric(float64(base)/(1<<20), "base-heap-MiB")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(peak-base)/(1<<20), "growth-MiB")
			})
		}
	}
}

func TestHeapRun(t *testing.T) {
	for _, p := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		ns := namespaceOf(p)
		f := sharedFake(t, p, ns, 600, 0)
		m := &meter{}
		c := connector(t, p, f.url, m.client())
		if count, base, peak := heapRun(t, c, ns, false); count != 600 || peak < base {
			t.Errorf("%s: listed %d (want 600), heap %d -> %d", p, count, base, peak)
		}
	}
}

// BenchmarkConnectorNew measures building a Connector per tenant or per request over one shared
// http.Client.
func BenchmarkConnectorNew(b *testing.B) {
	hc := (&meter{}).client()
	b.Run("cloud", func(b *testing.B) {
		opts := append(loopbackOptions(hc), bitbucket.WithBaseURL("http://127.0.0.1:1/2.0"))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cloud.New(auth.Bearer(benchTok), opts...); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("server", func(b *testing.B) {
		opts := loopbackOptions(hc)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := server.New("http://127.0.0.1:1/bitbucket", auth.Bearer(benchTok), opts...); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// sharedPool has clients Connectors, all built over one http.Client, list the same namespace one
// after the other, and returns the TCP connections opened on the way.
func sharedPool(tb testing.TB, provider bitbucket.Provider, clients, n int) (conns, requests int64) {
	ns := namespaceOf(provider)
	f := sharedFake(tb, provider, ns, n, 0)
	m := &meter{}
	hc := m.client()
	defer hc.CloseIdleConnections()
	for range clients {
		c := connector(tb, provider, f.url, hc)
		got := 0
		for _, err := range c.ListRepositories(context.Background(), bitbucket.ListRepositoriesOptions{Namespace: ns}) {
			if err != nil {
				tb.Fatal(err)
			}
			got++
		}
		if got != n {
			tb.Fatalf("listed %d, want %d", got, n)
		}
	}
	return m.conns.Load(), m.requests.Load()
}

// BenchmarkSharedPool: 100 Connectors over one http.Client list sequentially; reports the TCP
// connections they opened in all.
func BenchmarkSharedPool(b *testing.B) {
	for _, p := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		b.Run(string(p), func(b *testing.B) {
			var conns, reqs int64
			for b.Loop() {
				conns, reqs = sharedPool(b, p, 100, 250)
			}
			b.ReportMetric(float64(conns), "tcp-conns")
			b.ReportMetric(float64(reqs), "requests")
		})
	}
}

func TestSharedPool(t *testing.T) {
	for _, p := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		conns, reqs := sharedPool(t, p, 100, 250)
		// Sequential listings need one connection; read-ahead may open a second at most.
		if conns < 1 || conns > 2 {
			t.Errorf("%s: 100 Connectors over one http.Client opened %d TCP connections for %d requests", p, conns, reqs)
		}
	}
}

func TestConnectorNew(t *testing.T) {
	hc := (&meter{}).client()
	if _, err := cloud.New(auth.Bearer(benchTok), append(loopbackOptions(hc), bitbucket.WithBaseURL("http://127.0.0.1:1/2.0"))...); err != nil {
		t.Error(err)
	}
	if _, err := server.New("http://127.0.0.1:1/bitbucket", auth.Bearer(benchTok), loopbackOptions(hc)...); err != nil {
		t.Error(err)
	}
}
