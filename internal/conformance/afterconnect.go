package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// RunAfterConnect runs the table for what a product does after connecting (the v0.2 methods):
// branches, files, commit statuses, git credentials, permissions of many repositories, EventPing
// left out of subscriptions, and hooks inherited from the namespace.
func RunAfterConnect(t *testing.T, h Harness) {
	t.Run("branches", func(t *testing.T) { testBranches(t, h) })
	t.Run("branches resume from cursor", func(t *testing.T) { testBranchesResume(t, h) })
	t.Run("file at a ref", func(t *testing.T) { testGetFile(t, h) })
	t.Run("commit status upsert", func(t *testing.T) { testCommitStatus(t, h) })
	t.Run("git credentials", func(t *testing.T) { testGitCredentials(t, h) })
	t.Run("permissions of many repositories", func(t *testing.T) { testRepositoryPermissions(t, h) })
	t.Run("ping is never subscribed", func(t *testing.T) { testPingLeftOut(t, h) })
	t.Run("inherited hooks", func(t *testing.T) { testInheritedHooks(t, h) })
	t.Run("admin as the token sees it", func(t *testing.T) { testLimitedToken(t, h) })
}

var hexCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)

func firstRepo(f *fixture) bitbucket.RepoRef {
	return bitbucket.RepoRef{Namespace: f.ns, Slug: "repo-00001"}
}

func testBranches(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	repo := firstRepo(f)
	f.srv.AddBranches(repo, "feature", 30)
	head := f.srv.Head(repo, "main")
	branches, err := bitbucket.Collect(f.reader.ListBranches(t.Context(), repo, bitbucket.ListBranchesOptions{PageSize: 7}))
	if err != nil || len(branches) != 31 {
		t.Fatalf("ListBranches = %d branches, %v; want 31", len(branches), err)
	}
	defaults := 0
	seen := map[string]bool{}
	for _, b := range branches {
		if seen[b.Name] {
			t.Errorf("branch %s listed twice", b.Name)
		}
		seen[b.Name] = true
		if !hexCommit.MatchString(b.Commit) {
			t.Errorf("branch %s: commit %q is not a full hash", b.Name, b.Commit)
		}
		if b.Default {
			defaults++
			if b.Name != "main" || b.Commit != head {
				t.Errorf("default branch = %+v, want main at %s", *b, head)
			}
		}
		if strings.HasPrefix(b.Name, "refs/") {
			t.Errorf("branch name %q is not the short name", b.Name)
		}
	}
	if defaults != 1 {
		t.Errorf("%d branches marked Default, want exactly 1", defaults)
	}
	got, err := bitbucket.Collect(f.reader.ListBranches(t.Context(), repo, bitbucket.ListBranchesOptions{Query: "FEATURE-0001"}))
	if err != nil || len(got) != 10 {
		t.Errorf("Query FEATURE-0001 = %d branches, %v; want the 10 of feature-00010..19", len(got), err)
	}
	for _, b := range got {
		if !strings.Contains(b.Name, "feature-0001") {
			t.Errorf("Query matched %s", b.Name)
		}
	}
	if _, err := bitbucket.Collect(f.stranger.ListBranches(t.Context(), repo, bitbucket.ListBranchesOptions{})); !errors.Is(err, bitbucket.ErrNotFound) && !errors.Is(err, bitbucket.ErrForbidden) {
		t.Errorf("stranger listing branches: %v, want ErrNotFound or ErrForbidden", err)
	}
}

func testBranchesResume(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	repo := firstRepo(f)
	f.srv.AddBranches(repo, "b", 24)
	page, err := f.reader.ListBranchesPage(t.Context(), repo, bitbucket.ListBranchesOptions{PageSize: 10})
	if err != nil || len(page.Items) != 10 || page.Next == "" {
		t.Fatalf("first page: %d items, next %q, %v", len(page.Items), page.Next, err)
	}
	// Another replica resumes from the cursor alone.
	other, err := h.Connect(f.srv, readerToken)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := bitbucket.Collect(other.ListBranches(t.Context(), repo, bitbucket.ListBranchesOptions{Cursor: page.Next}))
	if err != nil {
		t.Fatal(err)
	}
	all := append(page.Items, rest...)
	names := map[string]bool{}
	for _, b := range all {
		names[b.Name] = true
	}
	if len(all) != 25 || len(names) != 25 {
		t.Errorf("resumed listing: %d branches, %d distinct; want 25", len(all), len(names))
	}
	if _, err := f.reader.ListBranchesPage(t.Context(), repo, bitbucket.ListBranchesOptions{Cursor: "not-a-cursor"}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("forged cursor: %v, want ErrInvalidInput", err)
	}
}

