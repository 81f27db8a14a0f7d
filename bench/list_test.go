package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// listCase is one library (or configuration of one) listing the repositories of a namespace.
type listCase struct {
	name string
	// pageSize is the page size the case asks for, for the physical-limit column.
	pageSize int
	// make builds the lister over hc, the metered client, for the fake at url.
	make func(tb testing.TB, url, ns string, hc *http.Client) lister
	// fakeLimit, when set, caps the fake's pages below the provider's maximum, whatever limit
	// the client asks for.
	fakeLimit int
}

// loopbackOptions are what bbconnect needs to reach a fake on loopback over plain http.
func loopbackOptions(hc *http.Client) []bitbucket.Option {
	return []bitbucket.Option{
		bitbucket.WithAllowedHosts(netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")),
		bitbucket.WithHTTPClient(hc),
	}
}

// benchList runs every case at every size against provider's fake, namespace ns.
func benchList(b *testing.B, provider bitbucket.Provider, ns string, cases []listCase) {
	for _, n := range sizes() {
		for _, c := range cases {
			b.Run(fmt.Sprintf("N=%d/%s", n, c.name), func(b *testing.B) {
				f := sharedFakeCapped(b, provider, ns, n, *latency, c.fakeLimit)
				m := &meter{}
				hc := m.client()
				defer hc.CloseIdleConnections()
				l := c.make(b, f.url, ns, hc)
				b.ReportAllocs()
				res := runLister(context.Background(), m, l, n, 0, b.Loop)
				res.report(b)
				if res.err != nil {
					b.Logf("%s: %v", c.name, res.err)
				}
			})
		}
	}
}

// testList runs every case once at a small size and checks that it listed every repository
// exactly once, with the number of requests the fake counted equal to the number metered.
func testList(t *testing.T, provider bitbucket.Provider, ns string, n int, cases []listCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := sharedFakeCapped(t, provider, ns, n, 0, c.fakeLimit)
			m := &meter{}
			hc := m.client()
			defer hc.CloseIdleConnections()
			l := c.make(t, f.url, ns, hc)
			before := f.totalRequests(t)
			res := runLister(context.Background(), m, l, n, 0, once())
			if res.err != nil {
				t.Fatalf("listing failed: %v", res.err)
			}
			if res.unique != n || res.total != n {
				t.Errorf("got %d repositories (%d unique), want %d unique", res.total, res.unique, n)
			}
			if got := int64(f.totalRequests(t) - before); got != res.wire.requests {
				t.Errorf("fake counted %d requests, the meter %d", got, res.wire.requests)
			}
			// bbconnect asks for the provider's largest page by default: the physical minimum.
			if want := int64((n + c.pageSize - 1) / c.pageSize); strings.HasPrefix(c.name, "bbconnect") && res.wire.requests != want {
				t.Errorf("bbconnect made %d requests for %d repositories, want ceil(%d/%d) = %d", res.wire.requests, n, n, c.pageSize, want)
			}
			if res.wire.requests == 0 || res.wire.rxBytes == 0 {
				t.Errorf("meter saw nothing: %v", res)
			}
		})
	}
}
