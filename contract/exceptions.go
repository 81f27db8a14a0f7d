package contract

// This file holds EVERY known deviation between real Bitbucket (as the fakes in bitbuckettest
// reproduce it, and as the connectors must handle it) and Atlassian's official OpenAPI documents in
// specs/. Nothing else in the package relaxes validation. Each deviation is listed in Exceptions
// with its reason and source, and is implemented here either as an in-memory patch of the document
// (preferred: the patched part is still validated, with the real shape) or as a rule the validator
// consults. A patch whose target is missing from the document fails loading, so a new document
// version cannot silently make an exception stale.
//
// The documents are not run through openapi3.T.Validate: their own examples do not match their
// schemas (DC RestDeployment's example breaks its enum pattern; Cloud GET /hook_events' example
// has properties its schema forbids), and DC DELETE
// /api/latest/projects/{projectKey}/repos/{repositorySlug}/secret-scanning/exempt omits its path
// parameters. None of that touches an operation the tests use; routing and validation work on the
// loaded documents as they are.

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Exception is one known deviation between Bitbucket and its official document.
type Exception struct {
	Spec   Spec
	Where  string // the schema, operation or endpoint concerned
	What   string // how the validator treats it
	Reason string // why: what real Bitbucket does, and the source
}

// Exceptions lists every deviation this file implements, one entry each, for readers and reports.
var Exceptions = []Exception{
	// ---- Data Center 9.4 -------------------------------------------------------------------
	{DataCenter, "paths /rest/api/1.0/...", "routed as /rest/api/latest/...",
		"the document only lists /api/latest; Data Center serves the same resources under the versioned " +
			"/api/1.0 root, which is what clients (and the connector) call (reference §2.4)."},
	{DataCenter, "schema RestWebhook", "adds readOnly id (int32), createdDate and updatedDate (int64, epoch ms)",
		"real responses carry them (drone/go-scm scm/driver/stash/testdata/webhook.json; reference §3); patching types " +
			"them instead of letting them through unchecked, and readOnly keeps them out of request bodies."},
	{DataCenter, "GET .../repos/{repositorySlug}/webhooks 200", "gets a schema: the paged envelope of RestWebhook",
		"the document gives the media type with no schema (reference §3); real servers answer the standard paged " +
			"envelope of webhooks."},
	{DataCenter, "every property named links (RestRepository, RestProject, RestApplicationUser, nested copies)",
		"writeOnly removed",
		"the document marks links writeOnly, yet every real response carries links {self, clone} and clients read " +
			"clone URLs from it (reference §2.4 RestRepository fields)."},
	{DataCenter, "schema RestErrorMessage", "context and exceptionName nullable",
		"real error bodies carry \"context\": null and, for some errors, \"exceptionName\": null (reference §2.5)."},
	{DataCenter, "GET /plugins/servlet/applinks/whoami", "allow-listed undocumented endpoint",
		"not in the REST document; it answers the acting user's name as text/plain and is the fallback when " +
			"X-AUSERNAME is absent (drone/go-scm scm/driver/stash/user.go; reference §2.2)."},
	{DataCenter, "query parameters start and limit on every GET", "accepted where the operation does not declare them",
		"paging is global in Data Center (REST docs' paging section; reference §2.3); the document leaves them off " +
			"some paged operations, e.g. GET users and GET .../webhooks (BSERV-12818)."},
	{DataCenter, "paths /rest/build-status/1.0/...", "routed as /rest/build-status/latest/...",
		"the legacy build-status root that servers before 7.4 take statuses on; the document lists it under " +
			"latest like every other root (reference §5)."},
	{DataCenter, "GET .../raw/{path} with a path of several segments", "routed with the segments as one",
		"{path} is the file's path below the repository root, slashes included (streamRaw); the router matches a " +
			"template parameter to one segment only."},
	{DataCenter, "POST /build-status/latest/commits/{commitId}", "deprecated, yet not a failure",
		"servers before 7.4 take build statuses only there; from 7.4 the connector posts to …/commits/{commitId}/builds."},
	{DataCenter, "GET .../raw/{path} 200", "any media type, body unchecked",
		"the document gives application/json with no schema, but the answer is the file itself, with the file's own " +
			"content type (text/plain, application/octet-stream, …)."},
	{DataCenter, "GET .../branches/default", "deprecated, yet not a failure",
		"servers before 7.0 have no …/default-branch; the deprecated resource is the only way to read their " +
			"default branch, and it answers 204 on an empty repository (reference §5)."},
	{DataCenter, "error statuses the operation does not list", "validated against the RestErrors envelope",
		"any resource may answer 400, 401 (also for missing permission), 403, 404, 405, 409, 429 or 5xx with " +
			"{errors:[RestErrorMessage]} (reference §2.5); the document lists only some per operation."},

	// ---- Cloud 2.0 -------------------------------------------------------------------------
	{Cloud, "schema error", "error.detail may be a string or an object",
		"real error bodies sometimes carry detail as an object where the schema says string (reference §3)."},
	{Cloud, "schema repository", "adds workspace ($ref workspace); slug stays absent",
		"responses carry workspace since the teams deprecation " +
			"(developer.atlassian.com/cloud/bitbucket/bitbucket-api-teams-deprecation); there is no slug field, so " +
			"the connector derives the slug from full_name (reference §1.5)."},
	{Cloud, "POST and PUT /repositories/{workspace}/{repo_slug}/hooks[/{uid}]",
		"get a request body schema: description, url, active, secret (nullable), events; no other field; url and " +
			"events required on POST",
		"the document describes the body only in prose (the operations' descriptions list the mutable fields and " +
			"say a null secret removes it); without a schema the body would go unchecked."},
	{Cloud, "GET /user/emails 200", "gets a schema: the paginated envelope of email objects (type, email, is_primary, is_confirmed, links)",
		"the document lists only a default error response; real responses are a paginated list of the caller's " +
			"addresses, the shape the connector reads Email from (reference §1.5: email needs GET /user/emails)."},
	{Cloud, "query parameters pagelen, page and fields on every GET", "accepted where the operation does not declare them",
		"pagination and partial responses are global ([CSPEC] x-atlassian-narrative; reference §1.4); page is " +
			"what the next links carry."},
	{Cloud, "responses to a request with fields=", "a missing required property is not a failure (other checks stay)",
		"a partial response keeps only the fields asked for, so properties the schemas require (type, on every " +
			"object) are legitimately absent ([CSPEC] narrative \"Partial responses\"; reference §1.4)."},
	{Cloud, "error statuses the operation does not list", "validated against the error schema; a 429 may be text/plain",
		"any resource may answer 400, 401, 403, 404, 405, 410, 429 or 5xx with the error envelope; the rate " +
			"limiter answers 429 with a plain-text body (bitbuckettest reproduces it)."},
	{Cloud, "GET /repositories, GET /workspaces, GET /user/permissions/repositories, GET /user/permissions/workspaces",
		"a call is a failure unless the Transport allows retired operations (AllowRetired)",
		"removed under CHANGE-2770 (they answer 410) though the document still describes them, GET /repositories " +
			"as deprecated (reference §1.5); a connector must never call them."},
	{Cloud, "GET /repositories/{workspace}/{repo_slug}/src/{commit}/{path}", "a path of several segments is routed as one {path}",
		"the document's {path} is the file's path in the repository, slashes included (its description: \"path to " +
			"the file\"); an OpenAPI path parameter cannot span segments, so routing folds them."},
	{Cloud, "GET /repositories/{workspace}/{repo_slug}/src/{commit}/{path} 200", "adds application/octet-stream (any bytes)",
		"the document's 200 prose says a file answers its raw contents, but only the directory listing's JSON is " +
			"given a media type (reference §5: file at a ref)."},
	{Cloud, "/site/oauth2/authorize and /site/oauth2/access_token on bitbucket.org", "allow-listed undocumented endpoints",
		"the OAuth 2.0 endpoints live on bitbucket.org, outside the API document (reference §1.1, §1.2)."},
}

