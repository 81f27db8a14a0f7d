package server

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestNewBaseURL(t *testing.T) {
	loopback := bitbucket.WithAllowedHosts(netip.MustParsePrefix("127.0.0.0/8"))
	private := bitbucket.WithAllowedHosts(netip.MustParsePrefix("10.0.0.0/8"))
	for _, c := range []struct {
		name, in string
		opts     []bitbucket.Option
		want     string // normalised base; "" when New must fail with ErrInvalidInput
	}{
		{"context path", "https://bb.example.com/bitbucket", nil, "https://bb.example.com/bitbucket"},
		{"context path with slash", "https://bb.example.com/bitbucket/", nil, "https://bb.example.com/bitbucket"},
		{"root with port", "https://bb.example.com:7990/", nil, "https://bb.example.com:7990"},
		{"root", "https://BB.example.com", nil, "https://bb.example.com"},
		{"surrounding space", "  https://bb.example.com/git  ", nil, "https://bb.example.com/git"},
		{"http on allowed loopback", "http://127.0.0.1:7990/bitbucket", []bitbucket.Option{loopback}, "http://127.0.0.1:7990/bitbucket"},
		{"http host name with allow-list", "http://bitbucket.internal:7990", []bitbucket.Option{private}, "http://bitbucket.internal:7990"},
		{"http refused by default", "http://bb.example.com", nil, ""},
		{"http loopback refused by default", "http://127.0.0.1:7990", nil, ""},
		{"http IP outside the allow-list", "http://10.1.2.3", []bitbucket.Option{loopback}, ""},
		{"user info", "https://admin:hunter2@bb.example.com/bitbucket", nil, ""},
		{"user info, bad host", "https://admin:hunter2@bb example.com", nil, ""},
		{"fragment", "https://bb.example.com/bitbucket#top", nil, ""},
		{"empty fragment", "https://bb.example.com/bitbucket#", nil, ""},
		{"query", "https://bb.example.com/bitbucket?x=1", nil, ""},
		{"no scheme", "bb.example.com/bitbucket", nil, ""},
		{"other scheme", "ftp://bb.example.com", nil, ""},
		{"empty", "", nil, ""},
		{"no host", "https:///bitbucket", nil, ""},
		{"WithBaseURL", "https://bb.example.com", []bitbucket.Option{bitbucket.WithBaseURL("https://other.example.com")}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, err := New(c.in, auth.Bearer(testToken), c.opts...)
			if c.want == "" {
				if !errors.Is(err, bitbucket.ErrInvalidInput) {
					t.Fatalf("New(%q) = %v, %v; want ErrInvalidInput", c.in, cl, err)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), testToken) {
					t.Errorf("error shows a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", c.in, err)
			}
			if got := cl.BaseURL(); got != c.want {
				t.Errorf("BaseURL() = %q, want %q", got, c.want)
			}
			if cl.Provider() != bitbucket.Server {
				t.Errorf("Provider() = %q", cl.Provider())
			}
		})
	}
}

func TestNewOptionErrors(t *testing.T) {
	_, err := New(testBase, auth.None(), bitbucket.WithRetry(-1, 0))
	if !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("New with WithRetry(-1): err = %v, want ErrInvalidInput", err)
	}
}

func TestRequestsKeepContextPath(t *testing.T) {
	c, mt := newTestClient(t)
	registerVersion(t, mt, "9.4.2")
	v, err := c.Version(t.Context())
	if err != nil || v != "9.4.2" {
		t.Fatalf("Version = %q, %v", v, err)
	}
	if n := calls(mt, "GET "+testAPI+"/application-properties"); n != 1 {
		t.Errorf("application-properties under the context path called %d times, want 1", n)
	}
}
