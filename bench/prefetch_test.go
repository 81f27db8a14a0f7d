package bench

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// consumerWork is what the caller of a listing spends per 100 repositories in
// BenchmarkListWithConsumer (writing them to a database, say): with read-ahead, the next page's
// round trip overlaps it.
const consumerWork = 5 * time.Millisecond

// withConsumer wraps a lister so that its caller sleeps consumerWork every 100 repositories.
func withConsumer(mk func(tb testing.TB, u, ns string, hc *http.Client) lister) func(tb testing.TB, u, ns string, hc *http.Client) lister {
	return func(tb testing.TB, u, ns string, hc *http.Client) lister {
		l := mk(tb, u, ns, hc)
		return func(ctx context.Context, seen func(ns, slug string)) error {
			n := 0
			return l(ctx, func(ns, slug string) {
				seen(ns, slug)
				if n++; n%100 == 0 {
					time.Sleep(consumerWork)
				}
			})
		}
	}
}

// BenchmarkListWithConsumer lists N = 2,000 repositories with a caller that works 5 ms per 100
// of them, bbconnect (which reads one page ahead) against the bare loop (which does not).
func BenchmarkListWithConsumer(b *testing.B) {
	for _, tc := range []struct {
		provider bitbucket.Provider
		ns       string
		cases    []listCase
	}{
		{bitbucket.Cloud, cloudWorkspace, []listCase{
			{name: "bbconnect", pageSize: 100, make: withConsumer(cloudBBConnect)},
			{name: "bare-nethttp", pageSize: 100, make: withConsumer(cloudBare(true))},
		}},
		{bitbucket.Server, dcProject, []listCase{
			{name: "bbconnect", pageSize: 1000, make: withConsumer(dcBBConnect)},
			{name: "bare-nethttp", pageSize: 1000, make: withConsumer(dcBare)},
		}},
	} {
		for _, c := range tc.cases {
			b.Run(fmt.Sprintf("%s/N=2000/%s", tc.provider, c.name), func(b *testing.B) {
				const n = 2000
				f := sharedFake(b, tc.provider, tc.ns, n, *latency)
				m := &meter{}
				hc := m.client()
				defer hc.CloseIdleConnections()
				l := c.make(b, f.url, tc.ns, hc)
				res := runLister(context.Background(), m, l, n, 0, b.Loop)
				res.report(b)
			})
		}
	}
}