// routeURL is the URL used to find a request's operation: Data Center's /rest/api/1.0 is the
// document's /rest/api/latest; a Cloud src path's {path} spans segments.
func routeURL(s Spec, u *url.URL) *url.URL {
	if s == Cloud {
		return cloudSrcRoute(u)
	}
	if s != DataCenter {
		return u
	}
	c := *u
	for _, root := range []string{"/rest/api/", "/rest/build-status/"} {
		c.Path = strings.Replace(c.Path, root+"1.0/", root+"latest/", 1)
		if c.RawPath != "" {
			c.RawPath = strings.Replace(c.RawPath, root+"1.0/", root+"latest/", 1)
		}
	}
	// A file path of several segments is one {path}: route it as one escaped segment.
	if head, file, ok := strings.Cut(c.EscapedPath(), "/raw/"); ok && strings.Contains(file, "/") {
		raw := head + "/raw/" + strings.ReplaceAll(file, "/", "%2F")
		if p, err := url.PathUnescape(raw); err == nil {
			c.Path, c.RawPath = p, raw
		}
	}
	return &c
}

// cloudSrcRoute folds the file path of GET /2.0/repositories/{workspace}/{repo_slug}/src/{commit}/{path}
// into one segment, so that the router matches {path} whatever its depth.
func cloudSrcRoute(u *url.URL) *url.URL {
	seg := strings.Split(u.EscapedPath(), "/") // "", "2.0", "repositories", ws, slug, "src", commit, path...
	if len(seg) <= 8 || seg[2] != "repositories" || seg[5] != "src" {
		return u
	}
	c := *u
	c.Path = strings.Join(seg[:7], "/") + "/" + strings.Join(seg[7:], "%2F")
	c.RawPath = ""
	return &c
}

