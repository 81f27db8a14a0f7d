package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

func TestCheckConnectionUserFromHeader(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", testAPI+"/application-properties",
		withHeader(jsonResponder(t, 200, appProps("9.4.2")), "X-AUSERNAME", "ada"))
	mt.RegisterResponder("GET", testAPI+"/users/ada", jsonResponder(t, 200, detailedUser(101, "ada", "Ada Lovelace", "ada@example.com")))

	info, err := c.CheckConnection(t.Context())
	if err != nil {
		t.Fatalf("CheckConnection: %v", err)
	}
	want := bitbucket.ConnectionInfo{Provider: bitbucket.Server, BaseURL: testBase, Version: "9.4.2",
		User: bitbucket.User{ID: "101", Username: "ada", DisplayName: "Ada Lovelace", Email: "ada@example.com"}}
	if fmt.Sprint(*info) != fmt.Sprint(want) {
		t.Errorf("info = %+v\nwant   %+v", *info, want)
	}
	if n := calls(mt, "GET "+testBase+"/plugins/servlet/applinks/whoami"); n != 0 {
		t.Errorf("whoami called %d times although X-AUSERNAME named the user", n)
	}
}

func TestCheckConnectionUserFromWhoami(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", testAPI+"/application-properties",
		withHeader(jsonResponder(t, 200, appProps("8.19.1")), "X-AUSERNAME", "anonymous"))
	mt.RegisterResponder("GET", testBase+"/plugins/servlet/applinks/whoami", httpmock.NewStringResponder(200, "ada\n"))
	mt.RegisterResponder("GET", testAPI+"/users/ada", jsonResponder(t, 200, detailedUser(7, "ada", "Ada", "ada@example.com")))

	info, err := c.CheckConnection(t.Context())
	if err != nil {
		t.Fatalf("CheckConnection: %v", err)
	}
	if info.Version != "8.19.1" || info.User.Username != "ada" || info.User.ID != "7" {
		t.Errorf("info = %+v", *info)
	}
}

func TestCurrentUserSlugDiffersFromName(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", testAPI+"/application-properties",
		withHeader(jsonResponder(t, 200, appProps("9.4.2")), "X-AUSERNAME", "Ada@Corp"))
	mt.RegisterResponder("GET", testAPI+"/users/Ada@Corp", jsonResponder(t, 404, restErrors("User Ada@Corp does not exist.", "com.atlassian.bitbucket.user.NoSuchUserException")))
	other := detailedUser(8, "ada_corp2", "Other", "other@example.com")
	other["name"] = "Ada@Corp2"
	me := detailedUser(9, "ada_corp", "Ada", "ada@corp.example")
	me["name"] = "Ada@Corp"
	mt.RegisterResponderWithQuery("GET", testAPI+"/users", "filter=Ada@Corp&start=0&limit=100", jsonResponder(t, 200, page(0, 100, -1, other, me)))

	u, err := c.CurrentUser(t.Context())
	if err != nil {
		t.Fatalf("CurrentUser: %v", err)
	}
	if u.ID != "9" || u.Username != "ada_corp" {
		t.Errorf("CurrentUser = %+v, want id 9 slug ada_corp", *u)
	}
}

func TestCheckConnectionBadToken(t *testing.T) {
	t.Run("401 on application-properties", func(t *testing.T) {
		c, mt := newTestClient(t)
		mt.RegisterResponder("GET", testAPI+"/application-properties",
			jsonResponder(t, 401, restErrors("Authentication failed. Please check your credentials and try again.", excAuthentication)))
		_, err := c.CheckConnection(t.Context())
		assertCheck(t, err, bitbucket.StepVersion, bitbucket.ReasonUnauthorized, bitbucket.ErrUnauthorized)
		var apiErr *bitbucket.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
			t.Errorf("cause is not the 401 *APIError: %v", err)
		}
		if errors.Is(err, bitbucket.ErrForbidden) {
			t.Errorf("bad credentials also match ErrForbidden: %v", err)
		}
	})
	t.Run("anonymous on whoami", func(t *testing.T) {
		c, mt := newTestClient(t)
		registerVersion(t, mt, "9.4.2")
		mt.RegisterResponder("GET", testBase+"/plugins/servlet/applinks/whoami", httpmock.NewStringResponder(200, ""))
		_, err := c.CheckConnection(t.Context())
		assertCheck(t, err, bitbucket.StepUser, bitbucket.ReasonUnauthorized, bitbucket.ErrUnauthorized)
		if _, err := c.CurrentUser(t.Context()); !errors.Is(err, bitbucket.ErrUnauthorized) {
			t.Errorf("CurrentUser: err = %v, want ErrUnauthorized", err)
		}
	})
	t.Run("401 on whoami", func(t *testing.T) {
		c, mt := newTestClient(t)
		registerVersion(t, mt, "9.4.2")
		mt.RegisterResponder("GET", testBase+"/plugins/servlet/applinks/whoami",
			withHeader(httpmock.NewStringResponder(401, ""), "X-AUSERNAME", "anonymous"))
		_, err := c.CheckConnection(t.Context())
		assertCheck(t, err, bitbucket.StepUser, bitbucket.ReasonUnauthorized, bitbucket.ErrUnauthorized)
	})
}

