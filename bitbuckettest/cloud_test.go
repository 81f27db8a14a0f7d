package bitbuckettest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// cloudReply is a decoded answer of the Cloud fake.
type cloudReply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// cloudDo sends method to target (a path under the API root, or an absolute URL) with the
// Authorization header auth ("" for none) and a JSON body ("" for none).
func cloudDo(t *testing.T, srv *Server, method, target, auth, body string) cloudReply {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = srv.URL() + target
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	rep := cloudReply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &rep.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, target, err, raw)
		}
	}
	return rep
}

func bearer(tok string) string { return "Bearer " + tok }

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func (r cloudReply) values(t *testing.T) []map[string]any {
	t.Helper()
	vs, ok := r.body["values"].([]any)
	if !ok {
		t.Fatalf("no values in %s", r.raw)
	}
	out := make([]map[string]any, len(vs))
	for i, v := range vs {
		out[i], _ = v.(map[string]any)
	}
	return out
}

func (r cloudReply) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
}

// wantCloudError checks the Cloud error envelope.
func (r cloudReply) wantCloudError(t *testing.T, status int) {
	t.Helper()
	r.wantStatus(t, status)
	e, _ := r.body["error"].(map[string]any)
	if r.body["type"] != "error" || e == nil || e["message"] == "" || e["message"] == nil {
		t.Fatalf("not a Cloud error envelope: %s", r.raw)
	}
	if d, ok := e["detail"]; ok {
		if _, isString := d.(string); !isString {
			t.Fatalf("error.detail is not a string (the spec says string): %s", r.raw)
		}
	}
}

func str(v any, path string) string {
	got, _ := lookup(v, path)
	s, _ := got.(string)
	return s
}

// newCloudFixture seeds alice with a token, and workspace ws with n repositories she can read.
func newCloudFixture(t *testing.T, n int) *Server {
	t.Helper()
	srv := NewCloud()
	t.Cleanup(srv.Close)
	srv.AddUser(User{Username: "alice", DisplayName: "Alice", Email: "alice@example.com"})
	srv.AddToken("tok", "alice", "account", "repository", "webhook")
	srv.AddRepositories("ws", "repo", n)
	srv.Grant("alice", bitbucket.RepoRef{Namespace: "ws"}, bitbucket.PermissionRead)
	return srv
}

func TestCloudListFollowsOpaqueNextLinks(t *testing.T) {
	srv := newCloudFixture(t, 25)
	next := "/repositories/ws?pagelen=10&role=member"
	var names []string
	pages := 0
	for next != "" {
		pages++
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		rep := cloudDo(t, srv, "GET", next, bearer("tok"), "")
		rep.wantStatus(t, 200)
		if got := rep.body["pagelen"]; got != float64(10) {
			t.Errorf("pagelen %v, want 10", got)
		}
		if _, ok := rep.body["page"]; ok {
			t.Errorf("envelope has a page number; the fake's pages are opaque: %s", rep.raw)
		}
		for _, v := range rep.values(t) {
			names = append(names, str(v, "full_name"))
		}
		next, _ = rep.body["next"].(string)
		if next == "" {
			continue
		}
		u, err := url.Parse(next)
		if err != nil || u.Scheme+"://"+u.Host != srv.Origin() || u.Path != "/2.0/repositories/ws" {
			t.Fatalf("next %q is not an absolute link back to the fake", next)
		}
		page := u.Query().Get("page")
		if _, err := strconv.Atoi(page); err == nil || page == "" {
			t.Errorf("page token %q is a predictable number", page)
		}
		if u.Query().Get("role") != "member" || u.Query().Get("pagelen") != "10" {
			t.Errorf("next %q lost the query", next)
		}
	}
	if pages != 3 || len(names) != 25 {
		t.Fatalf("got %d items in %d pages, want 25 in 3", len(names), pages)
	}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	if !slices.Equal(slices.Compact(sorted), sorted) || sorted[0] != "ws/repo-00001" || sorted[24] != "ws/repo-00025" {
		t.Errorf("duplicates or wrong items: %v", names)
	}
	// A made-up page token is refused rather than silently restarting the list.
	cloudDo(t, srv, "GET", "/repositories/ws?page=2", bearer("tok"), "").wantCloudError(t, 400)
}

