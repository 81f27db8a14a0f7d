package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
)

// The benchmarks of what a product does after connecting, on Bitbucket Cloud: listing a
// repository's branches, reading one large file, and a repository picker's page of 25 with
// their permissions.

const (
	gitWorkspace = "gitws"
	gitRepo      = "repo-00001"
	fileBytes    = 5 << 20
	pickerSize   = 25
)

// gitCommand obeys the fake commands for git data: "branches ns/slug prefix n" and
// "file ns/slug path bytes". It reports false for any other command.
func gitCommand(srv *bitbuckettest.Server, f []string) bool {
	if len(f) != 4 || (f[0] != "branches" && f[0] != "file") {
		return false
	}
	ns, slug, _ := strings.Cut(f[1], "/")
	repo := bitbucket.RepoRef{Namespace: ns, Slug: slug}
	n, err := strconv.Atoi(f[3])
	if err != nil {
		fmt.Println("error", err)
		return true
	}
	if f[0] == "branches" {
		srv.AddBranches(repo, f[2], n)
	} else {
		srv.PutFile(repo, "main", f[2], bytes.Repeat([]byte("x"), n))
	}
	fmt.Println("ok")
	return true
}

var (
	gitFakesMu sync.Mutex
	gitFakes   = map[string]*fakeProc{}
)

// gitFake is a Cloud fake holding workspace gitws with 25 repositories, 2,000 branches (and main)
// and a 5 MiB file on repo-00001.
func gitFake(tb testing.TB) *fakeProc {
	tb.Helper()
	gitFakesMu.Lock()
	defer gitFakesMu.Unlock()
	f, ok := gitFakes["cloud"]
	if !ok {
		var err error
		if f, err = startFake(bitbucket.Cloud); err != nil {
			tb.Fatal(err)
		}
		for _, cmd := range []string{
			fmt.Sprintf("seed %s repo %d", gitWorkspace, pickerSize),
			fmt.Sprintf("branches %s/%s b 1999", gitWorkspace, gitRepo),
			fmt.Sprintf("file %s/%s big.bin %d", gitWorkspace, gitRepo, fileBytes),
		} {
			if _, err := f.call("%s", cmd); err != nil {
				tb.Fatal(err)
			}
		}
		gitFakes["cloud"] = f
	}
	if _, err := f.call("latency %s", *latency); err != nil {
		tb.Fatal(err)
	}
	return f
}

func gitClient(tb testing.TB, u string, hc *http.Client) *cloud.Client {
	c, err := cloud.New(auth.Bearer(benchTok), append(loopbackOptions(hc), bitbucket.WithBaseURL(u))...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

var gitRef = bitbucket.RepoRef{Namespace: gitWorkspace, Slug: gitRepo}

// branchCases list the 2,000 branches with bbconnect and with a bare net/http loop over the same
// pages (pagelen 100), decoding only the names.
var branchCases = []struct {
	name string
	make func(tb testing.TB, u string, hc *http.Client) lister
}{
	{"bbconnect", func(tb testing.TB, u string, hc *http.Client) lister {
		c := gitClient(tb, u, hc)
		return func(ctx context.Context, seen func(ns, slug string)) error {
			for b, err := range c.ListBranches(ctx, gitRef, bitbucket.ListBranchesOptions{}) {
				if err != nil {
					return err
				}
				seen("", b.Name)
			}
			return nil
		}
	}},
	{"bare-nethttp", func(tb testing.TB, u string, hc *http.Client) lister {
		first := u + "/repositories/" + gitWorkspace + "/" + gitRepo + "/refs/branches?pagelen=100"
		return func(ctx context.Context, seen func(ns, slug string)) error {
			for next := first; next != ""; {
				var p struct {
					Values []struct {
						Name string `json:"name"`
					} `json:"values"`
					Next string `json:"next"`
				}
				if err := getJSON(ctx, hc, next, &p); err != nil {
					return err
				}
				for _, v := range p.Values {
					seen("", v.Name)
				}
				next = p.Next
			}
			return nil
		}
	}},
}

// BenchmarkCloudListBranches lists the 2,000 branches of one repository.
func BenchmarkCloudListBranches(b *testing.B) {
	for _, c := range branchCases {
		b.Run("N=2000/"+c.name, func(b *testing.B) {
			f := gitFake(b)
			m := &meter{}
			hc := m.client()
			defer hc.CloseIdleConnections()
			l := c.make(b, f.url, hc)
			b.ReportAllocs()
			res := runLister(context.Background(), m, l, 2000, 0, b.Loop)
			res.report(b)
			if res.err != nil {
				b.Fatal(res.err)
			}
		})
	}
}

func TestCloudListBranches(t *testing.T) {
	f := gitFake(t)
	for _, c := range branchCases {
		m := &meter{}
		hc := m.client()
		res := runLister(context.Background(), m, c.make(t, f.url, hc), 2000, 0, once())
		hc.CloseIdleConnections()
		if res.err != nil || res.unique != 2000 || res.total != 2000 {
			t.Fatalf("%s: %v", c.name, res)
		}
		// bbconnect also reads the repository's main branch, once, beside the first page.
		if want := int64(20); c.name == "bbconnect" && res.wire.requests != want+1 {
			t.Errorf("%s: %d requests, want 20 pages and the repository", c.name, res.wire.requests)
		}
	}
}

// BenchmarkCloudGetFile reads a 5 MiB file; bytes/file is the bytes allocated per byte of file.
func BenchmarkCloudGetFile(b *testing.B) {
	for _, name := range []string{"bbconnect", "bare-nethttp"} {
		b.Run("5MiB/"+name, func(b *testing.B) {
			f := gitFake(b)
			m := &meter{}
			hc := m.client()
			defer hc.CloseIdleConnections()
			c := gitClient(b, f.url, hc)
			raw := f.url + "/repositories/" + gitWorkspace + "/" + gitRepo + "/src/main/big.bin"
			get := func(ctx context.Context) (int, error) {
				if name == "bbconnect" {
					data, err := c.GetFile(ctx, gitRef, "main", "big.bin")
					return len(data), err
				}
				return bareGet(ctx, hc, raw)
			}
			b.ReportAllocs()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			before, ops := ms.TotalAlloc, 0
			for b.Loop() {
				n, err := get(context.Background())
				if err != nil || n != fileBytes {
					b.Fatalf("%d bytes, %v", n, err)
				}
				ops++
			}
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.TotalAlloc-before)/float64(ops)/fileBytes, "bytes/file")
			b.ReportMetric(float64(m.requests.Load())/float64(ops), "requests/op")
		})
	}
}