// undocumentedEndpoint returns why method and path (relative to the site root: the Data Center
// context path, or the Cloud origin) may be called though the document lacks it; "" if it may not.
func undocumentedEndpoint(s Spec, method, path string) string {
	switch {
	case s == DataCenter && method == http.MethodGet && path == "/plugins/servlet/applinks/whoami":
		return "applinks whoami servlet"
	case s == Cloud && (path == "/site/oauth2/authorize" || path == "/site/oauth2/access_token"):
		return "OAuth 2.0 endpoints on bitbucket.org"
	}
	return ""
}

// allowedDeprecated are deprecated operations a connector may call (see Exceptions).
var allowedDeprecated = map[Spec]map[string]bool{
	DataCenter: {
		"GET /api/latest/projects/{projectKey}/repos/{repositorySlug}/branches/default": true,
		"POST /build-status/latest/commits/{commitId}":                                  true,
	},
}

// retiredOperations are the operations a connector must not call.
var retiredOperations = map[Spec]map[string]bool{
	Cloud: {
		"GET /repositories":                  true,
		"GET /workspaces":                    true,
		"GET /user/permissions/repositories": true,
		"GET /user/permissions/workspaces":   true,
	},
}

// retired reports an operation removed or deprecated: one in retiredOperations, or any the
// document marks deprecated.
func retired(s Spec, op string, deprecated bool) bool {
	if allowedDeprecated[s][op] {
		return false
	}
	return deprecated || retiredOperations[s][op]
}

// undeclaredQueryAllowed reports a query parameter that every GET accepts though the operation
// does not declare it.
func undeclaredQueryAllowed(s Spec, op, name string) bool {
	if !strings.HasPrefix(op, http.MethodGet+" ") {
		return false
	}
	switch s {
	case DataCenter:
		return name == "start" || name == "limit"
	case Cloud:
		return name == "pagelen" || name == "page" || name == "fields"
	}
	return false
}

// undocumentedErrorSchema says how to check a response whose status the operation does not list.
// reason is "" when the status is not excused (a failure); schema is nil when the body is not
// checked.
func undocumentedErrorSchema(s Spec, doc *openapi3.T, status int, contentType string) (schema *openapi3.Schema, reason string) {
	if status < 400 {
		return nil, ""
	}
	switch s {
	case DataCenter:
		return dcErrorsSchema(doc), "error status"
	case Cloud:
		mt, _, _ := mime.ParseMediaType(contentType)
		if status == http.StatusTooManyRequests && mt == "text/plain" {
			return nil, "plain-text 429 from the rate limiter"
		}
		return doc.Components.Schemas["error"].Value, "error status"
	}
	return nil, ""
}