func TestCloudPagelenCapAndValidation(t *testing.T) {
	srv := newCloudFixture(t, 150)
	rep := cloudDo(t, srv, "GET", "/repositories/ws?pagelen=500", bearer("tok"), "")
	rep.wantStatus(t, 200)
	if len(rep.values(t)) != 100 || rep.body["pagelen"] != float64(100) || rep.body["size"] != float64(150) {
		t.Errorf("pagelen 500: %d values, pagelen %v, size %v; want 100, 100, 150", len(rep.values(t)), rep.body["pagelen"], rep.body["size"])
	}
	if len(cloudDo(t, srv, "GET", "/repositories/ws", bearer("tok"), "").values(t)) != 10 {
		t.Error("default pagelen is not 10")
	}
	for _, bad := range []string{"0", "-1", "ten"} {
		cloudDo(t, srv, "GET", "/repositories/ws?pagelen="+bad, bearer("tok"), "").wantCloudError(t, 400)
	}
	srv.SetPageLimit(7)
	if n := len(cloudDo(t, srv, "GET", "/repositories/ws?pagelen=100", bearer("tok"), "").values(t)); n != 7 {
		t.Errorf("SetPageLimit(7): %d values", n)
	}
}

func TestCloudRoleFilter(t *testing.T) {
	srv := NewCloud()
	defer srv.Close()
	srv.AddUser(User{Username: "alice"})
	srv.AddToken("tok", "alice")
	for _, slug := range []string{"r-read", "r-write", "r-admin", "r-public", "r-hidden"} {
		srv.AddRepository(Repository{Namespace: "ws", Slug: slug, Public: slug == "r-public"})
	}
	srv.Grant("alice", bitbucket.RepoRef{Namespace: "ws", Slug: "r-read"}, bitbucket.PermissionRead)
	srv.Grant("alice", bitbucket.RepoRef{Namespace: "ws", Slug: "r-write"}, bitbucket.PermissionWrite)
	srv.Grant("alice", bitbucket.RepoRef{Namespace: "ws", Slug: "r-admin"}, bitbucket.PermissionAdmin)
	cases := map[string][]string{
		"":                 {"r-admin", "r-public", "r-read", "r-write"},
		"role=member":      {"r-admin", "r-read", "r-write"},
		"role=contributor": {"r-admin", "r-write"},
		"role=admin":       {"r-admin"},
	}
	for q, want := range cases {
		rep := cloudDo(t, srv, "GET", "/repositories/ws?"+q, bearer("tok"), "")
		rep.wantStatus(t, 200)
		var got []string
		for _, v := range rep.values(t) {
			got = append(got, str(v, "name"))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v", q, got, want)
		}
	}
	cloudDo(t, srv, "GET", "/repositories/ws?role=reader", bearer("tok"), "").wantCloudError(t, 400)
	anon := cloudDo(t, srv, "GET", "/repositories/ws", "", "")
	if anon.status != 200 || len(anon.values(t)) != 1 || str(anon.values(t)[0], "name") != "r-public" {
		t.Errorf("anonymous listing: %s", anon.raw)
	}
}

