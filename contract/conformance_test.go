package contract

import (
	"sync"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/internal/conformance"
)

// transports hands every fake of a conformance run its own validating transport, made on first
// use, so that every connector the tables make sends through one.
type transports struct {
	newTransport func(url string) (*Transport, error) // NewDataCenter or NewCloud

	mu  sync.Mutex
	rts map[*bitbuckettest.Server]*Transport
	err error // the first transport that could not be made
}

// options is the conformance.ExtraOptions of the run: the fake's validating transport.
func (ts *transports) options(srv *bitbuckettest.Server) []bitbucket.Option {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	rt, ok := ts.rts[srv]
	if !ok {
		var err error
		if rt, err = ts.newTransport(srv.URL()); err != nil {
			ts.err = err
			return nil
		}
		ts.rts[srv] = rt
	}
	return []bitbucket.Option{bitbucket.WithTransport(rt)}
}

// check fails t for every contract failure any transport recorded.
func (ts *transports) check(t *testing.T) {
	t.Helper()
	if ts.err != nil {
		t.Fatalf("validating transport: %v", ts.err)
	}
	if len(ts.rts) == 0 {
		t.Fatal("the conformance table made no connector")
	}
	for _, rt := range ts.rts {
		rt.Check(t)
	}
}

// TestConformanceTablesMatchSpec runs both conformance tables on both fakes with every connector
// behind a validating transport: whatever a Connector method sends and reads in its conformance
// cases must agree with the provider's document, so a new method's case needs no scenario here.
func TestConformanceTablesMatchSpec(t *testing.T) {
	providers := []struct {
		name         string
		harness      func(conformance.ExtraOptions) conformance.Harness
		newTransport func(string) (*Transport, error)
	}{
		{"datacenter", conformance.DataCenter, NewDataCenter},
		{"cloud", conformance.Cloud, NewCloud},
	}
	tables := []struct {
		name string
		run  func(*testing.T, conformance.Harness)
	}{
		{"core", conformance.Run},
		{"after connect", conformance.RunAfterConnect},
	}
	for _, p := range providers {
		for _, table := range tables {
			t.Run(p.name+"/"+table.name, func(t *testing.T) {
				ts := &transports{newTransport: p.newTransport, rts: map[*bitbuckettest.Server]*Transport{}}
				table.run(t, p.harness(ts.options))
				ts.check(t)
			})
		}
	}
}
