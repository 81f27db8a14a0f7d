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