// dcErrorsSchema is the RestErrors envelope: {"errors": [RestErrorMessage]}.
func dcErrorsSchema(doc *openapi3.T) *openapi3.Schema {
	return &openapi3.Schema{
		Type: &openapi3.Types{openapi3.TypeObject},
		Properties: openapi3.Schemas{"errors": {Value: &openapi3.Schema{
			Type:  &openapi3.Types{openapi3.TypeArray},
			Items: doc.Components.Schemas["RestErrorMessage"],
		}}},
		Required: []string{"errors"},
	}
}

// ignoredProblem returns why a validation problem (the schema keyword field that failed, at JSON
// pointer) of operation op, asked with query, is not a failure; "" when it is one.
func ignoredProblem(s Spec, op string, query url.Values, field, pointer string) string {
	if s == Cloud && query.Has("fields") && field == "required" {
		return "partial response"
	}
	return ""
}

// patchDocument applies the schema patches of Exceptions to a freshly loaded document.
func patchDocument(s Spec, doc *openapi3.T) error {
	switch s {
	case DataCenter:
		return patchDataCenter(doc)
	case Cloud:
		return patchCloud(doc)
	}
	return nil
}

func schemaOf(doc *openapi3.T, name string) (*openapi3.Schema, error) {
	ref, ok := doc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		return nil, fmt.Errorf("schema %s is missing", name)
	}
	return ref.Value, nil
}

func operation(doc *openapi3.T, method, path string) (*openapi3.Operation, error) {
	item := doc.Paths.Value(path)
	if item == nil || item.GetOperation(method) == nil {
		return nil, fmt.Errorf("operation %s %s is missing", method, path)
	}
	return item.GetOperation(method), nil
}

func typed(t string) *openapi3.Types { return &openapi3.Types{t} }

func patchDataCenter(doc *openapi3.T) error {
	hook, err := schemaOf(doc, "RestWebhook")
	if err != nil {
		return err
	}
	hook.Properties["id"] = &openapi3.SchemaRef{Value: &openapi3.Schema{Type: typed(openapi3.TypeInteger), Format: "int32", ReadOnly: true}}
	for _, name := range []string{"createdDate", "updatedDate"} {
		hook.Properties[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{Type: typed(openapi3.TypeInteger), Format: "int64", ReadOnly: true}}
	}

	list, err := operation(doc, http.MethodGet, "/api/latest/projects/{projectKey}/repos/{repositorySlug}/webhooks")
	if err != nil {
		return err
	}
	ok := list.Responses.Status(http.StatusOK)
	if ok == nil || ok.Value == nil || len(ok.Value.Content) != 1 {
		return fmt.Errorf("list webhooks: 200 is not a single media type")
	}
	for _, mt := range ok.Value.Content {
		if mt.Schema != nil {
			return fmt.Errorf("list webhooks: 200 has a schema now; drop the patch")
		}
		mt.Schema = &openapi3.SchemaRef{Value: dcPage(doc.Components.Schemas["RestWebhook"])}
	}

	raw, err := operation(doc, http.MethodGet, "/api/latest/projects/{projectKey}/repos/{repositorySlug}/raw/{path}")
	if err != nil {
		return err
	}
	if ok := raw.Responses.Status(http.StatusOK); ok != nil && ok.Value != nil {
		ok.Value.Content = openapi3.Content{"*/*": &openapi3.MediaType{}}
	}

	errMsg, err := schemaOf(doc, "RestErrorMessage")
	if err != nil {
		return err
	}
	for _, name := range []string{"context", "exceptionName"} {
		p, ok := errMsg.Properties[name]
		if !ok {
			return fmt.Errorf("RestErrorMessage.%s is missing", name)
		}
		p.Value.Nullable = true
	}

	if n := walkSchemas(doc, func(sc *openapi3.Schema) bool {
		if l := sc.Properties["links"]; l != nil && l.Value != nil && l.Value.WriteOnly {
			l.Value.WriteOnly = false
			return true
		}
		return false
	}); n == 0 {
		return fmt.Errorf("no writeOnly links left to patch")
	}
	return nil
}

