package security_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
)

// TestForgedCursorsSendNothing: Page.Next is base64 of JSON, so an attacker who can hand a
// product a cursor can write one whose link climbs out of the API root with dot segments, points
// at a remapped loopback spelling, or at another origin. Each is refused before any request
// (issue 11 items 1 and 12).
func TestForgedCursorsSendNothing(t *testing.T) {
	wire := newTripwire(t)
	c, err := cloud.New(auth.Bearer("tok-secret-1"), bitbucket.WithBaseURL("https://bitbucket.invalid/2.0"), bitbucket.WithTransport(wire))
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{
		"https://bitbucket.invalid/2.0/../../admin",
		"https://bitbucket.invalid/2.0/%2e%2e/%2e%2e/admin",
		"https://bitbucket.invalid/2.0/repositories/ws/./x",
		"https://１２７.０.０.１/2.0/repositories/ws",
		"https://169.254.169.254/2.0/repositories/ws",
		"https://bitbucket.invalid@127.0.0.1/2.0/repositories/ws",
	} {
		state := map[string]any{"k": "cloud.repositories", "ns": "ws", "w": "ws", "u": link}
		b, _ := json.Marshal(state)
		cursor := base64.RawURLEncoding.EncodeToString(b)
		if _, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Cursor: cursor}); err == nil {
			t.Errorf("cursor with %s accepted", link)
		}
	}
}
