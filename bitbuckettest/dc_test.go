package bitbuckettest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// dcFixture is a Data Center fake with alice (admin on PROJ), bob (write on PROJ/app) and a public
// project PUB.
func dcFixture(t *testing.T) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	s.AddUser(User{Username: "alice", DisplayName: "Alice A", Email: "alice@example.com"})
	s.AddUser(User{Username: "bob"})
	s.AddToken("alice-tok", "alice")
	s.AddToken("bob-tok", "bob")
	s.AddNamespace(Namespace{Key: "PROJ", Name: "Project One"})
	s.AddRepository(Repository{Namespace: "PROJ", Slug: "app", Name: "App"})
	s.AddRepository(Repository{Namespace: "PROJ", Slug: "lib", Name: "Library"})
	s.AddRepository(Repository{Namespace: "PROJ", Slug: "old", Name: "Old App", Archived: true})
	s.AddNamespace(Namespace{Key: "PUB", Name: "Public", Public: true})
	s.AddRepository(Repository{Namespace: "PUB", Slug: "docs", Name: "Docs"})
	s.AddNamespace(Namespace{Key: "SECRET", Name: "Secret"})
	s.AddRepository(Repository{Namespace: "SECRET", Slug: "vault", Name: "Vault"})
	s.Grant("alice", bitbucket.RepoRef{Namespace: "PROJ"}, bitbucket.PermissionAdmin)
	s.Grant("bob", bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}, bitbucket.PermissionWrite)
	return s
}

type dcResp struct {
	status int
	header http.Header
	body   []byte
}

// dcDo sends method path (relative to the fake's URL) with a Bearer token, unless tok is empty.
func dcDo(t *testing.T, s *Server, method, tok, path string, body any) dcResp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return dcResp{resp.StatusCode, resp.Header, b}
}

func decodeInto[T any](t *testing.T, r dcResp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

type testPage struct {
	Size          int               `json:"size"`
	Limit         int               `json:"limit"`
	IsLastPage    bool              `json:"isLastPage"`
	Start         int               `json:"start"`
	NextPageStart *int              `json:"nextPageStart"`
	Values        []json.RawMessage `json:"values"`
}

type testRepo struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Archived bool   `json:"archived"`
	Public   bool   `json:"public"`
	Project  struct {
		Key  string `json:"key"`
		Type string `json:"type"`
	} `json:"project"`
	Links struct {
		Clone []struct{ Href, Name string } `json:"clone"`
	} `json:"links"`
}

type testErrors struct {
	Errors []struct {
		Context       *string `json:"context"`
		Message       string  `json:"message"`
		ExceptionName *string `json:"exceptionName"`
	} `json:"errors"`
}

// exceptionOf returns the first exceptionName of a Data Center error body, "" when it is null.
func exceptionOf(t *testing.T, r dcResp) string {
	t.Helper()
	e := decodeInto[testErrors](t, r)
	if len(e.Errors) == 0 || e.Errors[0].Message == "" {
		t.Fatalf("not a Data Center error envelope: %s", r.body)
	}
	if e.Errors[0].ExceptionName == nil {
		return ""
	}
	return *e.Errors[0].ExceptionName
}

func repoSlugs(t *testing.T, p testPage) []string {
	t.Helper()
	var out []string
	for _, v := range p.Values {
		var r testRepo
		if err := json.Unmarshal(v, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Project.Key+"/"+r.Slug)
	}
	return out
}