func testGetFile(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	repo := firstRepo(f)
	ctx := t.Context()
	v1 := []byte("steps:\n  - run: make test\n")
	first := f.srv.PutFile(repo, "main", ".ci/build.yml", v1)
	f.srv.AddTag(repo, "v1.0", "main")
	v2 := []byte("steps:\n  - run: make ci\n")
	f.srv.PutFile(repo, "main", ".ci/build.yml", v2)
	f.srv.PutFile(repo, "feature/slashes", "dir with space/ünï.txt", []byte("odd path"))
	for _, c := range []struct {
		ref, path string
		want      []byte
	}{
		{"main", ".ci/build.yml", v2},
		{first, ".ci/build.yml", v1},
		{"v1.0", ".ci/build.yml", v1},
		{"feature/slashes", "dir with space/ünï.txt", []byte("odd path")},
	} {
		got, err := f.reader.GetFile(ctx, repo, c.ref, c.path)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("GetFile(%s, %s) = %q, %v; want %q", c.ref, c.path, got, err, c.want)
		}
	}
	if _, err := f.reader.GetFile(ctx, repo, "main", "missing.yml"); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("missing path: %v, want ErrNotFound", err)
	}
	if _, err := f.reader.GetFile(ctx, repo, "no-such-branch", ".ci/build.yml"); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("missing ref: %v, want ErrNotFound", err)
	}
	before := f.srv.TotalRequests()
	for _, p := range []string{"../../etc/passwd", "a/../b", "./x", "", "a//b"} {
		if _, err := f.reader.GetFile(ctx, repo, "main", p); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("path %q: %v, want ErrInvalidInput", p, err)
		}
	}
	if _, err := f.reader.GetFile(ctx, repo, "", ".ci/build.yml"); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("empty ref: %v, want ErrInvalidInput", err)
	}
	if n := f.srv.TotalRequests() - before; n != 0 {
		t.Errorf("%d requests sent for refused paths", n)
	}
}

func testCommitStatus(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	repo := firstRepo(f)
	ctx := t.Context()
	head := f.srv.Head(repo, "main")
	st := bitbucket.CommitStatus{Key: "ci-build", State: bitbucket.BuildInProgress, Name: "CI #1",
		Description: "running", URL: "https://ci.example.com/builds/1"}
	if err := f.admin.SetCommitStatus(ctx, repo, head, st); err != nil {
		t.Fatalf("in progress: %v", err)
	}
	st.State, st.Description = bitbucket.BuildSuccessful, "passed"
	if err := f.admin.SetCommitStatus(ctx, repo, head, st); err != nil {
		t.Fatalf("successful: %v", err)
	}
	other := bitbucket.CommitStatus{Key: "lint", State: bitbucket.BuildFailed, Name: "lint", URL: "https://ci.example.com/builds/2"}
	if err := f.admin.SetCommitStatus(ctx, repo, head, other); err != nil {
		t.Fatalf("second key: %v", err)
	}
	got := f.srv.Statuses(repo, head)
	if len(got) != 2 {
		t.Fatalf("stored statuses = %+v; want 2 (one per key)", got)
	}
	if got[0].Key != "ci-build" || got[0].State != "SUCCESSFUL" || got[0].URL != st.URL || got[0].Name != "CI #1" {
		t.Errorf("first status = %+v; want ci-build SUCCESSFUL", got[0])
	}
	if got[1].State != "FAILED" {
		t.Errorf("second status = %+v; want FAILED", got[1])
	}
	if err := f.admin.SetCommitStatus(ctx, repo, head, bitbucket.CommitStatus{Key: "x", State: bitbucket.BuildStopped, URL: "https://ci.example.com/b/3"}); err != nil {
		t.Errorf("stopped: %v", err)
	}
	if s := f.srv.Statuses(repo, head); len(s) != 3 || (s[2].State != "STOPPED" && s[2].State != "FAILED" && s[2].State != "CANCELLED") {
		t.Errorf("stopped status stored as %+v", s)
	}
	before := f.srv.TotalRequests()
	for name, bad := range map[string]bitbucket.CommitStatus{
		"no key":   {State: bitbucket.BuildFailed, URL: "https://ci.example.com"},
		"no state": {Key: "k", URL: "https://ci.example.com"},
		"no url":   {Key: "k", State: bitbucket.BuildFailed},
	} {
		if err := f.admin.SetCommitStatus(ctx, repo, head, bad); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	if err := f.admin.SetCommitStatus(ctx, repo, "../../x", st); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("a commit that is no hash: %v, want ErrInvalidInput", err)
	}
	if n := f.srv.TotalRequests() - before; n != 0 {
		t.Errorf("%d requests sent for refused statuses", n)
	}
}

