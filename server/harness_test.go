package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

// The fake server every unit test talks to, under a context path.
const (
	testBase  = "https://bb.example.invalid/bitbucket"
	testAPI   = testBase + "/rest/api/1.0"
	testToken = "t0ken-Secret-Value"
)

// newMock returns a mock transport on which any request without a responder fails the test.
func newMock(t *testing.T) *httpmock.MockTransport {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		return nil, fmt.Errorf("no responder for %s %s", r.Method, r.URL)
	})
	return mt
}

// newTestClient returns a client on a fresh mock transport, with retries off.
func newTestClient(t *testing.T, opts ...bitbucket.Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := newMock(t)
	return clientOn(t, mt, opts...), mt
}

func clientOn(t *testing.T, mt *httpmock.MockTransport, opts ...bitbucket.Option) *Client {
	t.Helper()
	opts = append([]bitbucket.Option{bitbucket.WithTransport(mt), bitbucket.WithRetry(0, time.Second)}, opts...)
	c, err := New(testBase, auth.Bearer(testToken), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// jsonResponder answers status with v encoded as JSON, and fails the test if the request does
// not carry the test token.
func jsonResponder(t *testing.T, status int, v any) httpmock.Responder {
	t.Helper()
	return func(r *http.Request) (*http.Response, error) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("%s %s: Authorization %q, want the bearer token", r.Method, r.URL.Path, got)
		}
		resp, err := httpmock.NewJsonResponse(status, v)
		return resp, err
	}
}

// withHeader adds a response header to what next answers.
func withHeader(next httpmock.Responder, key, value string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		resp, err := next(r)
		if resp != nil {
			resp.Header.Set(key, value)
		}
		return resp, err
	}
}

// readJSON decodes a request body.
func readJSON(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("request body %q is not JSON: %v", b, err)
	}
	return m
}

// Fixtures, written from the RestApplicationProperties, RestDetailedUser, RestProject,
// RestRepository, RestWebhook and RestErrors schemas of the Data Center 9.4 OpenAPI document.

func appProps(version string) map[string]any {
	return map[string]any{"version": version, "buildNumber": "9004002", "buildDate": "1718000000000", "displayName": "Bitbucket"}
}

func detailedUser(id int, slug, display, email string) map[string]any {
	return map[string]any{"id": id, "name": slug, "slug": slug, "displayName": display, "emailAddress": email,
		"active": true, "type": "NORMAL", "directoryName": "Bitbucket Internal Directory", "deletable": true,
		"lastAuthenticationTimestamp": 1718000000000, "mutableDetails": true, "mutableGroups": true}
}

func project(id int, key, name, typ string) map[string]any {
	return map[string]any{"id": id, "key": key, "name": name, "public": false, "type": typ,
		"links": map[string]any{"self": []any{map[string]any{"href": testBase + "/projects/" + key}}}}
}

func repository(id int, key, slug, name string) map[string]any {
	lower := strings.ToLower(key)
	return map[string]any{
		"id": id, "slug": slug, "name": name, "description": "about " + name, "hierarchyId": "e3c939f9ef4a7fae272e",
		"scmId": "git", "state": "AVAILABLE", "statusMessage": "Available", "forkable": true, "public": false, "archived": false,
		"project": project(id+1000, key, key+" project", "NORMAL"),
		"links": map[string]any{
			"clone": []any{
				map[string]any{"href": "ssh://git@bb.example.invalid:7999/" + lower + "/" + slug + ".git", "name": "ssh"},
				map[string]any{"href": testBase + "/scm/" + lower + "/" + slug + ".git", "name": "http"},
			},
			"self": []any{map[string]any{"href": testBase + "/projects/" + key + "/repos/" + slug + "/browse"}},
		},
	}
}

// page is the Data Center paged envelope. next < 0 marks the last page.
func page(start, limit, next int, values ...any) map[string]any {
	if values == nil {
		values = []any{}
	}
	p := map[string]any{"size": len(values), "limit": limit, "start": start, "isLastPage": next < 0, "values": values}
	if next >= 0 {
		p["nextPageStart"] = next
	}
	return p
}

func restErrors(message, exception string) map[string]any {
	return map[string]any{"errors": []any{map[string]any{"context": nil, "message": message, "exceptionName": exception}}}
}

const (
	excAuthentication = "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"
	excAuthorisation  = "com.atlassian.bitbucket.AuthorisationException"
	excNoSuchRepo     = "com.atlassian.bitbucket.repository.NoSuchRepositoryException"
)

// registerVersion serves application-properties with version.
func registerVersion(t *testing.T, mt *httpmock.MockTransport, version string) {
	mt.RegisterResponder("GET", testAPI+"/application-properties", jsonResponder(t, 200, appProps(version)))
}

func calls(mt *httpmock.MockTransport, key string) int { return mt.GetCallCountInfo()[key] }

func jsonResponse(status int, v any) (*http.Response, error) {
	return httpmock.NewJsonResponse(status, v)
}
