package contract

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recorder collects what Check reports, to test the validator itself.
type recorder struct{ errs []string }

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.errs = append(r.errs, format) }

// stub serves canned answers by "METHOD path" under the Data Center context path /ctx.
func stub(t *testing.T, answers map[string]struct {
	status int
	ctype  string
	body   string
}) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.Method+" "+r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		if a.ctype != "" {
			w.Header().Set("Content-Type", a.ctype)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

const jsonCT = "application/json;charset=UTF-8"

// TestValidatorFlagsDataCenterViolations feeds the transport requests and responses that break the
// Data Center document in known ways, and requires each to be reported with its operation.
func TestValidatorFlagsDataCenterViolations(t *testing.T) {
	repo := "/ctx/rest/api/1.0/projects/PRJ/repos/app"
	srv := stub(t, map[string]struct {
		status int
		ctype  string
		body   string
	}{
		// state is not in the enum; id is a string.
		"GET " + repo: {200, jsonCT, `{"slug":"app","id":"7","state":"BROKEN","project":{"key":"PRJ"}}`},
		// the patched webhook id must be an integer.
		"GET " + repo + "/webhooks/1": {200, jsonCT, `{"id":"one","name":"x","url":"https://x"}`},
		// the patched list-webhooks schema is the paged envelope.
		"GET " + repo + "/webhooks": {200, jsonCT, `{"values":{"not":"a list"}}`},
		// 201 is not documented for create (the document says 200).
		"POST " + repo + "/webhooks": {201, jsonCT, `{"id":1,"name":"x","url":"https://x"}`},
		// an error status the operation does not list must still be the RestErrors envelope.
		"GET /ctx/rest/api/1.0/application-properties": {503, jsonCT, `{"message":"down"}`},
		"GET /ctx/rest/api/1.0/repos":                  {200, jsonCT, `{"values":[],"isLastPage":true}`},
		"GET /ctx/rest/api/1.0/no/such/thing":          {404, jsonCT, `{"errors":[]}`},
	})
	rt, err := NewDataCenter(srv.URL + "/ctx")
	if err != nil {
		t.Fatal(err)
	}
	calls := []call{
		{"GET", "/rest/api/1.0/projects/PRJ/repos/app", "", "", 200},
		{"GET", "/rest/api/1.0/projects/PRJ/repos/app/webhooks/1", "", "", 200},
		{"GET", "/rest/api/1.0/projects/PRJ/repos/app/webhooks", "", "", 200},
		{"POST", "/rest/api/1.0/projects/PRJ/repos/app/webhooks", "", `{"name":7,"id":3,"url":"https://x"}`, 201},
		{"GET", "/rest/api/1.0/application-properties", "", "", 503},
		{"GET", "/rest/api/1.0/repos?permission=REPO_OWNER&pagelen=5", "", "", 200},
		{"GET", "/rest/api/1.0/no/such/thing", "", "", 404},
	}
	for _, c := range calls {
		send(t, rt, srv.URL+"/ctx", c)
	}
	want := []string{
		"GET /ctx/rest/api/1.0/projects/PRJ/repos/app (GET /api/latest/projects/{projectKey}/repos/{repositorySlug}): response 200: response body doesn't match schema #/components/schemas/RestRepository: /id: value must be an integer",
		"/state: value is not one of the allowed values",
		"webhooks/1 (GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks/{webhookId}): response 200: response body doesn't match schema #/components/schemas/RestWebhook: /id: value must be an integer",
		"/values: value must be an array",
		"request body: doesn't match schema #/components/schemas/RestWebhook: /name: value must be a string",
		"request body: doesn't match schema #/components/schemas/RestWebhook: /id: readOnly property",
		"response 201: status 201 is not documented for the operation",
		"response 503: /errors: property \"errors\" is missing",
		`query parameter permission: value is not one of the allowed values`,
		`query parameter "pagelen" is not declared by the operation`,
		"GET /ctx/rest/api/1.0/no/such/thing: request: the document has no such operation",
	}
	var got []string
	for _, f := range rt.Failures() {
		got = append(got, f.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no failure contains %q; failures:\n%s", w, all)
		}
	}
	var rec recorder
	rt.Check(&rec)
	if len(rec.errs) != len(got) {
		t.Errorf("Check reported %d failures, want %d", len(rec.errs), len(got))
	}
}

// TestValidatorFlagsCloudViolations does the same for the Cloud document, including the patched
// webhook request body and the error.detail exception.
func TestValidatorFlagsCloudViolations(t *testing.T) {
	hooks := "/2.0/repositories/ws/app/hooks"
	srv := stub(t, map[string]struct {
		status int
		ctype  string
		body   string
	}{
		// 200 where the document says 201; the body lacks its type.
		"POST " + hooks: {200, jsonCT, `{"uuid":"{1}","url":"https://x","events":["repo:push"]}`},
		// an object detail is the documented exception, so only the missing message is reported.
		"GET " + hooks: {403, jsonCT, `{"type":"error","error":{"detail":{"required":["webhook"]}}}`},
		// a plain-text 429 is excused; a plain-text 500 is not.
		"GET /2.0/user":            {429, "text/plain", "Rate limit for this resource has been exceeded"},
		"GET /2.0/user/emails":     {500, "text/plain", "oops"},
		"GET /2.0/repositories/ws": {200, jsonCT, `{"values":[{"type":"repository","links":{"html":{"href":"not a uri"}}}],"pagelen":10,"extra":1}`},
	})
	rt, err := NewCloud(srv.URL + "/2.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []call{
		{"POST", "/repositories/ws/app/hooks", "", `{"url":"https://x","events":["repo:push"],"skip_cert_verification":true}`, 200},
		{"PUT", "/repositories/ws/app/hooks/{1}", "", `{"events":["repo:pushed"]}`, 418},
		{"GET", "/repositories/ws/app/hooks", "", "", 403},
		{"GET", "/user", "", "", 429},
		{"GET", "/user/emails", "", "", 500},
		{"GET", "/repositories/ws?limit=5", "", "", 200},
	} {
		send(t, rt, srv.URL+"/2.0", c)
	}
	want := []string{
		`POST /2.0/repositories/ws/app/hooks (POST /repositories/{workspace}/{repo_slug}/hooks): request: request body: doesn't match schema: property "skip_cert_verification" is unsupported`,
		"response 200: status 200 is not documented for the operation",
		`PUT /2.0/repositories/ws/app/hooks/{1} (PUT /repositories/{workspace}/{repo_slug}/hooks/{uid}): request: request body: doesn't match schema: /events/0: value is not one of the allowed values`,
		`response 403: response body doesn't match schema #/components/schemas/error: /error/message: property "message" is missing`,
		`GET /2.0/user/emails (GET /user/emails): response 500: response header Content-Type has unexpected value: "text/plain"`,
		`response 418: content type "" is not application/json`,
		`query parameter "limit" is not declared by the operation`,
		"/values/0/links/html/href: ",
		`property "extra" is unsupported`,
	}
	var got []string
	for _, f := range rt.Failures() {
		got = append(got, f.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no failure contains %q; failures:\n%s", w, all)
		}
	}
	for _, excused := range []string{"/error/detail", "GET /2.0/user ("} {
		if strings.Contains(all, excused) {
			t.Errorf("a failure mentions %q, which is excused:\n%s", excused, all)
		}
	}
}
