package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/server"
)

// The Data Center figures of what a product does after connecting: listing 2,000 branches, reading
// a 5 MiB file, and the permissions of a picker page of 25 repositories. The server is a loopback
// handler that writes pre-rendered bodies after the latency, so that the process's allocations are
// the client's (the shared child-process fake has no git data).

const (
	dcBranchCount = 2000
	dcFileBytes   = 5 << 20
	dcPickerSize  = 25
)

// dcGitServer serves pre-rendered Data Center answers and counts requests.
type dcGitServer struct {
	*httptest.Server
	requests atomic.Int64
	branches map[int][]byte // page bodies by start, limit 1000
	file     []byte
	admin    []byte // GET /repos?permission=REPO_ADMIN for the picker's project
}

func newDCGitServer(tb testing.TB, latency time.Duration) *dcGitServer {
	tb.Helper()
	s := &dcGitServer{branches: map[int][]byte{}, file: bytes.Repeat([]byte("0123456789abcdef"), dcFileBytes/16)}
	for start := 0; start < dcBranchCount; start += 1000 {
		var values []map[string]any
		for i := start; i < min(start+1000, dcBranchCount); i++ {
			name := fmt.Sprintf("feature-%05d", i)
			if i == 0 {
				name = "main"
			}
			values = append(values, map[string]any{"id": "refs/heads/" + name, "displayId": name, "type": "BRANCH",
				"latestCommit": "8d51122def5632836d1cb1026e879069e10a1e13", "latestChangeset": "8d51122def5632836d1cb1026e879069e10a1e13", "isDefault": i == 0})
		}
		p := map[string]any{"size": len(values), "limit": 1000, "start": start, "isLastPage": start+1000 >= dcBranchCount, "values": values}
		if start+1000 < dcBranchCount {
			p["nextPageStart"] = start + 1000
		}
		s.branches[start], _ = json.Marshal(p)
	}
	var repos []map[string]any
	for i := 1; i <= dcPickerSize; i++ {
		repos = append(repos, map[string]any{"id": i, "slug": fmt.Sprintf("repo-%05d", i), "name": fmt.Sprintf("repo-%05d", i),
			"project": map[string]any{"key": dcProject}, "public": false, "archived": false})
	}
	s.admin, _ = json.Marshal(map[string]any{"size": len(repos), "limit": 1000, "start": 0, "isLastPage": true, "values": repos})
	repoPath := "/rest/api/1.0/projects/" + dcProject + "/repos/r"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/api/1.0/application-properties", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"version":"9.4.3","buildNumber":"9004003","buildDate":"1767225600000","displayName":"Bitbucket"}`))
	})
	mux.HandleFunc("GET "+repoPath+"/branches", func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.branches[start])
	})
	mux.HandleFunc("GET "+repoPath+"/raw/big.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(s.file)))
		_, _ = w.Write(s.file)
	})
	mux.HandleFunc("GET /rest/api/1.0/repos", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.admin)
	})
	mux.HandleFunc("GET /rest/api/1.0/projects/{key}/repos/{slug}/webhooks", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"size":0,"limit":1,"start":0,"isLastPage":true,"values":[]}`))
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		time.Sleep(latency)
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *dcGitServer) client(tb testing.TB, hc *http.Client) *server.Client {
	tb.Helper()
	c, err := server.New(s.URL, auth.Bearer(benchTok), loopbackOptions(hc)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

var dcBranchRepo = bitbucket.RepoRef{Namespace: dcProject, Slug: "r"}

// dcBareBranches is the reference loop: net/http and a minimal struct, limit 1000.
func dcBareBranches(ctx context.Context, hc *http.Client, base string) (int, error) {
	n, start := 0, 0
	for range maxPages {
		var p struct {
			IsLastPage    bool `json:"isLastPage"`
			NextPageStart int  `json:"nextPageStart"`
			Values        []struct {
				DisplayID    string `json:"displayId"`
				LatestCommit string `json:"latestCommit"`
				IsDefault    bool   `json:"isDefault"`
			} `json:"values"`
		}
		if err := getJSON(ctx, hc, base+"/rest/api/1.0/projects/"+dcProject+"/repos/r/branches?limit=1000&start="+strconv.Itoa(start), &p); err != nil {
			return n, err
		}
		n += len(p.Values)
		if p.IsLastPage {
			return n, nil
		}
		start = p.NextPageStart
	}
	return n, fmt.Errorf("more than %d pages", maxPages)
}

// BenchmarkDCListBranches lists 2,000 branches: ⌈N/1000⌉ requests, next to the bare loop.
func BenchmarkDCListBranches(b *testing.B) {
	s := newDCGitServer(b, *latency)
	for _, name := range []string{"bbconnect", "bare-nethttp"} {
		b.Run(name, func(b *testing.B) {
			hc := (&meter{}).client()
			defer hc.CloseIdleConnections()
			c := s.client(b, hc)
			if _, err := c.Version(context.Background()); err != nil { // the version is read once per client
				b.Fatal(err)
			}
			b.ReportAllocs()
			before := s.requests.Load()
			ops := 0
			for b.Loop() {
				n := 0
				var err error
				if name == "bbconnect" {
					var bs []*bitbucket.Branch
					bs, err = bitbucket.Collect(c.ListBranches(context.Background(), dcBranchRepo, bitbucket.ListBranchesOptions{}))
					n = len(bs)
				} else {
					n, err = dcBareBranches(context.Background(), hc, s.URL)
				}
				if err != nil || n != dcBranchCount {
					b.Fatalf("%d branches, %v", n, err)
				}
				ops++
			}
			b.ReportMetric(float64(s.requests.Load()-before)/float64(ops), "requests/op")
		})
	}
}

// BenchmarkDCGetFile reads a 5 MiB file; B/op against the file's size.
func BenchmarkDCGetFile(b *testing.B) {
	s := newDCGitServer(b, *latency)
	hc := (&meter{}).client()
	defer hc.CloseIdleConnections()
	c := s.client(b, hc)
	b.ReportAllocs()
	b.SetBytes(dcFileBytes)
	for b.Loop() {
		got, err := c.GetFile(context.Background(), dcBranchRepo, "main", "big.bin")
		if err != nil || len(got) != dcFileBytes {
			b.Fatalf("%d bytes, %v", len(got), err)
		}
	}
}

// BenchmarkDCPickerPermissions answers the permissions of a picker page of 25 repositories of one
// project the caller administers: at most 3 requests, where one RepositoryPermission per
// repository made 26 and more.
func BenchmarkDCPickerPermissions(b *testing.B) {
	s := newDCGitServer(b, *latency)
	refs := make([]bitbucket.RepoRef, dcPickerSize)
	for i := range refs {
		refs[i] = bitbucket.RepoRef{Namespace: dcProject, Slug: fmt.Sprintf("repo-%05d", i+1)}
	}
	hc := (&meter{}).client()
	defer hc.CloseIdleConnections()
	b.ReportAllocs()
	before := s.requests.Load()
	ops := 0
	for b.Loop() {
		c := s.client(b, hc) // a fresh client: the version request is counted
		perms, err := c.RepositoryPermissions(context.Background(), refs)
		if err != nil || len(perms) != dcPickerSize || perms[refs[0]] != bitbucket.PermissionAdmin {
			b.Fatalf("%v, %v", perms, err)
		}
		ops++
	}
	b.ReportMetric(float64(s.requests.Load()-before)/float64(ops), "requests/op")
}

// TestDCAfterConnectFigures checks the request counts the benchmarks report.
func TestDCAfterConnectFigures(t *testing.T) {
	s := newDCGitServer(t, 0)
	c := s.client(t, http.DefaultClient)
	if _, err := c.Version(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := s.requests.Load()
	bs, err := bitbucket.Collect(c.ListBranches(t.Context(), dcBranchRepo, bitbucket.ListBranchesOptions{}))
	if err != nil || len(bs) != dcBranchCount || !bs[0].Default || bs[1].Default {
		t.Fatalf("%d branches, %v", len(bs), err)
	}
	if n := s.requests.Load() - before; n != (dcBranchCount+999)/1000 {
		t.Errorf("ListBranches: %d requests, want %d", n, (dcBranchCount+999)/1000)
	}
	refs := []bitbucket.RepoRef{}
	for i := 1; i <= dcPickerSize; i++ {
		refs = append(refs, bitbucket.RepoRef{Namespace: dcProject, Slug: fmt.Sprintf("repo-%05d", i)})
	}
	fresh := s.client(t, http.DefaultClient)
	before = s.requests.Load()
	if _, err := fresh.RepositoryPermissions(t.Context(), refs); err != nil {
		t.Fatal(err)
	}
	if n := s.requests.Load() - before; n > 3 {
		t.Errorf("RepositoryPermissions: %d requests, want at most 3", n)
	}
}