func TestDCPagingFollowsNextPageStart(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddUser(User{Username: "alice"})
	s.AddToken("tok", "alice")
	s.AddRepositories("BIG", "r", 61)
	s.Grant("alice", bitbucket.RepoRef{Namespace: "BIG"}, bitbucket.PermissionRead)
	s.SetPageLimit(7)

	seen := map[string]int{}
	start, pages, skipped := 0, 0, false
	for {
		r := dcDo(t, s, "GET", "tok", fmt.Sprintf("/rest/api/1.0/repos?limit=1000&start=%d", start), nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		p := decodeInto[testPage](t, r)
		if p.Limit != 7 || p.Size != len(p.Values) || p.Size > 7 {
			t.Fatalf("page: limit %d size %d values %d", p.Limit, p.Size, len(p.Values))
		}
		for _, slug := range repoSlugs(t, p) {
			seen[slug]++
		}
		pages++
		if p.IsLastPage {
			if p.NextPageStart != nil {
				t.Fatalf("last page has nextPageStart %d", *p.NextPageStart)
			}
			break
		}
		if p.NextPageStart == nil || pages > 20 {
			t.Fatalf("page %d: no nextPageStart or too many pages", pages)
		}
		skipped = skipped || *p.NextPageStart != p.Start+p.Limit
		start = *p.NextPageStart
	}
	if len(seen) != 61 || pages != 9 {
		t.Fatalf("saw %d repos in %d pages, want 61 in 9", len(seen), pages)
	}
	for slug, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", slug, n)
		}
	}
	if !skipped {
		t.Error("nextPageStart always equalled start+limit: the non-contiguous quirk is not exercised")
	}

	// A client that computes start+limit itself sees repositories twice.
	first := repoSlugs(t, decodeInto[testPage](t, dcDo(t, s, "GET", "tok", "/rest/api/1.0/repos?start=0", nil)))
	second := repoSlugs(t, decodeInto[testPage](t, dcDo(t, s, "GET", "tok", "/rest/api/1.0/repos?start=7", nil)))
	if !slices.ContainsFunc(second, func(x string) bool { return slices.Contains(first, x) }) {
		t.Error("start=start+limit gave no overlap; the fake no longer punishes computed starts")
	}
}

func TestDCDefaultAndCappedLimit(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddUser(User{Username: "alice"})
	s.AddToken("tok", "alice")
	s.AddRepositories("BIG", "r", 30)
	s.Grant("alice", bitbucket.RepoRef{Namespace: "BIG"}, bitbucket.PermissionRead)

	p := decodeInto[testPage](t, dcDo(t, s, "GET", "tok", "/rest/api/1.0/repos", nil))
	if p.Limit != 25 || len(p.Values) != 25 || p.IsLastPage {
		t.Fatalf("default page: limit %d, %d values, last %v", p.Limit, len(p.Values), p.IsLastPage)
	}
	p = decodeInto[testPage](t, dcDo(t, s, "GET", "tok", "/rest/api/latest/repos?limit=5000", nil))
	if p.Limit != 1000 || len(p.Values) != 30 || !p.IsLastPage {
		t.Fatalf("capped page: limit %d, %d values, last %v", p.Limit, len(p.Values), p.IsLastPage)
	}
	p = decodeInto[testPage](t, dcDo(t, s, "GET", "tok", "/rest/api/1.0/repos?start=9223372036854775807", nil))
	if len(p.Values) != 0 || !p.IsLastPage {
		t.Fatalf("start past the end: %d values, last %v", len(p.Values), p.IsLastPage)
	}
	r := dcDo(t, s, "GET", "tok", "/rest/api/1.0/repos?limit=abc", nil)
	if r.status != http.StatusBadRequest {
		t.Fatalf("limit=abc: status %d", r.status)
	}
}

