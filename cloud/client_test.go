package cloud

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestNewValidatesBaseURL(t *testing.T) {
	m := newMock(t) // no routes: New must not send anything
	loopback := bitbucket.WithAllowedHosts(netip.MustParsePrefix("127.0.0.0/8"))
	tests := []struct {
		name    string
		opts    []bitbucket.Option
		wantErr bool
		want    string
	}{
		{name: "default", want: DefaultBaseURL},
		{name: "override with trailing slash", opts: []bitbucket.Option{bitbucket.WithBaseURL("https://proxy.example.invalid/bb/2.0/")}, want: "https://proxy.example.invalid/bb/2.0"},
		{name: "plain http refused", opts: []bitbucket.Option{bitbucket.WithBaseURL("http://127.0.0.1:8080/2.0")}, wantErr: true},
		{name: "plain http with allowed hosts", opts: []bitbucket.Option{bitbucket.WithBaseURL("http://127.0.0.1:8080/2.0"), loopback}, want: "http://127.0.0.1:8080/2.0"},
		{name: "userinfo", opts: []bitbucket.Option{bitbucket.WithBaseURL("https://user:pw@api.bitbucket.invalid/2.0")}, wantErr: true},
		{name: "fragment", opts: []bitbucket.Option{bitbucket.WithBaseURL("https://api.bitbucket.invalid/2.0#x")}, wantErr: true},
		{name: "query", opts: []bitbucket.Option{bitbucket.WithBaseURL("https://api.bitbucket.invalid/2.0?a=b")}, wantErr: true},
		{name: "relative", opts: []bitbucket.Option{bitbucket.WithBaseURL("api.bitbucket.org/2.0")}, wantErr: true},
		{name: "other scheme", opts: []bitbucket.Option{bitbucket.WithBaseURL("ftp://api.bitbucket.invalid/2.0")}, wantErr: true},
		{name: "no host", opts: []bitbucket.Option{bitbucket.WithBaseURL("https:///2.0")}, wantErr: true},
		{name: "unparsable", opts: []bitbucket.Option{bitbucket.WithBaseURL("https://api.bitbucket.invalid/%zz")}, wantErr: true},
		{name: "option misuse", opts: []bitbucket.Option{bitbucket.WithRetry(-1, 0)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(auth.Bearer("secret-token"), append(tt.opts, bitbucket.WithTransport(m.tr))...)
			if tt.wantErr {
				if !errors.Is(err, bitbucket.ErrInvalidInput) {
					t.Fatalf("New: got %v, want ErrInvalidInput", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
			if c.Provider() != bitbucket.Cloud {
				t.Errorf("Provider = %q", c.Provider())
			}
		})
	}
	if n := len(m.Calls()); n != 0 {
		t.Errorf("New sent %d requests", n)
	}
}

func TestRemovedEndpointNamesTheChange(t *testing.T) {
	body := map[string]any{"type": "error", "error": map[string]any{
		"message": "CHANGE-2770 - Functionality has been deprecated",
		"detail":  "Please read the changelog entry for more details.",
		"data":    map[string]any{"announcement_url": "https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"},
	}}
	for _, status := range []int{410, 404} {
		m := newMock(t)
		m.on("GET /2.0/repositories/ws/repo", fixed(status, body))
		_, err := m.client(nil).GetRepository(t.Context(), bitbucket.RepoRef{Namespace: "ws", Slug: "repo"})
		var dep *DeprecatedEndpointError
		if !errors.As(err, &dep) || dep.Change != "CHANGE-2770" {
			t.Fatalf("%d: got %v, want a DeprecatedEndpointError for CHANGE-2770", status, err)
		}
		var ae *bitbucket.APIError
		if !errors.As(err, &ae) || ae.StatusCode != status {
			t.Errorf("%d: APIError not reachable: %v", status, err)
		}
		if !errors.Is(err, ErrEndpointRemoved) {
			t.Errorf("%d: not ErrEndpointRemoved", status)
		}
		if status == 404 && !errors.Is(err, bitbucket.ErrNotFound) {
			t.Errorf("404 should still match ErrNotFound")
		}
		if got := err.Error(); !strings.Contains(got, "CHANGE-2770") || !strings.Contains(got, "/2.0/repositories/ws/repo") {
			t.Errorf("message %q should name the change and the URL", got)
		}
	}
	// A plain 404 stays a plain not-found.
	m := newMock(t)
	m.on("GET /2.0/repositories/ws/repo", fixed(404, cloudError("Repository ws/repo not found")))
	_, err := m.client(nil).GetRepository(t.Context(), bitbucket.RepoRef{Namespace: "ws", Slug: "repo"})
	if !errors.Is(err, bitbucket.ErrNotFound) || errors.Is(err, ErrEndpointRemoved) {
		t.Errorf("plain 404: got %v", err)
	}
}