// dcPage is Data Center's paged envelope around items.
func dcPage(items *openapi3.SchemaRef) *openapi3.Schema {
	num := func(format string) *openapi3.SchemaRef {
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: typed(openapi3.TypeInteger), Format: format}}
	}
	return &openapi3.Schema{
		Type: typed(openapi3.TypeObject),
		Properties: openapi3.Schemas{
			"isLastPage":    {Value: &openapi3.Schema{Type: typed(openapi3.TypeBoolean)}},
			"limit":         num("int32"),
			"nextPageStart": num("int32"),
			"size":          num("int32"),
			"start":         num("int32"),
			"values":        {Value: &openapi3.Schema{Type: typed(openapi3.TypeArray), Items: items}},
		},
	}
}

func patchCloud(doc *openapi3.T) error {
	if err := patchCloudSrc(doc); err != nil {
		return err
	}
	e, err := schemaOf(doc, "error")
	if err != nil {
		return err
	}
	inner := e.Properties["error"]
	if inner == nil || inner.Value.Properties["detail"] == nil {
		return fmt.Errorf("error.error.detail is missing")
	}
	inner.Value.Properties["detail"] = &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{
		{Value: &openapi3.Schema{Type: typed(openapi3.TypeString)}},
		{Value: &openapi3.Schema{Type: typed(openapi3.TypeObject)}},
	}}}

	repo, err := schemaOf(doc, "repository")
	if err != nil {
		return err
	}
	if len(repo.AllOf) != 2 || repo.AllOf[1].Value == nil {
		return fmt.Errorf("repository is no longer allOf[object, properties]")
	}
	props := repo.AllOf[1].Value.Properties
	if _, has := props["workspace"]; has {
		return fmt.Errorf("repository has workspace now; drop the patch")
	}
	if _, has := props["slug"]; has {
		return fmt.Errorf("repository has slug now; update the exception")
	}
	ws, ok := doc.Components.Schemas["workspace"]
	if !ok {
		return fmt.Errorf("schema workspace is missing")
	}
	props["workspace"] = &openapi3.SchemaRef{Ref: "#/components/schemas/workspace", Value: ws.Value}

	emails, err := operation(doc, http.MethodGet, "/user/emails")
	if err != nil {
		return err
	}
	if emails.Responses.Status(http.StatusOK) != nil {
		return fmt.Errorf("GET /user/emails documents 200 now; drop the patch")
	}
	obj, ok := doc.Components.Schemas["object"]
	if !ok {
		return fmt.Errorf("schema object is missing")
	}
	email := &openapi3.Schema{AllOf: openapi3.SchemaRefs{obj, {Value: &openapi3.Schema{
		Type: typed(openapi3.TypeObject),
		Properties: openapi3.Schemas{
			"email":        {Value: &openapi3.Schema{Type: typed(openapi3.TypeString)}},
			"is_primary":   {Value: &openapi3.Schema{Type: typed(openapi3.TypeBoolean)}},
			"is_confirmed": {Value: &openapi3.Schema{Type: typed(openapi3.TypeBoolean)}},
			"links":        {Value: &openapi3.Schema{Type: typed(openapi3.TypeObject)}},
		},
	}}}}
	emails.Responses.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("the caller's addresses").
		WithJSONSchema(cloudPage(doc, &openapi3.SchemaRef{Value: email}))})

	sub, err := schemaOf(doc, "webhook_subscription")
	if err != nil {
		return err
	}
	if len(sub.AllOf) != 2 || sub.AllOf[1].Value == nil {
		return fmt.Errorf("webhook_subscription is no longer allOf[object, properties]")
	}
	subProps := sub.AllOf[1].Value.Properties
	body := func(required ...string) *openapi3.RequestBodyRef {
		ps := openapi3.Schemas{}
		for _, name := range []string{"description", "url", "active", "events"} {
			if subProps[name] == nil {
				return nil
			}
			ps[name] = subProps[name]
		}
		if subProps["secret"] == nil {
			return nil
		}
		secret := *subProps["secret"].Value
		secret.Nullable = true
		ps["secret"] = &openapi3.SchemaRef{Value: &secret}
		no := false
		schema := &openapi3.Schema{Type: typed(openapi3.TypeObject), Properties: ps, Required: required,
			AdditionalProperties: openapi3.AdditionalProperties{Has: &no}}
		return &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
			WithContent(openapi3.NewContentWithJSONSchema(schema))}
	}
	for _, target := range []struct{ method, path string }{
		{http.MethodPost, "/repositories/{workspace}/{repo_slug}/hooks"},
		{http.MethodPut, "/repositories/{workspace}/{repo_slug}/hooks/{uid}"},
	} {
		op, err := operation(doc, target.method, target.path)
		if err != nil {
			return err
		}
		if op.RequestBody != nil {
			return fmt.Errorf("%s %s has a request body now; drop the patch", target.method, target.path)
		}
		var rb *openapi3.RequestBodyRef
		if target.method == http.MethodPost {
			rb = body("url", "events")
		} else {
			rb = body()
		}
		if rb == nil {
			return fmt.Errorf("webhook_subscription lost a field the request body patch uses")
		}
		op.RequestBody = rb
	}
	return nil
}

