package contract

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// call is one plain request a fake test sends through the validating transport.
type call struct {
	method, path string // path relative to the fake's URL(), query included
	token        string // "" sends no Authorization header
	body         string // JSON; "" for none
	want         int    // the status the fake must answer
}

// send makes c against base through rt and checks the status; it returns the body.
func send(t *testing.T, rt http.RoundTripper, base string, c call) []byte {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", c.method, c.path, err)
	}
	if resp.StatusCode != c.want {
		t.Errorf("%s %s: status %d, want %d; body %s", c.method, c.path, resp.StatusCode, c.want, data)
	}
	return data
}

// requireOperations fails t for every operation in want that rt never validated.
func requireOperations(t *testing.T, rt *Transport, want ...string) {
	t.Helper()
	got := rt.Operations()
	for _, op := range want {
		if !slices.Contains(got, op) {
			t.Errorf("operation %s was not exercised; got %v", op, got)
		}
	}
}
