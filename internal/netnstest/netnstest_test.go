package netnstest_test

import (
	"net"
	"testing"

	"github.com/bbconnect/bbconnect/internal/netnstest"
)

// TestIsolatedRunsWithOnlyLoopback: the body runs where no interface but loopback is up, and
// loopback itself works there.
func TestIsolatedRunsWithOnlyLoopback(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp != 0 && ifc.Flags&net.FlagLoopback == 0 {
			t.Errorf("%s is up", ifc.Name)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("loopback is not usable: %v", err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			_ = c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("loopback dial: %v", err)
	}
	_ = c.Close()
	if _, err := net.Dial("tcp", "192.0.2.1:9"); err == nil {
		t.Error("a documentation address was reachable")
	}
}
