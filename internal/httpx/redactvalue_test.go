package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// echoTexts are the places of an answer a server fills with whatever it likes; %s is replaced by
// the echoed value.
var echoTexts = []struct {
	name, ctype, body, requestID string
}{
	{"DC message", "application/json", `{"errors":[{"message":"token %s is not valid","exceptionName":"x"}]}`, ""},
	{"DC exceptionName", "application/json", `{"errors":[{"message":"m","exceptionName":"%s"}]}`, ""},
	{"Cloud detail", "application/json", `{"type":"error","error":{"message":"m","detail":"you sent %s","data":{"x":"%s"}}}`, ""},
	{"Cloud key", "application/json", `{"type":"error","error":{"message":"m","data":{"key":"%s"}}}`, ""},
	{"HTML title", "text/html", `<html><title>Denied %s</title></html>`, ""},
	{"plain text", "text/plain", `secret=x; you sent %s`, ""},
	{"request id", "application/json", `{"errors":[{"message":"m"}]}`, "%s"},
	{"OAuth error", "application/json", `{"error":"%s","error_description":"%s"}`, ""},
}

// leaks reports which of the printed forms of err, and the log, show one of values.
func leaks(err error, log string, values []string) []string {
	var out []string
	ae, _ := err.(*bitbucket.APIError)
	j, _ := json.Marshal(ae)
	printed := map[string]string{"Error": err.Error(), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", ae),
		"json": string(j), "log": log}
	for where, text := range printed {
		for _, v := range values {
			if strings.Contains(text, v) {
				out = append(out, where+" shows "+v)
			}
		}
	}
	return out
}

func echoResponder(ctype, body, requestID, echoed string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(400, strings.ReplaceAll(body, "%s", echoed))
		resp.Header.Set("Content-Type", ctype)
		if requestID != "" {
			resp.Header.Set("X-Request-Id", strings.ReplaceAll(requestID, "%s", echoed))
		}
		return resp, nil
	}
}

// TestSecretValuesAreScrubbedFromServerText: a server that echoes a secret the client holds, in
// any place of its answer and in any usual encoding, never gets it into the error, its JSON, %+v
// or a log record (issue 11 item 4).
func TestSecretValuesAreScrubbedFromServerText(t *testing.T) {
	pair := base64.StdEncoding.EncodeToString([]byte("jane:pa$$!w"))
	valid := &oauth2.Token{AccessToken: "stored-access", RefreshToken: "refresh-R1", Expiry: time.Now().Add(time.Hour)}
	stored := auth.StoredTokenSource(t.Context(), &oauth2.Config{ClientSecret: "client-S3cret",
		Endpoint: oauth2.Endpoint{TokenURL: "https://bitbucket.invalid/token"}}, auth.NewMemoryTokenStore(valid))
	cases := []struct {
		name   string
		creds  auth.Credentials
		body   any
		values []string // what is echoed, one at a time
	}{
		{"short bearer with ! and $", auth.Bearer("a!$b"), nil, []string{"a!$b", url.QueryEscape("a!$b")}},
		{"bearer", auth.Bearer("tok12345"), nil, []string{"tok12345", base64.StdEncoding.EncodeToString([]byte("tok12345"))}},
		{"basic password", auth.Basic("jane", "pa$$!w"), nil, []string{"pa$$!w", pair, url.QueryEscape("pa$$!w")}},
		{"oauth", auth.OAuth2(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "acc-123", RefreshToken: "ref-456", Expiry: time.Now().Add(time.Hour)})), nil, []string{"acc-123", "ref-456"}},
		{"stored source", auth.OAuth2(stored), nil, []string{"client-S3cret", "refresh-R1", "stored-access"}},
		{"webhook secret in the body", auth.None(), map[string]any{"url": "https://ci.example.com/h", "configuration": map[string]string{"secret": "hook-s3cr3t"}}, []string{"hook-s3cr3t"}},
		{"cloud webhook secret", auth.None(), map[string]any{"secret": "wh!sec", "events": []string{"repo:push"}}, []string{"wh!sec", url.QueryEscape("wh!sec")}},
	}
	for _, tc := range cases {
		for _, v := range tc.values {
			for _, e := range echoTexts {
				m := newMock(t)
				m.RegisterResponder("GET", mockBase+"/x", echoResponder(e.ctype, e.body, e.requestID, v))
				m.RegisterResponder("POST", mockBase+"/x", echoResponder(e.ctype, e.body, e.requestID, v))
				var buf bytes.Buffer
				c := newClient(t, mockBase, tc.creds, withTransport(m), withLogger(&buf), withRetry(0, 0))
				method := "GET"
				if tc.body != nil {
					method = "POST"
				}
				_, err := c.Do(t.Context(), Request{Method: method, Path: "/x", Body: tc.body}, nil)
				if err == nil {
					t.Fatalf("%s / %s: no error", tc.name, e.name)
				}
				for _, l := range leaks(err, buf.String(), []string{v}) {
					t.Errorf("%s, echoed in %s: %s", tc.name, e.name, l)
				}
			}
		}
	}
}

// TestUnparsableLocationIsNotQuoted: net/http quotes a Location it cannot parse in its error; the
// server wrote it, so the error says only that it was unparsable.
func TestUnparsableLocationIsNotQuoted(t *testing.T) {
	m := newMock(t)
	m.RegisterResponder("GET", mockBase+"/x", func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(302, "")
		resp.Header.Set("Location", "https://[bad host "+secret+"/\x7f")
		return resp, nil
	})
	c := newClient(t, mockBase, auth.Bearer(secret), withTransport(m), withRetry(0, 0))
	_, err := c.Do(t.Context(), Request{Path: "/x"}, nil)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "bad host") || containsSecret(fmt.Sprintf("%+v", err)) {
		t.Errorf("the Location is quoted: %v", err)
	}
	if !strings.Contains(err.Error(), "unparsable Location") {
		t.Errorf("error does not say what happened: %v", err)
	}
}
