package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// The fakes run in a child process (this test binary, re-executed with fakeEnv set), so that the
// allocations the benchmarks report are the client's alone: an in-process fake would add the
// server's own allocations to every figure. The child is driven over stdin/stdout, one command a
// line, and exits when stdin closes.

const (
	fakeEnv   = "BBCONNECT_BENCH_FAKE" // "cloud" or "server" in the child
	benchUser = "bench"
	benchTok  = "bench-token"
)

// fakeProc is a fake Bitbucket running in a child process.
type fakeProc struct {
	provider bitbucket.Provider
	url      string
	cmd      *exec.Cmd
	in       io.WriteCloser
	out      *bufio.Reader
	mu       sync.Mutex
}

var (
	fakesMu sync.Mutex
	fakes   = map[string]*fakeProc{}
)

// sharedFake returns the child-process fake for provider seeded with n repositories in namespace
// ns (prefix "repo"), started once per test binary and reused across benchmarks, and sets its
// latency.
func sharedFake(tb testing.TB, provider bitbucket.Provider, ns string, n int, latency time.Duration) *fakeProc {
	tb.Helper()
	return sharedFakeCapped(tb, provider, ns, n, latency, 0)
}

// sharedFakeCapped is sharedFake with the fake's pages capped at pageLimit items (0: the
// provider's maximum); each cap gets a fake of its own.
func sharedFakeCapped(tb testing.TB, provider bitbucket.Provider, ns string, n int, latency time.Duration, pageLimit int) *fakeProc {
	tb.Helper()
	key := fmt.Sprintf("%s/%s/%d/%d", provider, ns, n, pageLimit)
	fakesMu.Lock()
	f, ok := fakes[key]
	if !ok {
		var err error
		f, err = startFake(provider)
		if err != nil {
			fakesMu.Unlock()
			tb.Fatalf("start fake: %v", err)
		}
		if _, err := f.call("seed %s repo %d", ns, n); err != nil {
			fakesMu.Unlock()
			tb.Fatalf("seed fake: %v", err)
		}
		if pageLimit > 0 {
			if _, err := f.call("pagelimit %d", pageLimit); err != nil {
				fakesMu.Unlock()
				tb.Fatalf("cap fake pages: %v", err)
			}
		}
		fakes[key] = f
	}
	fakesMu.Unlock()
	if _, err := f.call("latency %s", latency); err != nil {
		tb.Fatalf("fake latency: %v", err)
	}
	return f
}

// stopFakes ends every child process; TestMain calls it.
func stopFakes() {
	fakesMu.Lock()
	defer fakesMu.Unlock()
	for k, f := range fakes {
		f.close()
		delete(fakes, k)
	}
}

func startFake(provider bitbucket.Provider) (*fakeProc, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fakeEnv+"="+string(provider))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &fakeProc{provider: provider, cmd: cmd, in: in, out: bufio.NewReader(out)}
	line, err := f.out.ReadString('\n')
	if err != nil {
		f.close()
		return nil, fmt.Errorf("fake child: %v", err)
	}
	u, ok := strings.CutPrefix(strings.TrimSpace(line), "url ")
	if !ok {
		f.close()
		return nil, fmt.Errorf("fake child said %q", line)
	}
	f.url = u
	return f, nil
}

// call sends one command and returns the child's answer after "ok".
func (f *fakeProc) call(format string, args ...any) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := fmt.Fprintf(f.in, format+"\n", args...); err != nil {
		return "", err
	}
	line, err := f.out.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSpace(line)
	rest, ok := strings.CutPrefix(line, "ok")
	if !ok {
		return "", fmt.Errorf("fake: %s", line)
	}
	return strings.TrimSpace(rest), nil
}

// totalRequests is the fake's own count of the requests it received.
func (f *fakeProc) totalRequests(tb testing.TB) int {
	tb.Helper()
	s, err := f.call("total")
	if err != nil {
		tb.Fatal(err)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func (f *fakeProc) close() {
	_ = f.in.Close()
	done := make(chan struct{})
	go func() { _ = f.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = f.cmd.Process.Kill()
		<-done
	}
}

// serveFake is the child's main loop: it starts the fake, prints its URL and obeys commands until
// stdin closes.
func serveFake(provider string) int {
	var srv *bitbuckettest.Server
	switch provider {
	case string(bitbucket.Cloud):
		srv = bitbuckettest.NewCloud()
		srv.AddUser(bitbuckettest.User{Username: benchUser})
		srv.AddToken(benchTok, benchUser, "account", "repository")
	case string(bitbucket.Server):
		srv = bitbuckettest.NewServer()
		srv.AddUser(bitbuckettest.User{Username: benchUser})
		srv.AddToken(benchTok, benchUser)
	default:
		fmt.Fprintf(os.Stderr, "unknown fake %q\n", provider)
		return 2
	}
	defer srv.Close()
	fmt.Printf("url %s\n", srv.URL())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "seed" && len(f) == 4:
			n, _ := strconv.Atoi(f[3])
			srv.AddRepositories(f[1], f[2], n)
			srv.Grant(benchUser, bitbucket.RepoRef{Namespace: f[1]}, bitbucket.PermissionRead)
			fmt.Println("ok")
		case f[0] == "latency" && len(f) == 2:
			d, err := time.ParseDuration(f[1])
			if err != nil {
				fmt.Println("error", err)
				continue
			}
			srv.SetLatency(d)
			fmt.Println("ok")
		case f[0] == "pagelimit" && len(f) == 2:
			n, err := strconv.Atoi(f[1])
			if err != nil {
				fmt.Println("error", err)
				continue
			}
			srv.SetPageLimit(n)
			fmt.Println("ok")
		case f[0] == "total":
			fmt.Println("ok", srv.TotalRequests())
		default:
			if !gitCommand(srv, f) {
				fmt.Println("error unknown command")
			}
		}
	}
	return 0
}