// bareGet reads a file with net/http into one buffer sized from Content-Length: the least a
// client can allocate.
func bareGet(ctx context.Context, hc *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+benchTok)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.ContentLength < 0 {
		b, err := io.ReadAll(resp.Body)
		return len(b), err
	}
	buf := make([]byte, resp.ContentLength)
	n, err := io.ReadFull(resp.Body, buf)
	return n, err
}

// pickerRepos is the picker's page: the 25 repositories of gitws.
func pickerRepos() []bitbucket.RepoRef {
	out := make([]bitbucket.RepoRef, pickerSize)
	for i := range out {
		out[i] = bitbucket.RepoRef{Namespace: gitWorkspace, Slug: fmt.Sprintf("repo-%05d", i+1)}
	}
	return out
}

// BenchmarkCloudPickerPermissions shows a picker page of 25 repositories with their permissions:
// RepositoryPermissions at once, or RepositoryPermission one by one.
func BenchmarkCloudPickerPermissions(b *testing.B) {
	for _, name := range []string{"bulk", "one-by-one"} {
		b.Run("repos=25/"+name, func(b *testing.B) {
			f := gitFake(b)
			m := &meter{}
			hc := m.client()
			defer hc.CloseIdleConnections()
			c := gitClient(b, f.url, hc)
			repos := pickerRepos()
			b.ReportAllocs()
			ops := 0
			for b.Loop() {
				if err := pickerPermissions(context.Background(), c, repos, name == "bulk"); err != nil {
					b.Fatal(err)
				}
				ops++
			}
			b.ReportMetric(float64(m.requests.Load())/float64(ops), "requests/op")
		})
	}
}

// pickerPermissions reads the permissions of repos, checking each is read.
func pickerPermissions(ctx context.Context, c *cloud.Client, repos []bitbucket.RepoRef, bulk bool) error {
	got := map[bitbucket.RepoRef]bitbucket.Permission{}
	if bulk {
		var err error
		if got, err = c.RepositoryPermissions(ctx, repos); err != nil {
			return err
		}
	} else {
		for _, r := range repos {
			p, err := c.RepositoryPermission(ctx, r)
			if err != nil {
				return err
			}
			got[r] = p
		}
	}
	for _, r := range repos {
		if got[r] != bitbucket.PermissionRead {
			return fmt.Errorf("%s: %v, want read", r, got[r])
		}
	}
	return nil
}

func TestCloudPickerPermissions(t *testing.T) {
	f := gitFake(t)
	m := &meter{}
	hc := m.client()
	defer hc.CloseIdleConnections()
	if err := pickerPermissions(context.Background(), gitClient(t, f.url, hc), pickerRepos(), true); err != nil {
		t.Fatal(err)
	}
	if n := m.requests.Load(); n > 3 {
		t.Errorf("%d requests for a picker page of 25, want at most 3", n)
	}
}
