package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Failure is one way a request or a response disagreed with the document.
type Failure struct {
	Method    string // the request's method
	Path      string // the request's path, as sent, without the query
	Operation string // the document's operation ("GET /api/latest/repos"); "" when none matched
	Status    int    // the response's status; 0 when the request itself failed validation
	Message   string
}

// String formats f for a test failure.
func (f Failure) String() string {
	where := "request"
	if f.Status != 0 {
		where = fmt.Sprintf("response %d", f.Status)
	}
	op := ""
	if f.Operation != "" {
		op = " (" + f.Operation + ")"
	}
	return fmt.Sprintf("%s %s%s: %s: %s", f.Method, f.Path, op, where, f.Message)
}

// Transport is an http.RoundTripper that validates every request it sends and every response it
// receives against one OpenAPI document, and records what disagrees. It never changes a request or
// a response and never fails a round trip because of a disagreement: tests read Failures (or call
// Check) at the end.
type Transport struct {
	spec     Spec
	base     http.RoundTripper
	router   routers.Router
	siteRoot string // the path under which the undocumented allow-list's paths live

	mu           sync.Mutex
	allowRetired bool
	failures     []Failure
	operations   map[string]int // "GET /api/latest/repos" → validated round trips
	undocumented map[string]int // allow-listed endpoints that were called
}

// NewDataCenter returns a Transport for a Data Center instance whose base URL (context path
// included, as given to server.New) is baseURL. The document's server http://{baseurl}/rest becomes
// baseURL + "/rest".
func NewDataCenter(baseURL string) (*Transport, error) {
	return New(DataCenter, strings.TrimSuffix(baseURL, "/")+"/rest")
}

// NewCloud returns a Transport for a Cloud API root apiURL (https://api.bitbucket.org/2.0, or a
// fake's URL, which also ends in /2.0). The document's server becomes apiURL.
func NewCloud(apiURL string) (*Transport, error) {
	return New(Cloud, strings.TrimSuffix(apiURL, "/"))
}

// New returns a Transport validating against document s, whose servers are replaced by serverURL,
// over a clone of http.DefaultTransport.
func New(s Spec, serverURL string) (*Transport, error) {
	doc, err := Load(s)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(serverURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("contract: server URL %q is not absolute", serverURL)
	}
	// A shallow copy shares the (read-only) paths and components with every other Transport.
	local := *doc
	local.Servers = openapi3.Servers{{URL: serverURL}}
	router, err := gorillamux.NewRouter(&local)
	if err != nil {
		return nil, fmt.Errorf("contract: router for %s: %w", s, err)
	}
	site := u.Path
	if i := strings.LastIndex(site, "/"); i >= 0 {
		site = site[:i] // ".../bitbucket/rest" → ".../bitbucket"; "/2.0" → ""
	}
	return &Transport{
		spec:         s,
		base:         http.DefaultTransport.(*http.Transport).Clone(),
		router:       router,
		siteRoot:     site,
		operations:   map[string]int{},
		undocumented: map[string]int{},
	}, nil
}

// Failures returns every disagreement recorded so far, in the order they happened.
func (t *Transport) Failures() []Failure {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.failures)
}

// Operations returns the document operations validated so far ("GET /api/latest/repos"), sorted.
func (t *Transport) Operations() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.operations))
	for k := range t.operations {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Undocumented returns the allow-listed undocumented endpoints called so far ("GET /plugins/…").
func (t *Transport) Undocumented() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.undocumented))
	for k := range t.undocumented {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// AllowRetired stops recording calls to deprecated or removed operations as failures, for tests
// that probe how a fake answers them. Their responses are still validated.
func (t *Transport) AllowRetired() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.allowRetired = true
}

// TB is the part of testing.TB that Check uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Check reports every recorded failure on tb.
func (t *Transport) Check(tb TB) {
	tb.Helper()
	for _, f := range t.Failures() {
		tb.Errorf("contract: %s", f)
	}
}

func (t *Transport) fail(f Failure) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures = append(t.failures, f)
}