func TestDCPagingQuirks(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddUser(User{Username: "alice"})
	s.AddToken("tok", "alice")
	s.AddRepositories("BIG", "r", 3)
	s.Grant("alice", bitbucket.RepoRef{Namespace: "BIG"}, bitbucket.PermissionRead)

	s.SetPagingQuirk(PagingStalled)
	p := decodeInto[testPage](t, dcDo(t, s, "GET", "tok", "/rest/api/1.0/repos?limit=2&start=4", nil))
	if p.IsLastPage || p.NextPageStart == nil || *p.NextPageStart != 4 {
		t.Fatalf("stalled: last %v next %v", p.IsLastPage, p.NextPageStart)
	}
	s.SetPagingQuirk(PagingMissingNext)
	p = decodeInto[testPage](t, dcDo(t, s, "GET", "tok", "/rest/api/1.0/repos?limit=2&start=4", nil))
	if p.IsLastPage || p.NextPageStart != nil {
		t.Fatalf("missing next: last %v next %v", p.IsLastPage, p.NextPageStart)
	}
	s.SetPagingQuirk(PagingNormal)
	p = decodeInto[testPage](t, dcDo(t, s, "GET", "tok", "/rest/api/1.0/repos?limit=2&start=4", nil))
	if !p.IsLastPage || p.NextPageStart != nil || len(p.Values) != 1 {
		t.Fatalf("normal: last %v next %v values %d", p.IsLastPage, p.NextPageStart, len(p.Values))
	}
}

func TestDCRepoFilters(t *testing.T) {
	s := dcFixture(t)
	tests := []struct {
		name, tok, query string
		want             []string
	}{
		{"visible active", "alice-tok", "", []string{"PROJ/app", "PROJ/lib", "PUB/docs"}},
		{"name substring, any case", "alice-tok", "name=APP", []string{"PROJ/app"}},
		{"name is not slug", "alice-tok", "name=library", []string{"PROJ/lib"}},
		{"projectkey", "alice-tok", "projectkey=PUB", []string{"PUB/docs"}},
		{"projectname", "alice-tok", "projectname=one", []string{"PROJ/app", "PROJ/lib"}},
		{"admin", "alice-tok", "permission=REPO_ADMIN", []string{"PROJ/app", "PROJ/lib"}},
		{"archived", "alice-tok", "archived=ARCHIVED", []string{"PROJ/old"}},
		{"all", "alice-tok", "archived=ALL&projectkey=PROJ", []string{"PROJ/app", "PROJ/lib", "PROJ/old"}},
		{"public", "alice-tok", "visibility=public", []string{"PUB/docs"}},
		{"private", "alice-tok", "visibility=private", []string{"PROJ/app", "PROJ/lib"}},
		{"bob write", "bob-tok", "permission=REPO_WRITE", []string{"PROJ/app"}},
		{"bob admin", "bob-tok", "permission=REPO_ADMIN", nil},
		{"anonymous sees public", "", "", []string{"PUB/docs"}},
		{"anonymous with permission gets nothing", "", "permission=REPO_READ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := dcDo(t, s, "GET", tt.tok, "/rest/api/1.0/repos?"+tt.query, nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if got := repoSlugs(t, decodeInto[testPage](t, r)); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, q := range []string{"permission=PROJECT_ADMIN", "visibility=secret", "archived=SOME"} {
		if r := dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/repos?"+q, nil); r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, r.status)
		}
	}

	// Before 8.0 the projectkey and archived filters do not exist and are ignored.
	s.SetVersion("7.21.0")
	r := dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/repos?projectkey=PUB", nil)
	if got := repoSlugs(t, decodeInto[testPage](t, r)); len(got) != 4 {
		t.Fatalf("7.21 with projectkey: got %v, want every visible repo", got)
	}
}

