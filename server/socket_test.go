package server

import (
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
)

// Socket-level checks on loopback, through the real HTTP stack (no mock transport).

var allowLoopback = bitbucket.WithAllowedHosts(netip.MustParsePrefix("127.0.0.0/8"))

func TestCheckConnectionLoopbackRefusedByPolicy(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("the host policy let a request through to loopback")
	}))
	defer ts.Close()
	c, err := New(ts.URL, auth.Bearer(testToken), bitbucket.WithRetry(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CheckConnection(t.Context())
	assertCheck(t, err, bitbucket.StepVersion, bitbucket.ReasonDisallowedHost, bitbucket.ErrDisallowedHost)
}

func TestCheckConnectionConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there any more
	c, err := New("https://"+addr, auth.Bearer(testToken), allowLoopback, bitbucket.WithRetry(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CheckConnection(t.Context())
	assertCheck(t, err, bitbucket.StepVersion, bitbucket.ReasonConnectionRefused, nil)
}

func TestCheckConnectionUnknownAuthority(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bitbucket/rest/api/1.0/application-properties":
			w.Header().Set("X-AUSERNAME", "ada")
			_, _ = w.Write([]byte(`{"version":"9.4.2","buildNumber":"9004002","buildDate":"1718000000000","displayName":"Bitbucket"}`))
		case "/bitbucket/rest/api/1.0/users/ada":
			_, _ = w.Write([]byte(`{"id":1,"name":"ada","slug":"ada","displayName":"Ada","emailAddress":"ada@example.com","active":true,"type":"NORMAL"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	base := ts.URL + "/bitbucket/"

	c, err := New(base, auth.Bearer(testToken), allowLoopback, bitbucket.WithRetry(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CheckConnection(t.Context())
	assertCheck(t, err, bitbucket.StepVersion, bitbucket.ReasonTLSUnknownAuthority, nil)
	if err != nil && !strings.Contains(err.Error(), "WithRootCAs") {
		t.Errorf("message does not name WithRootCAs: %v", err)
	}
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		t.Errorf("cause is not an x509.UnknownAuthorityError: %v", err)
	}

	// With the CA supplied, the same server checks out.
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	c, err = New(base, auth.Bearer(testToken), allowLoopback, bitbucket.WithRootCAs(pool), bitbucket.WithRetry(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.CheckConnection(t.Context())
	if err != nil || info.User.Username != "ada" || info.Version != "9.4.2" {
		t.Errorf("with the CA: %+v, %v", info, err)
	}
}

func TestCheckConnectionNoCredentials(t *testing.T) {
	mt := newMock(t)
	c, err := New(testBase, auth.None(), bitbucket.WithTransport(mt), bitbucket.WithRetry(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	mt.RegisterResponder("GET", testAPI+"/application-properties", func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("Authorization") != "" {
			t.Error("credentials sent by auth.None")
		}
		return jsonResponse(200, appProps("9.4.2"))
	})
	info, err := c.CheckConnection(t.Context())
	if err != nil || info.Version != "9.4.2" || info.User != (bitbucket.User{}) {
		t.Errorf("CheckConnection = %+v, %v; want the version and no user", info, err)
	}
}