func testGitCredentials(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	creds, err := f.admin.GitCredentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if creds.Username == "" || creds.Password != adminToken {
		t.Errorf("GitCredentials = user %q, password set %v; want a user and the token", creds.Username, creds.Password == adminToken)
	}
	for _, s := range []string{fmt.Sprint(creds), fmt.Sprintf("%+v", creds), fmt.Sprintf("%#v", creds), fmt.Sprintf("%q", creds)} {
		if strings.Contains(s, adminToken) {
			t.Errorf("printed credentials show the token: %s", s)
		}
	}
}

func testRepositoryPermissions(t *testing.T, h Harness) {
	f := h.setup(t, 25)
	var repos []bitbucket.RepoRef
	for i := 1; i <= 25; i++ {
		repos = append(repos, bitbucket.RepoRef{Namespace: f.ns, Slug: fmt.Sprintf("repo-%05d", i)})
	}
	missing := bitbucket.RepoRef{Namespace: f.ns, Slug: "missing"}
	asked := append(slices.Clone(repos), missing)
	for _, c := range []struct {
		name string
		conn bitbucket.Connector
		want bitbucket.Permission
	}{{"admin", f.admin, bitbucket.PermissionAdmin}, {"reader", f.reader, bitbucket.PermissionRead}, {"stranger", f.stranger, bitbucket.PermissionNone}} {
		// A picker's page: 25 repositories the caller was just shown. Then the same with one
		// that does not exist, which may cost a further request to tell hidden from read.
		for _, ask := range []struct {
			refs []bitbucket.RepoRef
			most int
		}{{repos, 4}, {asked, 5}} {
			before := f.srv.TotalRequests()
			got, err := c.conn.RepositoryPermissions(t.Context(), ask.refs)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if n := f.srv.TotalRequests() - before; n > ask.most {
				t.Errorf("%s: %d requests for %d repositories, want at most %d", c.name, n, len(ask.refs), ask.most)
			}
			for _, r := range repos {
				if got[r] != c.want {
					t.Errorf("%s: %s = %v, want %v", c.name, r, got[r], c.want)
				}
			}
			if len(got) != len(ask.refs) {
				t.Errorf("%s: %d answers for %d repositories", c.name, len(got), len(ask.refs))
			}
			if p, ok := got[missing]; ok && p != bitbucket.PermissionNone {
				t.Errorf("%s: missing repository = %v, want none", c.name, p)
			}
		}
		got, err := c.conn.RepositoryPermissions(t.Context(), []bitbucket.RepoRef{missing})
		if p, ok := got[missing]; err != nil || !ok || p != bitbucket.PermissionNone {
			t.Errorf("%s: missing repository = %v (present %v), %v; want none", c.name, p, ok, err)
		}
	}
	// The answers agree with RepositoryPermission, one at a time.
	for _, r := range repos[:2] {
		one, err := f.reader.RepositoryPermission(t.Context(), r)
		if err != nil || one != bitbucket.PermissionRead {
			t.Errorf("RepositoryPermission(%s) = %v, %v", r, one, err)
		}
	}
	if got, err := f.admin.RepositoryPermissions(t.Context(), nil); err != nil || len(got) != 0 {
		t.Errorf("no repositories: %v, %v", got, err)
	}
	if _, err := f.admin.RepositoryPermissions(t.Context(), []bitbucket.RepoRef{{Namespace: "..", Slug: "x"}}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("invalid ref: %v, want ErrInvalidInput", err)
	}
}