func TestCloudQueryFilterEscaping(t *testing.T) {
	srv := NewCloud()
	defer srv.Close()
	srv.AddUser(User{Username: "alice"})
	srv.AddToken("tok", "alice")
	for _, name := range []string{`say "hi"`, `back\slash`, "Plain", "plain-two", "other"} {
		slug := strings.NewReplacer(`"`, "", `\`, "", " ", "-").Replace(strings.ToLower(name))
		srv.AddRepository(Repository{Namespace: "ws", Slug: slug, Name: name})
	}
	srv.Grant("alice", bitbucket.RepoRef{Namespace: "ws"}, bitbucket.PermissionRead)
	cases := map[string][]string{
		`name ~ "\"hi\""`:                           {`say "hi"`},
		`name ~ "\\"`:                               {`back\slash`},
		`name ~ "PLAIN"`:                            {"Plain", "plain-two"},
		`name = "Plain"`:                            {"Plain"},
		`full_name = "ws/plain-two"`:                {"plain-two"},
		`name ~ "plain" AND full_name = "ws/plain"`: {"Plain"},
		`(name = "other" OR name = "Plain") AND is_private = true`: {"Plain", "other"},
		`name ~ "nothing"`: nil,
	}
	for q, want := range cases {
		rep := cloudDo(t, srv, "GET", "/repositories/ws?q="+url.QueryEscape(q), bearer("tok"), "")
		rep.wantStatus(t, 200)
		var got []string
		for _, v := range rep.values(t) {
			got = append(got, str(v, "name"))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("q=%s: got %q, want %q", q, got, want)
		}
		if _, ok := rep.body["size"]; ok {
			t.Errorf("q=%s: size given for a filtered list", q)
		}
	}
	for _, bad := range []string{`name ~ "open`, `nonsense ~ "x"`, `name ~`, `name "x"`, `slug = "plain"`} {
		cloudDo(t, srv, "GET", "/repositories/ws?q="+url.QueryEscape(bad), bearer("tok"), "").wantCloudError(t, 400)
	}
}

func TestCloudSort(t *testing.T) {
	srv := newCloudFixture(t, 3)
	rep := cloudDo(t, srv, "GET", "/repositories/ws?sort=-name", bearer("tok"), "")
	rep.wantStatus(t, 200)
	if v := rep.values(t); str(v[0], "name") != "repo-00003" || str(v[2], "name") != "repo-00001" {
		t.Errorf("sort=-name: %s", rep.raw)
	}
	cloudDo(t, srv, "GET", "/repositories/ws?sort=owner", bearer("tok"), "").wantCloudError(t, 400)
}

func TestCloudFieldsTrimming(t *testing.T) {
	srv := newCloudFixture(t, 3)
	rep := cloudDo(t, srv, "GET", "/repositories/ws?pagelen=2&fields="+url.QueryEscape("values.full_name,values.links.clone,next"), bearer("tok"), "")
	rep.wantStatus(t, 200)
	if _, ok := rep.body["next"].(string); !ok {
		t.Errorf("next dropped although selected: %s", rep.raw)
	}
	if _, ok := rep.body["pagelen"]; ok {
		t.Errorf("pagelen kept although not selected: %s", rep.raw)
	}
	for _, v := range rep.values(t) {
		if len(v) != 2 || str(v, "full_name") == "" {
			t.Errorf("item not trimmed to full_name and links: %v", v)
		}
		links, _ := v["links"].(map[string]any)
		if clone, _ := links["clone"].([]any); len(links) != 1 || len(clone) != 2 {
			t.Errorf("links not trimmed to clone: %v", links)
		}
	}
	rep = cloudDo(t, srv, "GET", "/repositories/ws?fields="+url.QueryEscape("-values.links,-values.owner"), bearer("tok"), "")
	for _, v := range rep.values(t) {
		if _, ok := v["links"]; ok {
			t.Errorf("-values.links kept links")
		}
		if str(v, "full_name") == "" || str(v, "mainbranch.name") != "main" {
			t.Errorf("-values.links removed more than links: %v", v)
		}
	}
	rep = cloudDo(t, srv, "GET", "/repositories/ws/repo-00001?fields=name,"+url.QueryEscape("+unknown"), bearer("tok"), "")
	if len(rep.body) != 1 || rep.body["name"] != "repo-00001" {
		t.Errorf("fields on one repository: %s", rep.raw)
	}
}

func TestCloudRepositoryShapeAndVisibility(t *testing.T) {
	srv := newCloudFixture(t, 1)
	srv.AddRepository(Repository{Namespace: "ws2", Slug: "secret", Project: "PRJ", DefaultBranch: "trunk"})
	rep := cloudDo(t, srv, "GET", "/repositories/ws/repo-00001", bearer("tok"), "")
	rep.wantStatus(t, 200)
	b := rep.body
	if b["type"] != "repository" || b["full_name"] != "ws/repo-00001" || b["scm"] != "git" || b["is_private"] != true {
		t.Errorf("repository fields: %s", rep.raw)
	}
	if _, ok := b["slug"]; ok {
		t.Error("Cloud repositories have no slug field")
	}
	if str(b, "mainbranch.type") != "branch" || str(b, "project.type") != "project" || str(b, "workspace.slug") != "ws" {
		t.Errorf("nested objects: %s", rep.raw)
	}
	if !strings.HasPrefix(str(b, "uuid"), "{") {
		t.Errorf("uuid without braces: %v", b["uuid"])
	}
	clone, _ := lookup(b, "links.clone")
	var names []string
	for _, c := range clone.([]any) {
		names = append(names, str(c, "name"))
		if _, err := url.Parse(str(c, "href")); err != nil || !strings.Contains(str(c, "href"), "://") {
			t.Errorf("clone href %q is not a URI", str(c, "href"))
		}
	}
	if !slices.Equal(names, []string{"https", "ssh"}) {
		t.Errorf("clone links %v", names)
	}
	// Also reachable by the repository's {uuid}.
	cloudDo(t, srv, "GET", "/repositories/ws/"+url.PathEscape(str(b, "uuid")), bearer("tok"), "").wantStatus(t, 200)
	// Hidden and missing look the same.
	cloudDo(t, srv, "GET", "/repositories/ws2/secret", bearer("tok"), "").wantCloudError(t, 404)
	cloudDo(t, srv, "GET", "/repositories/ws/missing", bearer("tok"), "").wantCloudError(t, 404)
	cloudDo(t, srv, "GET", "/repositories/nows", bearer("tok"), "").wantCloudError(t, 404)
	cloudDo(t, srv, "DELETE", "/repositories/ws/repo-00001", bearer("tok"), "").wantCloudError(t, 405)
}

func TestCloudUserScopesAndCredentialTypes(t *testing.T) {
	srv := newCloudFixture(t, 1)
	srv.AddAPIToken("alice@example.com", "api-secret", "alice", "read:user:bitbucket", "read:repository:bitbucket")
	srv.AddToken("mail", "alice", "account", "email")

	rep := cloudDo(t, srv, "GET", "/user", bearer("tok"), "")
	rep.wantStatus(t, 200)
	if rep.body["type"] != "user" || rep.body["nickname"] != "alice" || rep.body["display_name"] != "Alice" ||
		!strings.HasPrefix(str(rep.body, "uuid"), "{") {
		t.Errorf("/user: %s", rep.raw)
	}
	if got := rep.header.Get("X-OAuth-Scopes"); got != "account, repository, webhook" {
		t.Errorf("X-OAuth-Scopes %q", got)
	}
	if got := rep.header.Get("X-Credential-Type"); got != "oauth2" {
		t.Errorf("X-Credential-Type %q", got)
	}
	cloudDo(t, srv, "GET", "/user/emails", bearer("tok"), "").wantCloudError(t, 403)
	rep = cloudDo(t, srv, "GET", "/user/emails", bearer("mail"), "")
	rep.wantStatus(t, 200)
	if v := rep.values(t); len(v) != 1 || v[0]["email"] != "alice@example.com" || v[0]["is_primary"] != true {
		t.Errorf("/user/emails: %s", rep.raw)
	}

	rep = cloudDo(t, srv, "GET", "/user", basicAuth("alice@example.com", "api-secret"), "")
	rep.wantStatus(t, 200)
	if rep.header.Get("X-Credential-Type") != "apikey" || rep.body["nickname"] != "alice" {
		t.Errorf("API token /user: %v %s", rep.header, rep.raw)
	}
	// API tokens use granular scopes: this one has no webhook scope.
	cloudDo(t, srv, "GET", "/repositories/ws/repo-00001/hooks", basicAuth("alice@example.com", "api-secret"), "").wantCloudError(t, 403)

	for _, auth := range []string{bearer("nope"), basicAuth("alice@example.com", "wrong"), basicAuth("alice", "api-secret"), "Token tok"} {
		rep := cloudDo(t, srv, "GET", "/user", auth, "")
		rep.wantCloudError(t, 401)
	}
	cloudDo(t, srv, "GET", "/user", "", "").wantCloudError(t, 401)
	// A token lacking the repository scope cannot list.
	cloudDo(t, srv, "GET", "/repositories/ws", bearer("mail"), "").wantCloudError(t, 403)
}

func TestCloudAccessTokenRestrictions(t *testing.T) {
	srv := newCloudFixture(t, 3)
	srv.AddRepository(Repository{Namespace: "other", Slug: "x"})
	srv.AddAccessToken("rtok", "repo", bitbucket.RepoRef{Namespace: "ws", Slug: "repo-00002"}, "repository", "webhook")
	srv.AddAccessToken("wtok", "workspace", bitbucket.RepoRef{Namespace: "ws"}, "repository")

	rep := cloudDo(t, srv, "GET", "/user", bearer("rtok"), "")
	rep.wantCloudError(t, 403)
	if rep.header.Get("X-Credential-Type") != "repo_access_token" || rep.header.Get("X-OAuth-Scopes") != "repository, webhook" {
		t.Errorf("headers on access-token answer: %v", rep.header)
	}
	cloudDo(t, srv, "GET", "/user/workspaces", bearer("rtok"), "").wantCloudError(t, 403)
	cloudDo(t, srv, "GET", "/user/workspaces/ws/permissions/repositories", bearer("rtok"), "").wantCloudError(t, 403)

	rep = cloudDo(t, srv, "GET", "/repositories/ws", bearer("rtok"), "")
	rep.wantStatus(t, 200)
	if v := rep.values(t); len(v) != 1 || str(v[0], "full_name") != "ws/repo-00002" {
		t.Errorf("repository token listing: %s", rep.raw)
	}
	cloudDo(t, srv, "GET", "/repositories/ws/repo-00002", bearer("rtok"), "").wantStatus(t, 200)
	cloudDo(t, srv, "GET", "/repositories/ws/repo-00001", bearer("rtok"), "").wantCloudError(t, 404)
	cloudDo(t, srv, "GET", "/repositories/other", bearer("rtok"), "").wantCloudError(t, 403)
	cloudDo(t, srv, "GET", "/repositories/ws/repo-00002/hooks", bearer("rtok"), "").wantStatus(t, 200)

	rep = cloudDo(t, srv, "GET", "/repositories/ws", bearer("wtok"), "")
	if len(rep.values(t)) != 3 || rep.header.Get("X-Credential-Type") != "workspace_access_token" {
		t.Errorf("workspace token listing: %v %s", rep.header, rep.raw)
	}
	cloudDo(t, srv, "GET", "/repositories/ws/repo-00001/hooks", bearer("wtok"), "").wantCloudError(t, 403) // no webhook scope
}

func TestCloudUserWorkspaces(t *testing.T) {
	srv := newCloudFixture(t, 1)
	srv.AddWorkspaceMember("alice", "admin-ws", true)
	srv.AddWorkspaceMember("alice", "plain-ws", false)
	srv.AddRepository(Repository{Namespace: "not-mine", Slug: "x"})
	slugs := func(q string) []string {
		rep := cloudDo(t, srv, "GET", "/user/workspaces"+q, bearer("tok"), "")
		rep.wantStatus(t, 200)
		var out []string
		for _, v := range rep.values(t) {
			if v["type"] != "workspace_access" || str(v, "workspace.type") != "workspace_base" || !strings.HasPrefix(str(v, "workspace.uuid"), "{") {
				t.Errorf("item shape: %v", v)
			}
			out = append(out, str(v, "workspace.slug"))
		}
		return out
	}
	if got := slugs(""); !slices.Equal(got, []string{"admin-ws", "plain-ws", "ws"}) {
		t.Errorf("all: %v", got)
	}
	if got := slugs("?administrator=true"); !slices.Equal(got, []string{"admin-ws"}) {
		t.Errorf("administrator=true: %v", got)
	}
	if got := slugs("?q=" + url.QueryEscape(`workspace.slug = "plain-ws"`)); !slices.Equal(got, []string{"plain-ws"}) {
		t.Errorf("q: %v", got)
	}
	if got := slugs("?sort=-slug&pagelen=1"); !slices.Equal(got, []string{"ws"}) {
		t.Errorf("sort=-slug: %v", got)
	}
	// Workspace admins hold admin on every repository.
	srv.AddRepository(Repository{Namespace: "admin-ws", Slug: "r"})
	rep := cloudDo(t, srv, "GET", "/repositories/admin-ws?role=admin", bearer("tok"), "")
	if len(rep.values(t)) != 1 {
		t.Errorf("workspace admin, role=admin: %s", rep.raw)
	}
}

func TestCloudRepositoryPermissions(t *testing.T) {
	srv := NewCloud()
	defer srv.Close()
	srv.AddUser(User{Username: "alice"})
	srv.AddToken("tok", "alice", "account", "repository")
	srv.AddToken("norepo", "alice", "account")
	srv.AddRepository(Repository{Namespace: "ws", Slug: "adm"})
	srv.AddRepository(Repository{Namespace: "ws", Slug: "rd"})
	srv.AddRepository(Repository{Namespace: "ws", Slug: "pub", Public: true})
	srv.Grant("alice", bitbucket.RepoRef{Namespace: "ws", Slug: "adm"}, bitbucket.PermissionAdmin)
	srv.Grant("alice", bitbucket.RepoRef{Namespace: "ws", Slug: "rd"}, bitbucket.PermissionRead)
	perm := func(q string) []string {
		rep := cloudDo(t, srv, "GET", "/user/workspaces/ws/permissions/repositories?q="+url.QueryEscape(q), bearer("tok"), "")
		rep.wantStatus(t, 200)
		var out []string
		for _, v := range rep.values(t) {
			if v["type"] != "repository_permission" || str(v, "user.nickname") != "alice" || str(v, "repository.type") != "repository" {
				t.Errorf("item shape: %v", v)
			}
			out = append(out, str(v, "repository.full_name")+"="+str(v, "permission"))
		}
		return out
	}
	if got := perm(`repository.full_name="ws/adm"`); !slices.Equal(got, []string{"ws/adm=admin"}) {
		t.Errorf("adm: %v", got)
	}
	if got := perm(`repository.full_name="ws/pub"`); len(got) != 0 {
		t.Errorf("a public repository without a grant is listed: %v", got)
	}
	if got := perm(`permission>"read"`); !slices.Equal(got, []string{"ws/adm=admin"}) {
		t.Errorf(`permission>"read": %v`, got)
	}
	if got := perm(""); !slices.Equal(got, []string{"ws/adm=admin", "ws/rd=read"}) {
		t.Errorf("all: %v", got)
	}
	cloudDo(t, srv, "GET", "/user/workspaces/ws/permissions/repositories", bearer("norepo"), "").wantCloudError(t, 403)
}

func TestCloudWebhookCRUD(t *testing.T) {
	srv := newCloudFixture(t, 1)
	srv.AddUser(User{Username: "bob"})
	srv.AddToken("admin", "bob", "repository", "webhook")
	ref := bitbucket.RepoRef{Namespace: "ws", Slug: "repo-00001"}
	srv.Grant("bob", ref, bitbucket.PermissionAdmin)
	hooks := "/repositories/ws/repo-00001/hooks"

	// alice reads the repository but is no admin.
	cloudDo(t, srv, "GET", hooks, bearer("tok"), "").wantCloudError(t, 403)
	cloudDo(t, srv, "POST", hooks, bearer("tok"), `{"url":"https://ci.example.com/h","events":["repo:push"]}`).wantCloudError(t, 403)

	for _, bad := range []string{
		`{"url":"https://ci.example.com/h","events":["repo:pushed"]}`,
		`{"url":"https://ci.example.com/h","events":[]}`,
		`{"url":"https://ci.example.com/h"}`,
		`{"url":"https://ci.example.com/h","events":["repo:push","repo:push"]}`,
		`{"url":"not a url","events":["repo:push"]}`,
		`{"url":"https://ci.example.com/h","events":["repo:push"],"secret":"` + strings.Repeat("s", 129) + `"}`,
		`[1]`,
	} {
		cloudDo(t, srv, "POST", hooks, bearer("admin"), bad).wantCloudError(t, 400)
	}

	rep := cloudDo(t, srv, "POST", hooks, bearer("admin"),
		`{"url":"https://ci.example.com/h","description":"ci","active":true,"events":["repo:push","pullrequest:created"],"secret":"s3cret"}`)
	rep.wantStatus(t, 201)
	uid := str(rep.body, "uuid")
	if !strings.HasPrefix(uid, "{") || !strings.HasSuffix(uid, "}") {
		t.Fatalf("uuid %q without braces", uid)
	}
	loc := rep.header.Get("Location")
	if !strings.HasSuffix(loc, "/hooks/"+url.PathEscape(uid)) || !strings.Contains(loc, "%7B") {
		t.Errorf("Location %q", loc)
	}
	if rep.body["secret_set"] != true || rep.body["type"] != "webhook_subscription" || rep.body["subject_type"] != "repository" ||
		str(rep.body, "subject.full_name") != "ws/repo-00001" {
		t.Errorf("created hook: %s", rep.raw)
	}
	if strings.Contains(string(rep.raw), "s3cret") {
		t.Fatal("the secret is shown")
	}
	if _, err := time.Parse(time.RFC3339, str(rep.body, "created_at")); err != nil {
		t.Errorf("created_at: %v", err)
	}

	escaped := hooks + "/" + url.PathEscape(uid) // %7B...%7D
	raw := hooks + "/" + uid                     // literal braces
	for _, p := range []string{escaped, raw, loc} {
		got := cloudDo(t, srv, "GET", p, bearer("admin"), "")
		got.wantStatus(t, 200)
		if str(got.body, "uuid") != uid {
			t.Errorf("GET %s: %s", p, got.raw)
		}
	}
	list := cloudDo(t, srv, "GET", hooks, bearer("admin"), "")
	if v := list.values(t); len(v) != 1 || str(v[0], "url") != "https://ci.example.com/h" {
		t.Errorf("list: %s", list.raw)
	}

	secretOf := func() string { return srv.Hooks(ref)[0].Secret }
	// An update without secret keeps it.
	rep = cloudDo(t, srv, "PUT", escaped, bearer("admin"), `{"description":"ci2","events":["repo:push"]}`)
	rep.wantStatus(t, 200)
	if rep.body["secret_set"] != true || secretOf() != "s3cret" || rep.body["description"] != "ci2" || rep.body["url"] != "https://ci.example.com/h" {
		t.Errorf("PUT without secret: %s", rep.raw)
	}
	// A new secret replaces it; null and "" remove it.
	cloudDo(t, srv, "PUT", escaped, bearer("admin"), `{"secret":"other"}`).wantStatus(t, 200)
	if secretOf() != "other" {
		t.Errorf("secret not rotated")
	}
	rep = cloudDo(t, srv, "PUT", escaped, bearer("admin"), `{"secret":null}`)
	if rep.body["secret_set"] != false || secretOf() != "" {
		t.Errorf("secret null: %s", rep.raw)
	}
	cloudDo(t, srv, "PUT", escaped, bearer("admin"), `{"secret":"again"}`).wantStatus(t, 200)
	rep = cloudDo(t, srv, "PUT", escaped, bearer("admin"), `{"secret":""}`)
	if rep.body["secret_set"] != false || secretOf() != "" {
		t.Errorf(`secret "": %s`, rep.raw)
	}
	cloudDo(t, srv, "PUT", escaped, bearer("admin"), `{"events":[]}`).wantCloudError(t, 400)

	// Created with an empty secret: none.
	rep = cloudDo(t, srv, "POST", hooks, bearer("admin"), `{"url":"https://ci.example.com/2","events":["repo:push"],"secret":""}`)
	if rep.status != 201 || rep.body["secret_set"] != false || rep.body["active"] != true {
		t.Errorf("create with empty secret: %s", rep.raw)
	}

	rep = cloudDo(t, srv, "DELETE", escaped, bearer("admin"), "")
	rep.wantStatus(t, 204)
	if len(rep.raw) != 0 {
		t.Errorf("204 with a body: %s", rep.raw)
	}
	cloudDo(t, srv, "GET", escaped, bearer("admin"), "").wantCloudError(t, 404)
	cloudDo(t, srv, "DELETE", escaped, bearer("admin"), "").wantCloudError(t, 404)
	if n := len(srv.Hooks(ref)); n != 1 {
		t.Errorf("%d hooks left, want 1", n)
	}
}

func TestCloudRemovedEndpoints(t *testing.T) {
	srv := newCloudFixture(t, 1)
	cloudDo(t, srv, "GET", "/repositories/ws", bearer("tok"), "").wantStatus(t, 200)
	if srv.RemovedEndpointHits() != 0 {
		t.Fatal("a current endpoint counted as removed")
	}
	for i, p := range []string{"/repositories", "/workspaces?role=member", "/user/permissions/repositories", "/user/permissions/workspaces"} {
		rep := cloudDo(t, srv, "GET", p, bearer("tok"), "")
		rep.wantCloudError(t, 410)
		if str(rep.body, "error.message") != "CHANGE-2770 - Functionality has been deprecated" ||
			str(rep.body, "error.data.announcement_url") != "https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770" {
			t.Errorf("%s: %s", p, rep.raw)
		}
		if got := srv.RemovedEndpointHits(); got != i+1 {
			t.Errorf("RemovedEndpointHits %d, want %d", got, i+1)
		}
	}
}

func TestCloudRateLimitWithoutRetryAfter(t *testing.T) {
	srv := newCloudFixture(t, 1)
	srv.RateLimitNext(1, 0)
	rep := cloudDo(t, srv, "GET", "/repositories/ws", bearer("tok"), "")
	rep.wantStatus(t, 429)
	if rep.header.Get("Retry-After") != "" || !strings.HasPrefix(rep.header.Get("Content-Type"), "text/plain") {
		t.Errorf("429 headers: %v", rep.header)
	}
	cloudDo(t, srv, "GET", "/repositories/ws", bearer("tok"), "").wantStatus(t, 200)
	srv.FailNext(1, 503)
	cloudDo(t, srv, "GET", "/repositories/ws", bearer("tok"), "").wantCloudError(t, 503)
	if n := srv.Requests("GET", "/repositories/ws"); n != 3 {
		t.Errorf("Requests = %d, want 3", n)
	}
}
