// Package netnstest runs a test inside a network namespace that has only loopback, so that a
// regression in the host policy can never make the test dial, or resolve a name through, anything
// outside this machine. It is for the tests that send a request through the built-in transport to
// an address the policy must refuse (a private, metadata or documentation address, a name that a
// resolver would look up): if the refusal broke, the dial would fail inside the namespace instead
// of leaving the machine.
package netnstest

import (
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// marker is set in the environment of a test run again inside the namespace.
const marker = "BBCONNECT_NETNS"

// Isolated makes the calling test run with only loopback. Call it first in a top-level test:
//
//	if netnstest.Isolated(t) {
//		return
//	}
//
// Inside the namespace it returns false and the test goes on. Outside, as root with unshare(1)
// and ip(8), it runs this one test again in `unshare -n` with loopback up, reports its result and
// returns true. Without them it skips the test, saying why; under CI=true it fails instead, so CI
// never passes without running it.
func Isolated(t *testing.T) bool {
	t.Helper()
	if strings.Contains(t.Name(), "/") {
		t.Fatal("netnstest.Isolated must be called from a top-level test")
	}
	if os.Getenv(marker) == "1" {
		requireOnlyLoopback(t)
		return false
	}
	why := unavailable()
	if why == "" {
		return rerun(t)
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("this test must run in a network namespace with only loopback: %s", why)
	}
	t.Skipf("skipped: it runs in a network namespace with only loopback, which needs %s (.ci/run has it)", why)
	return true
}

// unavailable says what running in a namespace lacks here, "" when nothing.
func unavailable() string {
	if os.Geteuid() != 0 {
		return "root"
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " on PATH"
		}
	}
	return ""
}

// rerun runs t's test alone, in a new network namespace, from the same test binary.
func rerun(t *testing.T) bool {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("netnstest: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), "unshare", "-n", "--", "sh", "-c", `ip link set lo up && exec "$@"`, "sh",
		exe, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v=true")
	cmd.Env = append(os.Environ(), marker+"=1")
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil && strings.Contains(string(out), "unshare failed"):
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot make a network namespace: %s", out)
		}
		t.Skipf("skipped: cannot make a network namespace here: %s", strings.TrimSpace(string(out)))
	case err != nil:
		t.Fatalf("in a network namespace with only loopback: %v\n%s", err, out)
	case !strings.Contains(string(out), "--- PASS: "+t.Name()+" "):
		t.Fatalf("in a network namespace with only loopback, the test did not pass:\n%s", out)
	}
	t.Logf("passed in a network namespace with only loopback")
	return true
}

// requireOnlyLoopback fails t when an interface other than loopback is up.
func requireOnlyLoopback(t *testing.T) {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatalf("netnstest: %v", err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp != 0 && ifc.Flags&net.FlagLoopback == 0 {
			t.Fatalf("netnstest: %s is up in what should be a namespace with only loopback", ifc.Name)
		}
	}
}
