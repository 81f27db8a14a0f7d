package cloud_test

import (
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/internal/conformance"
)

// TestConformance runs the neutral behaviour table against the Cloud fake, unchanged from the
// one the Data Center connector passes.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		NewFake: bitbuckettest.NewCloud,
		Connect: func(srv *bitbuckettest.Server, token string) (bitbucket.Connector, error) {
			return cloud.New(auth.Bearer(token), srv.Options()...)
		},
	})
}