// RoundTrip validates req, sends it, then validates the response.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}

	route, params, ok := t.route(req, body)
	var reqInput *openapi3filter.RequestValidationInput
	if ok {
		reqInput = t.validateRequest(req, body, route, params)
	}

	resp, err := t.base.RoundTrip(req)
	if err != nil || !ok {
		return resp, err
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		// The caller sees the same truncated body and its own read error; nothing to validate.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{err}))
		return resp, nil
	}
	t.validateResponse(req, route, reqInput, resp, data)
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// route finds req's operation. ok is false when there is nothing to validate: an allow-listed
// undocumented endpoint (counted), or no operation at all (recorded as a failure).
func (t *Transport) route(req *http.Request, body []byte) (*routers.Route, map[string]string, bool) {
	probe := req.Clone(context.Background())
	probe.URL = routeURL(t.spec, req.URL)
	probe.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := t.router.FindRoute(probe)
	if err == nil {
		return route, params, true
	}
	rel := strings.TrimPrefix(req.URL.Path, t.siteRoot)
	if reason := undocumentedEndpoint(t.spec, req.Method, rel); reason != "" {
		t.mu.Lock()
		t.undocumented[req.Method+" "+rel]++
		t.mu.Unlock()
		return nil, nil, false
	}
	t.fail(Failure{Method: req.Method, Path: req.URL.Path, Message: "the document has no such operation: " + err.Error()})
	return nil, nil, false
}

func (t *Transport) options() *openapi3filter.Options {
	o := &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults:   true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.EnableFormatValidation(),
			openapi3.DisableSchemaErrorDetails(),
			openapi3.WithStringFormatValidator("uri", openapi3.NewCallbackValidator(validURI)),
		},
	}
	return o
}

// validURI accepts an absolute URI, as JSON Schema's "uri" format requires.
func validURI(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme == "" {
		return errors.New("not an absolute URI")
	}
	return nil
}

func opKey(route *routers.Route) string { return route.Method + " " + route.Path }

func (t *Transport) validateRequest(req *http.Request, body []byte, route *routers.Route,
	params map[string]string) *openapi3filter.RequestValidationInput {
	probe := req.Clone(context.Background())
	probe.URL = routeURL(t.spec, req.URL)
	probe.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route, Options: t.options()}
	op := opKey(route)
	t.mu.Lock()
	t.operations[op]++
	t.mu.Unlock()
	t.mu.Lock()
	allowRetired := t.allowRetired
	t.mu.Unlock()
	if !allowRetired && retired(t.spec, op, route.Operation.Deprecated) {
		t.fail(Failure{Method: req.Method, Path: req.URL.Path, Operation: op, Message: "the operation is deprecated or removed"})
	}
	for name := range req.URL.Query() {
		if !declaredQuery(route, name) && !undeclaredQueryAllowed(t.spec, op, name) {
			t.fail(Failure{Method: req.Method, Path: req.URL.Path, Operation: op,
				Message: fmt.Sprintf("query parameter %q is not declared by the operation", name)})
		}
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		for _, msg := range t.messages(op, req.URL.Query(), err) {
			t.fail(Failure{Method: req.Method, Path: req.URL.Path, Operation: op, Message: msg})
		}
	}
	// The request body was read by validation; give the response validation a fresh one.
	probe.Body = io.NopCloser(bytes.NewReader(body))
	return in
}

func declaredQuery(route *routers.Route, name string) bool {
	for _, ps := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		if ps.GetByInAndName(openapi3.ParameterInQuery, name) != nil {
			return true
		}
	}
	return false
}