func TestDCRepositoryShapeAndErrors(t *testing.T) {
	s := dcFixture(t)
	r := dcDo(t, s, "GET", "bob-tok", "/rest/api/1.0/projects/PROJ/repos/app", nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	repo := decodeInto[testRepo](t, r)
	if repo.Slug != "app" || repo.Name != "App" || repo.Project.Key != "PROJ" || repo.Project.Type != "NORMAL" {
		t.Fatalf("repo %+v", repo)
	}
	var clones []string
	for _, c := range repo.Links.Clone {
		clones = append(clones, c.Name+" "+c.Href)
	}
	if !slices.Contains(clones, "http "+s.URL()+"/scm/proj/app.git") {
		t.Errorf("clone links %v", clones)
	}

	cases := []struct {
		path, tok string
		status    int
		exception string
	}{
		{"/rest/api/1.0/projects/NOPE/repos/app", "bob-tok", 404, "NoSuchProjectException"},
		{"/rest/api/1.0/projects/PROJ/repos/nope", "bob-tok", 404, "NoSuchRepositoryException"},
		{"/rest/api/1.0/projects/PROJ/repos/lib", "bob-tok", 401, "AuthorisationException"},
		{"/rest/api/1.0/projects/SECRET/repos", "bob-tok", 401, "AuthorisationException"},
		{"/rest/api/1.0/projects/NOPE/repos", "bob-tok", 404, "NoSuchProjectException"},
		{"/rest/api/1.0/users/nobody", "bob-tok", 404, "NoSuchUserException"},
		{"/rest/api/1.0/no/such/thing", "bob-tok", 404, "NoSuchResourceException"},
	}
	for _, c := range cases {
		r := dcDo(t, s, "GET", c.tok, c.path, nil)
		if r.status != c.status || !strings.HasSuffix(exceptionOf(t, r), c.exception) {
			t.Errorf("%s: %d %s, want %d %s", c.path, r.status, r.body, c.status, c.exception)
		}
	}

	// bob sees the project through his grant on one repository, and lists only that repository.
	r = dcDo(t, s, "GET", "bob-tok", "/rest/api/1.0/projects/proj/repos", nil)
	if got := repoSlugs(t, decodeInto[testPage](t, r)); !slices.Equal(got, []string{"PROJ/app"}) {
		t.Fatalf("bob's PROJ repos: %v", got)
	}
	r = dcDo(t, s, "GET", "bob-tok", "/rest/api/1.0/projects/PROJ/repos/app/default-branch", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"id":"refs/heads/main"`) {
		t.Fatalf("default branch: %d %s", r.status, r.body)
	}
}

func TestDCProjects(t *testing.T) {
	s := dcFixture(t)
	s.AddRepository(Repository{Namespace: "~bob", Slug: "mine"})
	s.AddRepository(Repository{Namespace: "~carol", Slug: "hers", Public: true})
	keys := func(r dcResp) []string {
		var out []string
		for _, v := range decodeInto[testPage](t, r).Values {
			var p struct{ Key, Type string }
			if err := json.Unmarshal(v, &p); err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Key+":"+p.Type)
		}
		return out
	}
	if got := keys(dcDo(t, s, "GET", "bob-tok", "/rest/api/1.0/projects", nil)); !slices.Equal(got,
		[]string{"PROJ:NORMAL", "PUB:NORMAL", "~bob:PERSONAL"}) {
		t.Errorf("bob's projects: %v", got)
	}
	if got := keys(dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/projects?name=ONE", nil)); !slices.Equal(got,
		[]string{"PROJ:NORMAL"}) {
		t.Errorf("alice's projects named one: %v", got)
	}
	if got := keys(dcDo(t, s, "GET", "bob-tok", "/rest/api/1.0/projects?permission=PROJECT_ADMIN", nil)); len(got) != 0 {
		t.Errorf("bob's admin projects: %v", got)
	}
}

func TestDCAuthentication(t *testing.T) {
	s := dcFixture(t)

	r := dcDo(t, s, "GET", "wrong", "/rest/api/1.0/repos", nil)
	if r.status != http.StatusUnauthorized || !strings.HasSuffix(exceptionOf(t, r), "AuthenticationException") ||
		r.header.Get("X-AUSERNAME") != "anonymous" {
		t.Fatalf("bad token: %d %v %s", r.status, r.header, r.body)
	}
	// Bad credentials fail even where none are needed.
	if r := dcDo(t, s, "GET", "wrong", "/rest/api/1.0/application-properties", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("bad token on application-properties: %d", r.status)
	}

	basic := func(user, pass, path string) (*http.Response, string) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+path, nil)
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := basic("alice", "alice-tok", "/plugins/servlet/applinks/whoami")
	if resp.StatusCode != 200 || body != "alice" || resp.Header.Get("X-AUSERNAME") != "alice" || resp.Header.Get("X-AUSERID") == "" {
		t.Fatalf("whoami with basic: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp, _ := basic("bob", "alice-tok", "/rest/api/1.0/repos"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("basic with another user's token: %d", resp.StatusCode)
	}
	r = dcDo(t, s, "GET", "", "/plugins/servlet/applinks/whoami", nil)
	if r.status != http.StatusUnauthorized || r.header.Get("X-AUSERNAME") != "anonymous" {
		t.Fatalf("anonymous whoami: %d %v", r.status, r.header)
	}

	r = dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/users/alice", nil)
	u := decodeInto[struct {
		ID                                    int
		Name, Slug, DisplayName, EmailAddress string
		Type                                  string
		Active                                bool
	}](t, r)
	if u.ID == 0 || u.Slug != "alice" || u.DisplayName != "Alice A" || u.EmailAddress != "alice@example.com" ||
		u.Type != "NORMAL" || !u.Active || r.header.Get("X-AUSERID") != fmt.Sprint(u.ID) {
		t.Fatalf("user %+v, X-AUSERID %q", u, r.header.Get("X-AUSERID"))
	}
}

func TestDCApplicationProperties(t *testing.T) {
	s := dcFixture(t)
	props := func() map[string]string {
		r := dcDo(t, s, "GET", "", "/rest/api/1.0/application-properties", nil)
		if r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		return decodeInto[map[string]string](t, r)
	}
	if p := props(); p["version"] != "9.4.3" || p["displayName"] != "Bitbucket" || p["buildNumber"] != "9004003" {
		t.Fatalf("properties %v", p)
	}
	s.SetVersion("6.10.2")
	if p := props(); p["version"] != "6.10.2" || p["buildNumber"] != "6010002" {
		t.Fatalf("properties after SetVersion %v", p)
	}
}

func TestDCTokenScopesCapPermission(t *testing.T) {
	s := dcFixture(t)
	s.AddToken("alice-read", "alice", "PROJECT_READ", "REPO_READ")
	r := dcDo(t, s, "GET", "alice-read", "/rest/api/1.0/projects/PROJ/repos/app/webhooks", nil)
	if r.status != http.StatusUnauthorized || !strings.HasSuffix(exceptionOf(t, r), "AuthorisationException") {
		t.Fatalf("read-only token on webhooks: %d %s", r.status, r.body)
	}
	if r := dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/projects/PROJ/repos/app/webhooks", nil); r.status != 200 {
		t.Fatalf("unscoped token on webhooks: %d %s", r.status, r.body)
	}
}

type testHook struct {
	ID                      int               `json:"id"`
	Name                    string            `json:"name"`
	CreatedDate             int64             `json:"createdDate"`
	UpdatedDate             int64             `json:"updatedDate"`
	Events                  []string          `json:"events"`
	Configuration           map[string]string `json:"configuration"`
	URL                     string            `json:"url"`
	Active                  bool              `json:"active"`
	ScopeType               string            `json:"scopeType"`
	SSLVerificationRequired bool              `json:"sslVerificationRequired"`
}

func TestDCWebhooksNeedRepoAdmin(t *testing.T) {
	s := dcFixture(t)
	base := "/rest/api/1.0/projects/PROJ/repos/app/webhooks"
	hook := map[string]any{"name": "ci", "url": "https://ci.example.com/hook", "events": []string{"repo:refs_changed"}}
	for _, c := range []struct{ method, path, tok string }{
		{"GET", base, "bob-tok"}, {"POST", base, "bob-tok"}, {"GET", base, ""},
		{"GET", base + "/1", "bob-tok"}, {"PUT", base + "/1", "bob-tok"}, {"DELETE", base + "/1", "bob-tok"},
	} {
		r := dcDo(t, s, c.method, c.tok, c.path, hook)
		if r.status != http.StatusUnauthorized || exceptionOf(t, r) != "com.atlassian.bitbucket.AuthorisationException" {
			t.Errorf("%s %s as %q: %d %s", c.method, c.path, c.tok, r.status, r.body)
		}
	}
	if len(s.Hooks(bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"})) != 0 {
		t.Fatal("a refused create stored a hook")
	}
}

func TestDCWebhookCRUD(t *testing.T) {
	s := dcFixture(t)
	ref := bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}
	base := "/rest/api/1.0/projects/PROJ/repos/app/webhooks"

	r := dcDo(t, s, "POST", "alice-tok", base, map[string]any{
		"name": "ci", "url": "https://ci.example.com/hook", "events": []string{"repo:refs_changed", "pr:opened"},
		"configuration": map[string]any{"secret": "s3cret"},
	})
	if r.status != http.StatusOK {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	h := decodeInto[testHook](t, r)
	if h.ID == 0 || h.Name != "ci" || !h.Active || h.CreatedDate == 0 || h.UpdatedDate != h.CreatedDate ||
		h.Configuration["secret"] != "s3cret" || h.Configuration["createdBy"] != "bitbucket" ||
		h.ScopeType != "repository" || !h.SSLVerificationRequired ||
		!slices.Equal(h.Events, []string{"repo:refs_changed", "pr:opened"}) {
		t.Fatalf("created %+v", h)
	}
	id := fmt.Sprint(h.ID)

	got := decodeInto[testHook](t, dcDo(t, s, "GET", "alice-tok", base+"/"+id, nil))
	if got.ID != h.ID || got.URL != "https://ci.example.com/hook" {
		t.Fatalf("get %+v", got)
	}
	p := decodeInto[testPage](t, dcDo(t, s, "GET", "alice-tok", base, nil))
	if len(p.Values) != 1 || !p.IsLastPage {
		t.Fatalf("list %+v", p)
	}
	if p := decodeInto[testPage](t, dcDo(t, s, "GET", "alice-tok", base+"?event=pr:merged", nil)); len(p.Values) != 0 {
		t.Fatalf("list by unsubscribed event: %d hooks", len(p.Values))
	}

	r = dcDo(t, s, "PUT", "alice-tok", base+"/"+id, map[string]any{"active": false, "events": []string{"pr:merged"}})
	upd := decodeInto[testHook](t, r)
	if r.status != 200 || upd.Active || upd.Name != "ci" || upd.Configuration["secret"] != "s3cret" ||
		!slices.Equal(upd.Events, []string{"pr:merged"}) || upd.UpdatedDate <= upd.CreatedDate {
		t.Fatalf("update: %d %+v", r.status, upd)
	}
	hooks := s.Hooks(ref)
	if len(hooks) != 1 || hooks[0].Active || hooks[0].Secret != "s3cret" || hooks[0].Description != "ci" ||
		hooks[0].ID != id || !slices.Equal(hooks[0].Events, []string{"pr:merged"}) {
		t.Fatalf("stored %+v", hooks)
	}

	for name, body := range map[string]map[string]any{
		"unknown event": {"name": "x", "url": "https://x.example.com", "events": []string{"repo:nope"}},
		"no events":     {"name": "x", "url": "https://x.example.com", "events": []string{}},
		"relative url":  {"name": "x", "url": "/hook", "events": []string{"pr:opened"}},
		"no name":       {"url": "https://x.example.com", "events": []string{"pr:opened"}},
		"ping":          {"name": "x", "url": "https://x.example.com", "events": []string{"diagnostics:ping"}},
	} {
		r := dcDo(t, s, "POST", "alice-tok", base, body)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		} else {
			exceptionOf(t, r)
		}
	}

	if r := dcDo(t, s, "DELETE", "alice-tok", base+"/"+id, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	r = dcDo(t, s, "GET", "alice-tok", base+"/"+id, nil)
	if r.status != http.StatusNotFound || !strings.HasSuffix(exceptionOf(t, r), "NoSuchWebhookException") {
		t.Fatalf("get deleted: %d %s", r.status, r.body)
	}
	if len(s.Hooks(ref)) != 0 {
		t.Fatal("hook still stored after delete")
	}
}

func TestDCWebhookEventsDependOnVersion(t *testing.T) {
	s := dcFixture(t)
	body := map[string]any{"name": "ci", "url": "https://ci.example.com", "events": []string{"pr:from_ref_updated"}}
	base := "/rest/api/1.0/projects/PROJ/repos/app/webhooks"
	s.SetVersion("6.10.0")
	if r := dcDo(t, s, "POST", "alice-tok", base, body); r.status != http.StatusBadRequest {
		t.Fatalf("pr:from_ref_updated on 6.10: %d %s", r.status, r.body)
	}
	s.SetVersion("7.0.0")
	if r := dcDo(t, s, "POST", "alice-tok", base, body); r.status != http.StatusOK {
		t.Fatalf("pr:from_ref_updated on 7.0: %d %s", r.status, r.body)
	}
}

func TestDCFaultsAndCounts(t *testing.T) {
	s := dcFixture(t)
	s.FailNext(1, http.StatusInternalServerError)
	r := dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/repos", nil)
	if r.status != 500 {
		t.Fatalf("injected failure: %d", r.status)
	}
	exceptionOf(t, r)
	if r := dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/repos", nil); r.status != 200 {
		t.Fatalf("after the failure: %d", r.status)
	}

	s.RateLimitNext(1, 3*time.Second)
	r = dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/repos", nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "3" {
		t.Fatalf("rate limit: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	exceptionOf(t, r)

	s.FailNextMatching(1, http.StatusBadGateway, "/webhooks")
	if r := dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/repos", nil); r.status != 200 {
		t.Fatalf("non-matching path hit the fault: %d", r.status)
	}
	if r := dcDo(t, s, "GET", "alice-tok", "/rest/api/1.0/projects/PROJ/repos/app/webhooks", nil); r.status != 502 {
		t.Fatalf("matching path: %d", r.status)
	}

	// A fresh connection: net/http silently retries an idempotent request that failed on a reused one.
	s.ResetNext(1)
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+"/rest/api/1.0/repos", nil)
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("reset: got status %d, want a transport error", resp.StatusCode)
	}

	if n := s.Requests("GET", "/rest/api/1.0/repos"); n != 5 {
		t.Fatalf("Requests(GET repos) = %d, want 5; log %v", n, s.RequestLog())
	}
	if n := s.TotalRequests(); n != 6 {
		t.Fatalf("TotalRequests = %d, want 6", n)
	}
}

// receiver is a loopback webhook endpoint that records deliveries and answers with the statuses
// queued in fail, then 200.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	got   []delivered
	fails []int
}

type delivered struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, fails ...int) *receiver {
	rc := &receiver{fails: fails}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.got = append(rc.got, delivered{r.Header.Clone(), b})
		if len(rc.fails) > 0 {
			w.WriteHeader(rc.fails[0])
			rc.fails = rc.fails[1:]
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) deliveries() []delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// addHook creates a webhook through the API, as a client would.
func addHook(t *testing.T, s *Server, url, secret string, active bool, events ...string) {
	t.Helper()
	r := dcDo(t, s, "POST", "alice-tok", "/rest/api/1.0/projects/PROJ/repos/app/webhooks", map[string]any{
		"name": "hook", "url": url, "events": events, "active": active,
		"configuration": map[string]any{"secret": secret}})
	if r.status != 200 {
		t.Fatalf("create hook: %d %s", r.status, r.body)
	}
}

func TestDCPushDelivery(t *testing.T) {
	s := dcFixture(t)
	ref := bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}
	signed := newReceiver(t)
	inactive := newReceiver(t)
	unsubscribed := newReceiver(t)
	addHook(t, s, signed.URL+"/hook", "topsecret", true, "repo:refs_changed")
	addHook(t, s, inactive.URL, "x", false, "repo:refs_changed")
	addHook(t, s, unsubscribed.URL, "x", true, "pr:opened")

	to := strings.Repeat("a", 40)
	err := s.Push(t.Context(), ref, PushEvent{Actor: "bob", Changes: []RefChange{
		{Ref: "refs/heads/main", Type: "UPDATE", FromHash: strings.Repeat("b", 40), ToHash: to},
		{Ref: "refs/tags/v1", Type: "ADD", ToHash: to},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(inactive.deliveries()) + len(unsubscribed.deliveries()); n != 0 {
		t.Fatalf("%d deliveries to inactive or unsubscribed hooks", n)
	}
	got := signed.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	d := got[0]
	mac := hmac.New(sha256.New, []byte("topsecret"))
	mac.Write(d.body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); d.header.Get("X-Hub-Signature") != want {
		t.Fatalf("signature %q, want %q", d.header.Get("X-Hub-Signature"), want)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if d.header.Get("X-Event-Key") != "repo:refs_changed" || !uuid.MatchString(d.header.Get("X-Request-Id")) ||
		!strings.HasPrefix(d.header.Get("Content-Type"), "application/json") {
		t.Fatalf("headers %v", d.header)
	}
	var payload struct {
		EventKey string `json:"eventKey"`
		Date     string `json:"date"`
		Actor    struct{ Slug string }
		Repo     testRepo `json:"repository"`
		Changes  []struct {
			Ref                     struct{ ID, DisplayID, Type string }
			RefID, FromHash, ToHash string
			Type                    string
		}
	}
	if err := json.Unmarshal(d.body, &payload); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z0700", payload.Date); err != nil || strings.Contains(payload.Date, "+01:00") {
		t.Errorf("date %q: %v", payload.Date, err)
	}
	if payload.EventKey != "repo:refs_changed" || payload.Actor.Slug != "bob" || payload.Repo.Slug != "app" ||
		payload.Repo.Project.Key != "PROJ" || len(payload.Changes) != 2 {
		t.Fatalf("payload %s", d.body)
	}
	if c := payload.Changes[1]; c.Ref.ID != "refs/tags/v1" || c.Ref.DisplayID != "v1" || c.Ref.Type != "TAG" ||
		c.FromHash != zeroHash || c.ToHash != to || c.Type != "ADD" {
		t.Fatalf("tag change %+v", c)
	}
	if c := payload.Changes[0]; c.Ref.DisplayID != "main" || c.Ref.Type != "BRANCH" || c.Type != "UPDATE" {
		t.Fatalf("branch change %+v", c)
	}

	if err := s.Push(t.Context(), ref, PushEvent{Changes: []RefChange{{Ref: "main", Type: "UPDATE"}}}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Fatalf("short ref name: %v", err)
	}
}

func TestDCDeliveryDoesNotFollowRedirects(t *testing.T) {
	target := newReceiver(t)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	s := dcFixture(t)
	addHook(t, s, redirect.URL, "", true, "repo:refs_changed")
	err := s.Push(t.Context(), bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"},
		PushEvent{Changes: []RefChange{{Ref: "refs/heads/main", Type: "DELETE", FromHash: strings.Repeat("c", 40)}}})
	if err == nil || len(target.deliveries()) != 0 {
		t.Fatalf("redirect: err %v, %d deliveries to the redirect target", err, len(target.deliveries()))
	}
}

func TestDCPing(t *testing.T) {
	s := dcFixture(t)
	rc := newReceiver(t)
	addHook(t, s, rc.URL, "k", true, "pr:opened")
	addHook(t, s, rc.URL, "k", false, "pr:opened")
	if err := s.Ping(context.Background(), bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}); err != nil {
		t.Fatal(err)
	}
	got := rc.deliveries()
	if len(got) != 1 || got[0].header.Get("X-Event-Key") != "diagnostics:ping" {
		t.Fatalf("ping deliveries %d", len(got))
	}
}