// cloudPage is Cloud's paginated envelope around items, with the fields and bounds of the
// document's own paginated_* schemas (taken from paginated_repositories).
func cloudPage(doc *openapi3.T, items *openapi3.SchemaRef) *openapi3.Schema {
	model := doc.Components.Schemas["paginated_repositories"].Value
	props := openapi3.Schemas{}
	for k, v := range model.Properties {
		props[k] = v
	}
	values := *model.Properties["values"].Value
	values.Items = items
	props["values"] = &openapi3.SchemaRef{Value: &values}
	no := false
	return &openapi3.Schema{Type: typed(openapi3.TypeObject), Properties: props,
		AdditionalProperties: openapi3.AdditionalProperties{Has: &no}}
}

// walkSchemas calls fn on every schema reachable from the document's components and operations,
// once each, and returns how many calls returned true.
func walkSchemas(doc *openapi3.T, fn func(*openapi3.Schema) bool) int {
	seen := map[*openapi3.Schema]bool{}
	n := 0
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		sc := ref.Value
		seen[sc] = true
		if fn(sc) {
			n++
		}
		for _, p := range sc.Properties {
			walk(p)
		}
		walk(sc.Items)
		walk(sc.AdditionalProperties.Schema)
		walk(sc.Not)
		for _, list := range []openapi3.SchemaRefs{sc.AllOf, sc.AnyOf, sc.OneOf} {
			for _, r := range list {
				walk(r)
			}
		}
	}
	for _, ref := range doc.Components.Schemas {
		walk(ref)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				for _, mt := range r.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
	return n
}

// patchCloudSrc lets GET .../src/{commit}/{path} answer a file's raw bytes as
// application/octet-stream, beside the JSON directory listing the document describes.
func patchCloudSrc(doc *openapi3.T) error {
	op, err := operation(doc, http.MethodGet, "/repositories/{workspace}/{repo_slug}/src/{commit}/{path}")
	if err != nil {
		return err
	}
	ok := op.Responses.Status(http.StatusOK)
	if ok == nil || ok.Value == nil || ok.Value.Content["application/json"] == nil {
		return fmt.Errorf("src: 200 is not the JSON directory listing")
	}
	if ok.Value.Content["application/octet-stream"] != nil {
		return fmt.Errorf("src: 200 has a raw media type now; drop the patch")
	}
	ok.Value.Content["application/octet-stream"] = &openapi3.MediaType{Schema: &openapi3.SchemaRef{
		Value: &openapi3.Schema{Type: typed(openapi3.TypeString), Format: "binary"}}}
	return nil
}
