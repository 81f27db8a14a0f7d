package cloud_test

import (
	"testing"

	"github.com/bbconnect/bbconnect/internal/conformance"
)

// TestConformance runs the neutral behaviour table against the Cloud fake, unchanged from the
// one the Data Center connector passes.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Cloud(nil))
}

// TestConformanceAfterConnect runs the table of the v0.2 methods against the Cloud fake.
func TestConformanceAfterConnect(t *testing.T) {
	conformance.RunAfterConnect(t, conformance.Cloud(nil))
}