func TestCheckConnectionNotBitbucket(t *testing.T) {
	for _, c := range []struct {
		name      string
		responder httpmock.Responder
		also      error
	}{
		{"HTML page", httpmock.NewStringResponder(200, "<!DOCTYPE html><html><body>Welcome to nginx</body></html>"), nil},
		{"404", httpmock.NewStringResponder(404, "<html>Not Found</html>"), bitbucket.ErrNotFound},
		{"JSON without version", httpmock.NewStringResponder(200, `{"name":"something else"}`), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t)
			mt.RegisterResponder("GET", testAPI+"/application-properties", c.responder)
			_, err := cl.CheckConnection(t.Context())
			assertCheck(t, err, bitbucket.StepVersion, bitbucket.ReasonNotBitbucket, ErrNotBitbucket)
			if c.also != nil && !errors.Is(err, c.also) {
				t.Errorf("err = %v, want it to match %v too", err, c.also)
			}
			if !strings.Contains(err.Error(), "context path") {
				t.Errorf("message does not mention the context path: %v", err)
			}
		})
	}
}

func TestCheckConnectionTransportFailures(t *testing.T) {
	dial := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }
	for _, c := range []struct {
		name   string
		err    error
		reason bitbucket.CheckReason
		hint   string // must appear in the message
		is     error
	}{
		{"dns", &net.DNSError{Err: "no such host", Name: "bb.example.invalid", IsNotFound: true}, bitbucket.ReasonDNS, "does not resolve", nil},
		{"refused", dial(&os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}), bitbucket.ReasonConnectionRefused, "7990", syscall.ECONNREFUSED},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, bitbucket.ReasonTLSUnknownAuthority, "WithRootCAs", nil},
		{"bare unknown authority", x509.UnknownAuthorityError{}, bitbucket.ReasonTLSUnknownAuthority, "WithRootCAs", nil},
		{"host policy", dial(fmt.Errorf("%w: 10.0.0.5 is private", bitbucket.ErrDisallowedHost)), bitbucket.ReasonDisallowedHost, "WithAllowedHosts", bitbucket.ErrDisallowedHost},
		{"other", errors.New("connection reset by peer"), bitbucket.ReasonNetwork, "reached", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t)
			mt.RegisterResponder("GET", testAPI+"/application-properties", func(*http.Request) (*http.Response, error) { return nil, c.err })
			_, err := cl.CheckConnection(t.Context())
			assertCheck(t, err, bitbucket.StepVersion, c.reason, c.is)
			if err != nil && !strings.Contains(err.Error(), c.hint) {
				t.Errorf("message %q lacks %q", err, c.hint)
			}
			var apiErr *bitbucket.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 0 {
				t.Errorf("cause is not an *APIError with no status: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Errorf("message shows the token: %v", err)
			}
		})
	}
}

// A project or repository access token acts as a bot user whose record /users/{slug} may refuse:
// the check passes with what is known (the name the server gave).
func TestCheckConnectionForbiddenUserRecord(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", testAPI+"/application-properties",
		withHeader(jsonResponder(t, 200, appProps("9.4.2")), "X-AUSERNAME", "ada"))
	mt.RegisterResponder("GET", testAPI+"/users/ada", jsonResponder(t, 401, restErrors("You are not permitted to access this resource", excAuthorisation)))
	info, err := c.CheckConnection(t.Context())
	if err != nil {
		t.Fatalf("CheckConnection: %v", err)
	}
	if info.User.Username != "ada" || info.Version != "9.4.2" {
		t.Errorf("info = %+v; want the name from X-AUSERNAME", *info)
	}
}

func assertCheck(t *testing.T, err error, step string, reason bitbucket.CheckReason, is error) {
	t.Helper()
	var ce *bitbucket.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v (%T), want a *bitbucket.CheckError", err, err)
	}
	if ce.Step != step || ce.Reason != reason {
		t.Errorf("bitbucket.CheckError step %q reason %q, want %q %q (%v)", ce.Step, ce.Reason, step, reason, err)
	}
	if ce.Hint == "" || !strings.Contains(err.Error(), ce.Hint) {
		t.Errorf("message %q lacks the hint", err)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("err = %v, want it to match %v", err, is)
	}
}

func TestCheckConnectionOtherReasons(t *testing.T) {
	for _, c := range []struct {
		name      string
		responder httpmock.Responder
		reason    bitbucket.CheckReason
		is        error
	}{
		{"rate limited", httpmock.NewStringResponder(429, "slow down"), bitbucket.ReasonRateLimited, bitbucket.ErrRateLimited},
		{"server error", httpmock.NewStringResponder(503, "maintenance"), bitbucket.ReasonServerError, nil},
		{"wrong host name", httpmock.NewErrorResponder(&tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "bb"}}), bitbucket.ReasonTLS, nil},
		{"cross-origin redirect", httpmock.NewErrorResponder(fmt.Errorf("%w: to https://sso.example.invalid", bitbucket.ErrCrossOriginRedirect)), bitbucket.ReasonRedirect, bitbucket.ErrCrossOriginRedirect},
		{"timeout", httpmock.NewErrorResponder(&net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}), bitbucket.ReasonTimeout, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t)
			mt.RegisterResponder("GET", testAPI+"/application-properties", c.responder)
			_, err := cl.CheckConnection(t.Context())
			assertCheck(t, err, bitbucket.StepVersion, c.reason, c.is)
		})
	}
}
