package cloud_test

import (
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/internal/conformance"
)

// cloudHarness starts the Cloud fake for the neutral behaviour tables.
var cloudHarness = conformance.Harness{
	NewFake: bitbuckettest.NewCloud,
	Connect: func(srv *bitbuckettest.Server, token string) (bitbucket.Connector, error) {
		return cloud.New(auth.Bearer(token), srv.Options()...)
	},
	NamespaceAdmin: func(srv *bitbuckettest.Server, username, ns string) {
		srv.AddWorkspaceMember(username, ns, true)
	},
}

// TestConformance runs the neutral behaviour table against the Cloud fake, unchanged from the
// one the Data Center connector passes.
func TestConformance(t *testing.T) {
	conformance.Run(t, cloudHarness)
}

// TestConformanceAfterConnect runs the table of the v0.2 methods against the Cloud fake.
func TestConformanceAfterConnect(t *testing.T) {
	conformance.RunAfterConnect(t, cloudHarness)
}
