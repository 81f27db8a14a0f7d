package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
)

// multiFake is a Cloud fake holding k workspaces ("mw01".."mwNN") of per repositories each.
func multiFake(tb testing.TB, k, per int) *fakeProc {
	tb.Helper()
	key := fmt.Sprintf("multi/%d/%d", k, per)
	fakesMu.Lock()
	f, ok := fakes[key]
	if !ok {
		var err error
		if f, err = startFake(bitbucket.Cloud); err != nil {
			fakesMu.Unlock()
			tb.Fatal(err)
		}
		for i := 1; i <= k; i++ {
			if _, err := f.call("seed mw%02d repo %d", i, per); err != nil {
				fakesMu.Unlock()
				tb.Fatal(err)
			}
		}
		fakes[key] = f
	}
	fakesMu.Unlock()
	if _, err := f.call("latency %s", *latency); err != nil {
		tb.Fatal(err)
	}
	return f
}

// acrossWorkspaces lists every workspace with bbconnect reading n workspaces at once.
func acrossWorkspaces(tb testing.TB, u string, m *meter, n int) lister {
	c, err := cloud.New(auth.Bearer(benchTok), append(loopbackOptions(m.client()), bitbucket.WithBaseURL(u))...)
	if err != nil {
		tb.Fatal(err)
	}
	c = c.WithNamespaceConcurrency(n)
	return func(ctx context.Context, seen func(ns, slug string)) error {
		for r, err := range c.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{}) {
			if err != nil {
				return err
			}
			if strings.HasPrefix(r.Ref.Namespace, "mw") {
				seen(r.Ref.Namespace, r.Ref.Slug)
			}
		}
		return nil
	}
}

// BenchmarkCloudAcrossWorkspaces lists 20 workspaces of 100 repositories (2,000 in all) with the
// Namespace empty, reading 1, 4 or 8 workspaces at once.
func BenchmarkCloudAcrossWorkspaces(b *testing.B) {
	const k, per = 20, 100
	for _, n := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("workspaces=%d/concurrency=%d", k, n), func(b *testing.B) {
			f := multiFake(b, k, per)
			m := &meter{}
			l := acrossWorkspaces(b, f.url, m, n)
			b.ReportAllocs()
			res := runLister(context.Background(), m, l, k*per, 0, b.Loop)
			res.report(b)
		})
	}
}

func TestCloudAcrossWorkspaces(t *testing.T) {
	f := multiFake(t, 5, 30)
	if _, err := f.call("latency 0s"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 4} {
		m := &meter{}
		res := runLister(context.Background(), m, acrossWorkspaces(t, f.url, m, n), 150, 0, once())
		if res.err != nil || res.unique != 150 || res.total != 150 {
			t.Errorf("concurrency %d: %v", n, res)
		}
	}
}
