package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bbconnect/bbconnect/internal/netnstest"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/clientopt"
	"github.com/jarcoal/httpmock"
)

func withLogger(buf *bytes.Buffer) option {
	l := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return func(c *clientopt.Config) { c.Logger = l }
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	if netnstest.Isolated(t) {
		return
	}
	secretQuery := struct {
		AccessToken string `url:"access_token"`
		State       string `url:"State"`
		Page        int    `url:"page"`
	}{secret, secret, 2}
	mockCase := func(status int, ctype, body string) func(t *testing.T, buf *bytes.Buffer) error {
		return func(t *testing.T, buf *bytes.Buffer) error {
			m := newMock(t)
			m.RegisterResponder("GET", `=~^`+mockBase+`/x`, func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(status, body)
				resp.Header.Set("Content-Type", ctype)
				return resp, nil
			})
			c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withLogger(buf), withRetry(1, time.Second))
			_, err := c.Do(t.Context(), Request{Path: "/x", Query: secretQuery}, &struct{}{})
			return err
		}
	}
	tests := []struct {
		name     string
		synctest bool
		run      func(t *testing.T, buf *bytes.Buffer) error
	}{
		{"401", true, mockCase(401, "application/json", `{"errors":[{"message":"Authentication failed"}]}`)},
		{"401 echoing the header", true, mockCase(401, "text/plain", "bad header: Authorization: Bearer "+secret)},
		{"500 HTML", true, mockCase(500, "text/html", "<html><title>Error</title><body>Bearer "+secret+"</body></html>")},
		{"decode error", true, mockCase(200, "application/json", `{"x": `)},
		{"timeout", true, func(t *testing.T, buf *bytes.Buffer) error {
			m := newMock(t)
			m.RegisterResponder("GET", `=~^`+mockBase+`/x`, func(r *http.Request) (*http.Response, error) {
				<-r.Context().Done()
				return nil, r.Context().Err()
			})
			c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withLogger(buf), withRetry(1, time.Second),
				func(c *clientopt.Config) { c.HTTPClient = &http.Client{Timeout: time.Second} })
			_, err := c.Do(t.Context(), Request{Path: "/x", Query: secretQuery}, nil)
			return err
		}},
		{"host refused", false, func(t *testing.T, buf *bytes.Buffer) error {
			c := newClient(t, "https://10.0.0.1/rest", auth.Bearer(secret), withLogger(buf))
			_, err := c.Do(t.Context(), Request{Path: "/x", Query: secretQuery}, nil)
			return err
		}},
		{"redirect refused", false, func(t *testing.T, buf *bytes.Buffer) error {
			other, _ := countingServer(t)
			srv, _ := redirector(t, func(*http.Request) string { return other.URL + "/?token=" + secret + "&code=" + secret })
			c := newClient(t, srv.URL, auth.Basic("user", secret), withRootCAsOf(srv), withAllowed(loopback), withLogger(buf))
			_, err := c.Do(t.Context(), Request{Path: "/x", Query: secretQuery}, nil)
			return err
		}},
		{"token source failure", false, func(t *testing.T, buf *bytes.Buffer) error {
			c := newClient(t, mockBase, auth.OAuth2(&countingSource{fail: true}), withTransport(newMock(t)), withLogger(buf))
			_, err := c.Do(t.Context(), Request{Path: "/x", Query: secretQuery}, nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			var err error
			if tt.synctest {
				synctest.Test(t, func(t *testing.T) { err = tt.run(t, &buf) })
			} else {
				err = tt.run(t, &buf)
			}
			if err == nil {
				t.Fatal("no error")
			}
			asAPIError(t, err)
			if containsSecret(err.Error()) {
				t.Errorf("error shows the secret: %v", err)
			}
			if buf.Len() == 0 {
				t.Error("nothing logged")
			}
			if containsSecret(buf.String()) {
				t.Errorf("log shows the secret: %s", buf.String())
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := url.Parse("https://user:" + secret + "@bitbucket.example.com/rest?Access_Token=" + secret +
		"&client_secret=" + secret + "&refresh_token=" + secret + "&PASSWORD=" + secret + "&secret=" + secret +
		"&limit=5&token=" + secret + "#frag")
	got := RedactURL(u)
	if containsSecret(got) || strings.Contains(got, "user") || strings.Contains(got, "frag") {
		t.Errorf("RedactURL = %s", got)
	}
	if !strings.Contains(got, "limit=5") || !strings.Contains(got, "Access_Token=REDACTED") {
		t.Errorf("RedactURL = %s: lost a harmless value or a key", got)
	}
	if RedactURL(nil) != "" {
		t.Error("RedactURL(nil) not empty")
	}
}

func TestScrubText(t *testing.T) {
	in := `Get "https://u:` + secret + `@h/x?code=` + secret + `&a=1": Authorization: Bearer ` + secret
	if got := scrubText(in); containsSecret(got) || !strings.Contains(got, "a=1") {
		t.Errorf("scrubText = %s", got)
	}
}

func TestLinkWithUserinfoRefused(t *testing.T) {
	c := newClient(t, mockBase, auth.None(), withTransport(newMock(t)))
	_, err := c.Do(t.Context(), Request{URL: "https://user:" + secret + "@bitbucket.invalid/rest/x"}, nil)
	if !errors.Is(err, bitbucket.ErrInvalidInput) || containsSecret(err.Error()) {
		t.Errorf("err = %v", err)
	}
	_, err = c.Do(t.Context(), Request{URL: "https://elsewhere.invalid/rest/x?access_token=" + secret}, nil)
	if !errors.Is(err, bitbucket.ErrInvalidInput) || containsSecret(err.Error()) {
		t.Errorf("err = %v", err)
	}
	u, _ := url.Parse("https://user:" + secret + "@bitbucket.invalid/rest")
	if _, err := New(bitbucket.Server, u, auth.None(), clientopt.Default()); !errors.Is(err, bitbucket.ErrInvalidInput) || containsSecret(err.Error()) {
		t.Errorf("New with userinfo: %v", err)
	}
}

func TestOneLogRecordPerAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		var calls atomic.Int32
		m.RegisterResponder("GET", `=~^`+mockBase+`/x`, sequence(&calls, 503, 200))
		var buf bytes.Buffer
		c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withLogger(&buf))
		if _, err := c.Do(t.Context(), Request{Path: "/x", Query: struct {
			Token string `url:"token"`
		}{secret},
			Header: http.Header{"X-Custom": {"header-value-1"}}}, nil); err != nil {
			t.Fatal(err)
		}
		var recs []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var r map[string]any
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			recs = append(recs, r)
		}
		if len(recs) != 2 {
			t.Fatalf("%d records, want 2: %s", len(recs), buf.String())
		}
		for i, r := range recs {
			wantStatus := []float64{503, 200}[i]
			if r["level"] != "DEBUG" || r["method"] != "GET" || r["host"] != "bitbucket.invalid" || r["path"] != "/rest/x" ||
				r["status"] != wantStatus || r["attempt"] != float64(i+1) || r["duration"] == nil {
				t.Errorf("record %d = %v", i, r)
			}
		}
		for _, leak := range []string{secret, "header-value-1", "bbconnect-go/", "Bearer"} {
			if strings.Contains(buf.String(), leak) {
				t.Errorf("log shows %q: %s", leak, buf.String())
			}
		}
	})
}

func TestNoLoggerLogsNothing(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	c := newClient(t, srv.URL, auth.Bearer(secret), withAllowed(loopback), withRetry(1, 0))
	if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err == nil {
		t.Fatal("no error")
	}
	if buf.Len() != 0 {
		t.Errorf("logged without a logger: %s", buf.String())
	}
}

func TestUserAgent(t *testing.T) {
	for _, tt := range []struct{ set, want string }{{"", "bbconnect-go/" + Version}, {"myapp/2", "myapp/2"}} {
		m := newMock(t)
		var got string
		m.RegisterResponder("GET", mockBase+"/x", func(r *http.Request) (*http.Response, error) {
			got = r.Header.Get("User-Agent")
			return httpmock.NewStringResponse(204, ""), nil
		})
		c := newClient(t, mockBase, auth.None(), withTransport(m), func(c *clientopt.Config) { c.UserAgent = tt.set })
		if _, err := c.Do(t.Context(), Request{Path: "/x"}, nil); err != nil || got != tt.want {
			t.Errorf("User-Agent %q (err %v), want %q", got, err, tt.want)
		}
	}
}