func testPingLeftOut(t *testing.T, h Harness) {
	f := h.setup(t, 1)
	repo := firstRepo(f)
	ctx := t.Context()
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/ping-hook",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPing}}
	created, err := f.admin.CreateWebhook(ctx, repo, spec)
	if err != nil {
		t.Fatalf("create with EventPing: %v", err)
	}
	if slices.Contains(created.Events, bitbucket.EventPing) {
		t.Errorf("created hook events %q: ping is delivered, never subscribed", created.Events)
	}
	spec.Events = append(spec.Events, bitbucket.EventPullRequestOpened)
	if _, err := f.admin.UpdateWebhook(ctx, repo, created.ID, spec); err != nil {
		t.Fatalf("update with EventPing: %v", err)
	}
	for _, hk := range f.srv.Hooks(repo) {
		if slices.Contains(hk.Events, "diagnostics:ping") {
			t.Errorf("stored hook subscribes to %q", hk.Events)
		}
	}
	rep, err := bitbucket.EnsureWebhookReport(ctx, f.admin, repo, spec)
	if err != nil || rep.Result != bitbucket.EnsureUnchanged || !slices.Equal(rep.Omitted, []bitbucket.Event{bitbucket.EventPing}) {
		t.Errorf("ensure with EventPing: %+v, %v; want unchanged, ping omitted", rep, err)
	}
}

func testInheritedHooks(t *testing.T, h Harness) {
	f := h.setup(t, 2)
	ctx := t.Context()
	if h.NamespaceAdmin != nil {
		h.NamespaceAdmin(f.srv, "ada", f.ns)
	}
	keys, err := bitbucket.NativeEventKeys(f.admin.Provider(), bitbucket.EventPush)
	if err != nil {
		t.Fatal(err)
	}
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/inherited", Events: []bitbucket.Event{bitbucket.EventPush}}
	id := f.srv.AddNamespaceHook(f.ns, bitbuckettest.HookInfo{URL: "https://CI.example.com/inherited/", Events: keys, Active: true})
	repo := firstRepo(f)
	rep, err := bitbucket.EnsureWebhookReport(ctx, f.admin, repo, spec)
	if err != nil || !rep.Inherited || rep.Webhook == nil || rep.Webhook.ID != id {
		t.Fatalf("namespace admin: %+v, %v; want the inherited hook %s to serve", rep, err, id)
	}
	if hooks := f.srv.Hooks(repo); len(hooks) != 0 {
		t.Errorf("a repository hook was created beside the inherited one: %+v", hooks)
	}

	// A repository admin who may not read the namespace's hooks keeps the repository-level
	// behaviour, and is told so.
	f.srv.AddUser(bitbuckettest.User{Username: "rae", DisplayName: "rae"})
	f.srv.AddToken("rae-token", "rae", h.Scopes...)
	f.srv.Grant("rae", repo, bitbucket.PermissionAdmin)
	rae, err := h.Connect(f.srv, "rae-token")
	if err != nil {
		t.Fatal(err)
	}
	rep, err = bitbucket.EnsureWebhookReport(ctx, rae, repo, spec)
	if err != nil || rep.Inherited || !rep.InheritedUnread || rep.Result != bitbucket.EnsureCreated {
		t.Errorf("repository admin: %+v, %v; want created with InheritedUnread", rep, err)
	}
}

// testLimitedToken: a Data Center HTTP access token with read rights, owned by an admin, is not
// admin, whatever a permission-filtered listing says about its owner.
func testLimitedToken(t *testing.T, h Harness) {
	f := h.setup(t, 3)
	if f.admin.Provider() != bitbucket.Server {
		t.Skip("tokens with less than their owner's rights are a Data Center notion")
	}
	f.srv.AddLimitedToken("ada-read-token", "ada", bitbucket.PermissionRead)
	c, err := h.Connect(f.srv, "ada-read-token")
	if err != nil {
		t.Fatal(err)
	}
	repo := firstRepo(f)
	if p, err := c.RepositoryPermission(t.Context(), repo); err != nil || p == bitbucket.PermissionAdmin {
		t.Errorf("RepositoryPermission = %v, %v; a read token of an admin is not admin", p, err)
	}
	if ok, err := bitbucket.CanAdmin(t.Context(), c, repo); err != nil || ok {
		t.Errorf("CanAdmin = %v, %v; want false", ok, err)
	}
	got, err := c.RepositoryPermissions(t.Context(), []bitbucket.RepoRef{repo, {Namespace: f.ns, Slug: "repo-00002"}})
	if err != nil || got[repo] == bitbucket.PermissionAdmin || got[repo] == bitbucket.PermissionNone {
		t.Errorf("RepositoryPermissions = %v, %v; want read, not admin", got, err)
	}
	// The real admin token still is.
	if ok, err := bitbucket.CanAdmin(t.Context(), f.admin, repo); err != nil || !ok {
		t.Errorf("admin token: CanAdmin = %v, %v", ok, err)
	}
}
