package httpx

import (
	"errors"
	"net/url"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
)

// TestDotSegmentsAreRefused: ".." segments, escaped or not, in a path built with Path or in an
// absolute link on the base's origin, fail before any request (issue 11 item 12).
func TestDotSegmentsAreRefused(t *testing.T) {
	m := newMock(t) // any request fails the test
	c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m))
	for _, req := range []Request{
		{Method: "DELETE", Path: Path("projects", "..", "repos", "..", "webhooks", "1")},
		{Path: Path("projects", ".", "repos")},
		{Path: "/projects/%2e%2e/x"},
		{Path: "/projects/%2E%2e/x"},
		{Path: "/projects/.%2e/x"},
		{URL: mockBase + "/../../x"},
		{URL: mockBase + "/%2e%2e/%2e%2e/admin"},
		{URL: mockBase + "/./x?page=2"},
	} {
		_, err := c.Do(t.Context(), req, nil)
		if !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%+v: err %v, want ErrInvalidInput", req, err)
		}
	}
	// Dots inside a segment are fine.
	if err := refuseDotSegments(Path("repos", "my..repo", ".x", "v1.2")); err != nil {
		t.Errorf("dots inside segments refused: %v", err)
	}
	// A base URL with a dot segment is refused by New.
	base, _ := url.Parse("https://bitbucket.invalid/a/../rest")
	if _, err := New(bitbucket.Server, base, auth.None(), clientopt.Default()); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("base with ..: err %v", err)
	}
}