func (t *Transport) validateResponse(req *http.Request, route *routers.Route, in *openapi3filter.RequestValidationInput,
	resp *http.Response, data []byte) {
	op := opKey(route)
	fail := func(msg string) {
		t.fail(Failure{Method: req.Method, Path: req.URL.Path, Operation: op, Status: resp.StatusCode, Message: msg})
	}
	responses := route.Operation.Responses
	if responses.Status(resp.StatusCode) == nil && responses.Default() == nil {
		schema, reason := undocumentedErrorSchema(t.spec, route.Spec, resp.StatusCode, resp.Header.Get("Content-Type"))
		switch {
		case reason == "":
			fail(fmt.Sprintf("status %d is not documented for the operation", resp.StatusCode))
		case schema != nil:
			for _, msg := range t.messages(op, req.URL.Query(), validateJSON(schema, resp.Header.Get("Content-Type"), data)) {
				fail(msg)
			}
		}
		return
	}
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(data)),
		Options:                in.Options,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		for _, msg := range t.messages(op, req.URL.Query(), err) {
			fail(msg)
		}
	}
}

// validateJSON checks a JSON body against schema, as a response.
func validateJSON(schema *openapi3.Schema, contentType string, data []byte) error {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/json" {
		return fmt.Errorf("content type %q is not application/json", contentType)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.EnableFormatValidation(),
		openapi3.DisableSchemaErrorDetails(), openapi3.WithStringFormatValidator("uri", openapi3.NewCallbackValidator(validURI)))
}

// messages flattens a validation error into one message per problem, leaving out the problems that
// exceptions.go ignores for operation op.
func (t *Transport) messages(op string, query url.Values, err error) []string {
	var out []string
	for _, is := range flatten(err, "") {
		if reason := ignoredProblem(t.spec, op, query, is.field, is.pointer); reason != "" {
			continue
		}
		msg := is.reason
		if is.pointer != "" {
			msg = is.pointer + ": " + msg
		}
		if is.prefix != "" {
			msg = is.prefix + ": " + msg
		}
		out = append(out, msg)
	}
	return out
}

type problem struct {
	prefix  string // "query parameter limit", "request body", "response body"
	pointer string // JSON pointer of the value, "" for the whole
	field   string // the schema keyword that failed ("required", "enum", …), "" when unknown
	reason  string
}

func flatten(err error, prefix string) []problem {
	var out []problem
	switch e := err.(type) {
	case nil:
	case openapi3.MultiError:
		for _, x := range e {
			out = append(out, flatten(x, prefix)...)
		}
	case *openapi3filter.RequestError:
		p := prefix
		switch {
		case e.Parameter != nil:
			p = join(prefix, e.Parameter.In+" parameter "+e.Parameter.Name)
		case e.RequestBody != nil:
			p = join(prefix, "request body")
		}
		if e.Err == nil {
			return []problem{{prefix: p, reason: e.Reason}}
		}
		if e.Reason != "" {
			p = join(p, e.Reason)
		}
		out = flatten(e.Err, p)
	case *openapi3filter.ResponseError:
		if e.Err == nil {
			return []problem{{prefix: prefix, reason: e.Reason}}
		}
		out = flatten(e.Err, join(prefix, e.Reason))
	case *openapi3.SchemaError:
		ptr := ""
		if p := e.JSONPointer(); len(p) > 0 {
			ptr = "/" + strings.Join(p, "/")
		}
		if e.Origin != nil {
			// allOf, anyOf and oneOf keep their branches' errors, whose pointers are relative.
			if sub := flatten(e.Origin, prefix); len(sub) > 0 {
				for i := range sub {
					if !strings.HasPrefix(sub[i].pointer, ptr) { // kin sometimes gives the full path already
						sub[i].pointer = ptr + sub[i].pointer
					}
					if sub[i].field == "" {
						sub[i].field = e.SchemaField
						sub[i].reason = e.Reason + ": " + sub[i].reason
					}
				}
				return sub
			}
		}
		out = []problem{{prefix: prefix, pointer: ptr, field: e.SchemaField, reason: e.Reason}}
	case *openapi3filter.ParseError:
		out = []problem{{prefix: prefix, reason: e.Error()}}
	default:
		// "doesn't match schema due to: …" wraps the branches' MultiError.
		var me openapi3.MultiError
		if errors.As(err, &me) {
			return flatten(me, prefix)
		}
		out = []problem{{prefix: prefix, reason: err.Error()}}
	}
	return out
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}
