package server_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/server"
)

var team1 = bitbucket.RepoRef{Namespace: "TEAM", Slug: "repo-00001"}

// #12.1: EventPing is never sent in events (the fake, like a real server, refuses it with 400).
func TestFakePingNeverSubscribed(t *testing.T) {
	srv := seeded(t, 1)
	c := connect(t, srv, "ada-token")
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPing, bitbucket.EventPush}}
	if _, err := c.CreateWebhook(t.Context(), team1, spec); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, _, err := bitbucket.EnsureWebhook(t.Context(), c, team1, spec); err != nil {
		t.Fatalf("ensure: %v", err)
	}
	for _, h := range srv.Hooks(team1) {
		if slices.Contains(h.Events, "diagnostics:ping") {
			t.Errorf("hook %s subscribes diagnostics:ping: %v", h.ID, h.Events)
		}
	}
}

// #12.2: project hooks are the hooks a repository inherits; reading them needs PROJECT_ADMIN.
func TestFakeListInheritedWebhooks(t *testing.T) {
	srv := seeded(t, 1)
	srv.AddNamespaceHook("TEAM", bitbuckettest.HookInfo{URL: "https://ci.example.com/project", Events: []string{"repo:refs_changed"}, Active: true, Secret: "s"})
	hooks, err := connect(t, srv, "ada-token").ListInheritedWebhooks(t.Context(), team1)
	if err != nil || len(hooks) != 1 || hooks[0].URL != "https://ci.example.com/project" || !hooks[0].HasSecret ||
		!slices.Equal(hooks[0].Events, []bitbucket.Event{bitbucket.EventPush}) {
		t.Fatalf("ada: %+v, %v", hooks, err)
	}
	if _, err := connect(t, srv, "wes-token").ListInheritedWebhooks(t.Context(), team1); !errors.Is(err, bitbucket.ErrForbidden) {
		t.Errorf("wes (no PROJECT_ADMIN): err = %v, want ErrForbidden", err)
	}
}

// #12.3: admin as the token sees it. A token with less than its owner's rights is not admin,
// though the permission filter answers for the owner.
func TestFakeLimitedTokenIsNotAdmin(t *testing.T) {
	srv := seeded(t, 3)
	srv.AddLimitedToken("ada-write", "ada", bitbucket.PermissionWrite)
	srv.AddLimitedToken("ada-read", "ada", bitbucket.PermissionRead)
	for tok, wantAdmin := range map[string]bool{"ada-token": true, "ada-write": false, "ada-read": false} {
		c := connect(t, srv, tok)
		ok, err := bitbucket.CanAdmin(t.Context(), c, team1)
		if err != nil || ok != wantAdmin {
			t.Errorf("%s: CanAdmin = %v, %v; want %v", tok, ok, err, wantAdmin)
		}
		perms, err := c.RepositoryPermissions(t.Context(), []bitbucket.RepoRef{team1, {Namespace: "TEAM", Slug: "repo-00002"}})
		if err != nil {
			t.Fatalf("%s: RepositoryPermissions: %v", tok, err)
		}
		for ref, p := range perms {
			if (p == bitbucket.PermissionAdmin) != wantAdmin || p < bitbucket.PermissionRead {
				t.Errorf("%s: %s = %v", tok, ref, p)
			}
		}
		if wantAdmin {
			continue
		}
		// What the answer promised holds: the token cannot list the webhooks.
		if _, err := c.ListWebhooks(t.Context(), team1); !errors.Is(err, bitbucket.ErrForbidden) {
			t.Errorf("%s: ListWebhooks err = %v; the fake should refuse a limited token", tok, err)
		}
	}
}

// #12.5: Data Center 10.x may send REST dates as ISO strings; listing and ensuring webhooks and
// reading commits keep working and read the dates.
func TestFake10xStringDates(t *testing.T) {
	srv := seeded(t, 1)
	srv.SetVersion("10.3.0")
	c := connect(t, srv, "ada-token")
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPush}}
	if _, err := c.CreateWebhook(t.Context(), team1, spec); err != nil {
		t.Fatal(err)
	}
	hooks, err := c.ListWebhooks(t.Context(), team1)
	if err != nil || len(hooks) != 1 || hooks[0].CreatedAt.IsZero() || hooks[0].CreatedAt.Year() < 2020 {
		t.Fatalf("ListWebhooks = %+v, %v", hooks, err)
	}
	if _, res, err := bitbucket.EnsureWebhook(t.Context(), c, team1, spec); err != nil || len(srv.Hooks(team1)) != 1 {
		t.Fatalf("EnsureWebhook = %v, %v; %d hooks", res, err, len(srv.Hooks(team1)))
	}
	commit, err := c.GetCommit(t.Context(), team1, "main")
	if err != nil || commit.AuthoredAt.IsZero() || commit.Hash != srv.Head(team1, "main") {
		t.Fatalf("GetCommit = %+v, %v", commit, err)
	}
}

// #12.6: a project or repository access token acts as a bot user with no readable record: the
// connection check passes with the name the server gave.
func TestFakeBotTokenCheckConnection(t *testing.T) {
	srv := seeded(t, 1)
	bot := srv.AddBotToken("bot-token", bitbucket.RepoRef{Namespace: "TEAM"}, bitbucket.PermissionAdmin)
	c := connect(t, srv, "bot-token")
	info, err := c.CheckConnection(t.Context())
	if err != nil || info.User.Username != bot {
		t.Fatalf("CheckConnection = %+v, %v; want user %s", info, err, bot)
	}
	if p, err := c.RepositoryPermission(t.Context(), team1); err != nil || p != bitbucket.PermissionAdmin {
		t.Errorf("bot RepositoryPermission = %v, %v", p, err)
	}
}

// #12.7: UpdateWebhook keeps what it does not manage: credentials and other configuration keys.
func TestFakeUpdateKeepsCredentialsAndConfiguration(t *testing.T) {
	srv := seeded(t, 1)
	c := connect(t, srv, "ada-token")
	spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPush}, Secret: "s3cret"}
	h, err := c.CreateWebhook(t.Context(), team1, spec)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetHookCredentials(h.ID, "receiver", "pa55")
	srv.SetHookConfig(h.ID, "team", "platform")
	spec.Secret, spec.Description = "", "renamed"
	if _, err := c.UpdateWebhook(t.Context(), team1, h.ID, spec); err != nil {
		t.Fatal(err)
	}
	user, pass, cfg := srv.HookExtras(h.ID)
	if user != "receiver" || pass != "pa55" || cfg["team"] != "platform" {
		t.Errorf("after update: credentials %q/%q, configuration %v; want them kept", user, pass, cfg)
	}
	if hooks := srv.Hooks(team1); hooks[0].Secret != "s3cret" || hooks[0].Description != "renamed" {
		t.Errorf("hook = %+v", hooks[0])
	}
}

// #12.8: event keys and the versions that accept them.
func TestFakeEventKeysAndVersions(t *testing.T) {
	for _, c := range []struct {
		version string
		native  string
		ok      bool
	}{
		{"9.4.3", "pr:reviewer:needs_work", true},
		{"5.9.0", "pr:modified", false},
		{"5.10.0", "pr:modified", true},
		{"6.4.0", "mirror:repo_synchronized", false},
		{"6.5.0", "mirror:repo_synchronized", true},
		{"6.10.0", "pr:from_ref_updated", false},
		{"7.0.0", "pr:from_ref_updated", true},
	} {
		srv := seeded(t, 1)
		srv.SetVersion(c.version)
		_, err := connect(t, srv, "ada-token").CreateWebhook(t.Context(), team1, bitbucket.WebhookSpec{
			URL: "https://ci.example.com/hook", NativeEvents: []string{c.native}})
		if (err == nil) != c.ok || (!c.ok && !errors.Is(err, bitbucket.ErrNotSupported)) {
			t.Errorf("%s on %s: err = %v, want ok %v", c.native, c.version, err, c.ok)
		}
	}
	srv := seeded(t, 1)
	_, err := connect(t, srv, "ada-token").CreateWebhook(t.Context(), team1, bitbucket.WebhookSpec{
		URL: "https://ci.example.com/hook", NativeEvents: []string{"pr:reviewer:changes_requested"}})
	if err == nil {
		t.Errorf("pr:reviewer:changes_requested was accepted; real servers refuse it")
	}
}

// #13: a picker page of 25 repositories with their permissions in at most 3 requests.
func TestFakeRepositoryPermissionsPicker(t *testing.T) {
	srv := seeded(t, 30)
	c := connect(t, srv, "ada-token")
	page, err := c.ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: "TEAM", PageSize: 25})
	if err != nil || len(page.Items) != 25 {
		t.Fatalf("page: %d, %v", len(page.Items), err)
	}
	refs := make([]bitbucket.RepoRef, 0, 26)
	for _, r := range page.Items {
		refs = append(refs, r.Ref)
	}
	before := srv.TotalRequests()
	perms, err := c.RepositoryPermissions(t.Context(), refs)
	if err != nil || len(perms) != 25 {
		t.Fatalf("RepositoryPermissions: %d, %v", len(perms), err)
	}
	if n := srv.TotalRequests() - before; n > 3 {
		t.Errorf("%d requests for 25 repositories, want at most 3", n)
	}
	for ref, p := range perms {
		if p != bitbucket.PermissionAdmin {
			t.Errorf("%s = %v, want admin", ref, p)
		}
	}
	// Mixed levels and a repository the caller cannot see.
	srv.AddNamespace(bitbuckettest.Namespace{Key: "OPS", Name: "Ops"})
	srv.AddRepositories("OPS", "svc", 2)
	srv.Grant("wes", bitbucket.RepoRef{Namespace: "OPS", Slug: "svc-00001"}, bitbucket.PermissionRead)
	perms, err = connect(t, srv, "wes-token").RepositoryPermissions(t.Context(), []bitbucket.RepoRef{
		team1, {Namespace: "OPS", Slug: "svc-00001"}, {Namespace: "OPS", Slug: "svc-00002"}, {Namespace: "TEAM", Slug: "missing"}})
	want := map[bitbucket.RepoRef]bitbucket.Permission{team1: bitbucket.PermissionWrite,
		{Namespace: "OPS", Slug: "svc-00001"}: bitbucket.PermissionRead, {Namespace: "OPS", Slug: "svc-00002"}: bitbucket.PermissionNone,
		{Namespace: "TEAM", Slug: "missing"}: bitbucket.PermissionNone}
	if err != nil || len(perms) != len(want) {
		t.Fatalf("wes: %v, %v", perms, err)
	}
	for ref, p := range want {
		if perms[ref] != p {
			t.Errorf("wes: %s = %v, want %v", ref, perms[ref], p)
		}
	}
}

// #13: across projects, admin is confirmed once for the whole call: an access token's level is
// the same for every repository it reaches, so a token with less than its owner is read
// everywhere.
func TestFakeRepositoryPermissionsConfirmAdminOnce(t *testing.T) {
	srv := seeded(t, 3)
	srv.AddNamespace(bitbuckettest.Namespace{Key: "OPS", Name: "Ops"})
	srv.AddRepositories("OPS", "svc", 3)
	srv.Grant("ada", bitbucket.RepoRef{Namespace: "OPS"}, bitbucket.PermissionAdmin)
	srv.AddLimitedToken("ada-write", "ada", bitbucket.PermissionWrite)
	var refs []bitbucket.RepoRef
	for _, ns := range []string{"TEAM", "OPS"} {
		page, err := connect(t, srv, "ada-token").ListRepositoriesPage(t.Context(), bitbucket.ListRepositoriesOptions{Namespace: ns})
		if err != nil || len(page.Items) != 3 {
			t.Fatalf("%s: %d, %v", ns, len(page.Items), err)
		}
		for _, r := range page.Items {
			refs = append(refs, r.Ref)
		}
	}
	hookListings := func() int {
		n := 0
		for _, r := range refs {
			n += srv.Requests("GET", "/rest/api/1.0/projects/"+r.Namespace+"/repos/"+r.Slug+"/webhooks")
		}
		return n
	}
	for tok, want := range map[string]bitbucket.Permission{"ada-token": bitbucket.PermissionAdmin, "ada-write": bitbucket.PermissionRead} {
		before := hookListings()
		perms, err := connect(t, srv, tok).RepositoryPermissions(t.Context(), refs)
		if err != nil || len(perms) != len(refs) {
			t.Fatalf("%s: %v, %v", tok, perms, err)
		}
		for ref, p := range perms {
			if p != want {
				t.Errorf("%s: %s = %v, want %v", tok, ref, p, want)
			}
		}
		if n := hookListings() - before; n != 1 {
			t.Errorf("%s: admin confirmed %d times across two projects, want once", tok, n)
		}
	}
}

// #13: the filters are asked from the highest level down, each only while some repository is
// unplaced: admin and write rights on one page cost two filter requests, read only a third.
func TestFakeRepositoryPermissionsFiltersOnlyWhatIsUnplaced(t *testing.T) {
	srv := seeded(t, 5)
	srv.Grant("wes", bitbucket.RepoRef{Namespace: "TEAM", Slug: "repo-00001"}, bitbucket.PermissionAdmin)
	var refs []bitbucket.RepoRef
	for i := 1; i <= 5; i++ {
		refs = append(refs, bitbucket.RepoRef{Namespace: "TEAM", Slug: fmt.Sprintf("repo-%05d", i)})
	}
	for _, c := range []struct {
		token   string
		filters int
		want    func(bitbucket.RepoRef) bitbucket.Permission
	}{
		{"wes-token", 2, func(r bitbucket.RepoRef) bitbucket.Permission {
			if r.Slug == "repo-00001" {
				return bitbucket.PermissionAdmin
			}
			return bitbucket.PermissionWrite
		}},
		{"rob-token", 3, func(bitbucket.RepoRef) bitbucket.Permission { return bitbucket.PermissionRead }},
	} {
		before := srv.Requests("GET", "/rest/api/1.0/repos")
		perms, err := connect(t, srv, c.token).RepositoryPermissions(t.Context(), refs)
		if err != nil {
			t.Fatalf("%s: %v", c.token, err)
		}
		for _, r := range refs {
			if perms[r] != c.want(r) {
				t.Errorf("%s: %s = %v, want %v", c.token, r, perms[r], c.want(r))
			}
		}
		if n := srv.Requests("GET", "/rest/api/1.0/repos") - before; n != c.filters {
			t.Errorf("%s: %d permission filter requests, want %d\n%v", c.token, n, c.filters, srv.RequestLog())
		}
	}
}

// #13: branches, with the default marked on exactly one, filtered and resumable.
func TestFakeListBranches(t *testing.T) {
	srv := seeded(t, 1)
	srv.AddBranches(team1, "feature", 23)
	c := connect(t, srv, "rob-token")
	all, err := bitbucket.Collect(c.ListBranches(t.Context(), team1, bitbucket.ListBranchesOptions{}))
	if err != nil || len(all) != 24 {
		t.Fatalf("ListBranches: %d, %v", len(all), err)
	}
	defaults := 0
	for _, b := range all {
		if b.Default {
			defaults++
			if b.Name != "main" || b.Commit != srv.Head(team1, "main") {
				t.Errorf("default = %+v", b)
			}
		}
		if len(b.Commit) != 40 {
			t.Errorf("branch %s has commit %q", b.Name, b.Commit)
		}
	}
	if defaults != 1 {
		t.Errorf("%d default branches", defaults)
	}
	var paged []string
	opts := bitbucket.ListBranchesOptions{Query: "FEATURE", PageSize: 10}
	for {
		p, err := c.ListBranchesPage(t.Context(), team1, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range p.Items {
			paged = append(paged, b.Name)
		}
		if p.Next == "" {
			break
		}
		opts = bitbucket.ListBranchesOptions{Cursor: p.Next}
	}
	if len(paged) != 23 || !slices.IsSorted(paged) || slices.Contains(paged, "main") {
		t.Errorf("paged filter: %v", paged)
	}
	if _, err := c.ListBranchesPage(t.Context(), bitbucket.RepoRef{Namespace: "TEAM", Slug: "other"}, bitbucket.ListBranchesOptions{Cursor: "x"}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("foreign cursor: %v", err)
	}
}

// #13: files at refs, missing files, and the size cap.
func TestFakeGetFile(t *testing.T) {
	srv := seeded(t, 1)
	first := srv.PutFile(team1, "main", "ci/build config.yml", []byte("v1"))
	srv.PutFile(team1, "main", "ci/build config.yml", []byte("v2"))
	srv.AddTag(team1, "v1.0", first)
	c := connect(t, srv, "rob-token")
	for ref, want := range map[string]string{"main": "v2", first: "v1", "v1.0": "v1", "refs/heads/main": "v2"} {
		got, err := c.GetFile(t.Context(), team1, ref, "ci/build config.yml")
		if err != nil || string(got) != want {
			t.Errorf("at %q: %q, %v; want %q", ref, got, err, want)
		}
	}
	if _, err := c.GetFile(t.Context(), team1, "main", "absent.txt"); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("absent: %v", err)
	}
	srv.PutFile(team1, "main", "big.bin", []byte(strings.Repeat("x", 4096)))
	small, err := server.New(srv.URL(), auth.Bearer("rob-token"), append(srv.Options(), bitbucket.WithMaxFileBytes(1024))...)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := small.GetFile(t.Context(), team1, "main", "big.bin"); !errors.Is(err, bitbucket.ErrInvalidInput) || b != nil {
		t.Errorf("over the cap: %d bytes, %v", len(b), err)
	}
}

// #13: build statuses on the repository from 7.4, on the legacy root before; CANCELLED where the
// version has it; an upsert by key.
func TestFakeSetCommitStatus(t *testing.T) {
	for _, c := range []struct {
		version       string
		legacy        bool
		stoppedAs     string
		requestsPaths string
	}{
		{"9.4.3", false, "CANCELLED", "/rest/api/1.0/projects/TEAM/repos/repo-00001/commits/"},
		{"8.19.0", false, "FAILED", "/rest/api/1.0/projects/TEAM/repos/repo-00001/commits/"},
		{"7.3.0", true, "FAILED", "/rest/build-status/1.0/commits/"},
	} {
		srv := seeded(t, 1)
		srv.SetVersion(c.version)
		cl := connect(t, srv, "wes-token")
		head := srv.Head(team1, "main")
		st := bitbucket.CommitStatus{Key: "ci", State: bitbucket.BuildInProgress, Name: "CI", URL: "https://ci.example.com/1"}
		if err := cl.SetCommitStatus(t.Context(), team1, head, st); err != nil {
			t.Fatalf("%s: %v", c.version, err)
		}
		st.State = bitbucket.BuildStopped
		if err := cl.SetCommitStatus(t.Context(), team1, head, st); err != nil {
			t.Fatalf("%s: %v", c.version, err)
		}
		got := srv.Statuses(team1, head)
		if len(got) != 1 || got[0].State != c.stoppedAs || got[0].Legacy != c.legacy || got[0].Name != "CI" {
			t.Errorf("%s: statuses %+v", c.version, got)
		}
		suffix := ""
		if !c.legacy {
			suffix = "/builds"
		}
		if n := srv.Requests("POST", c.requestsPaths+head+suffix); n != 2 {
			t.Errorf("%s: %d POSTs to %s", c.version, n, c.requestsPaths)
		}
	}
}

// #13: git credentials are the token's user and the token, or the basic pair.
func TestFakeGitCredentials(t *testing.T) {
	srv := seeded(t, 1)
	g, err := connect(t, srv, "ada-token").GitCredentials(t.Context())
	if err != nil || g.Username != "ada" || g.Password != "ada-token" {
		t.Errorf("bearer: %v, %v", g, err)
	}
	basic, err := server.New(srv.URL(), auth.Basic("ada", "ada-token"), srv.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	if g, err := basic.GitCredentials(t.Context()); err != nil || g.Username != "ada" || g.Password != "ada-token" {
		t.Errorf("basic: %v, %v", g, err)
	}
	anon, _ := server.New(srv.URL(), auth.None(), srv.Options()...)
	if _, err := anon.GitCredentials(t.Context()); !errors.Is(err, bitbucket.ErrUnauthorized) {
		t.Errorf("none: %v", err)
	}
}

// Extras: tags and commits.
func TestFakeTagsAndCommits(t *testing.T) {
	srv := seeded(t, 1)
	c1 := srv.PutFile(team1, "main", "a.txt", []byte("a"))
	srv.AddTag(team1, "v1", c1)
	srv.AddTag(team1, "w2", "main")
	c := connect(t, srv, "rob-token")
	tags, err := bitbucket.Collect(c.ListTags(t.Context(), team1, server.ListTagsOptions{Query: "v"}))
	if err != nil || len(tags) != 1 || tags[0].Name != "v1" || tags[0].Commit != c1 {
		t.Errorf("tags = %+v, %v", tags, err)
	}
	// Page by page from the cursor, with the query kept in it.
	for i := range 5 {
		srv.AddTag(team1, fmt.Sprintf("v1.%d", i), "main")
	}
	var paged []string
	opts := server.ListTagsOptions{Query: "v1.", PageSize: 2}
	for range 10 {
		page, err := c.ListTagsPage(t.Context(), team1, opts)
		if err != nil {
			t.Fatalf("ListTagsPage: %v", err)
		}
		for _, tag := range page.Items {
			paged = append(paged, tag.Name)
		}
		if page.Next == "" {
			break
		}
		opts = server.ListTagsOptions{Cursor: page.Next}
	}
	if want := []string{"v1.0", "v1.1", "v1.2", "v1.3", "v1.4"}; !slices.Equal(paged, want) {
		t.Errorf("paged tags = %v, want %v", paged, want)
	}
	if _, err := c.ListTagsPage(t.Context(), team1, server.ListTagsOptions{Cursor: opts.Cursor, Query: "w"}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("cursor with another query: %v", err)
	}
	if _, err := c.ListBranchesPage(t.Context(), team1, bitbucket.ListBranchesOptions{Cursor: opts.Cursor}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("a tag cursor used for branches: %v", err)
	}
	commit, err := c.GetCommit(t.Context(), team1, "v1")
	if err != nil || commit.Hash != c1 || commit.Message == "" || len(commit.Parents) != 1 {
		t.Errorf("commit = %+v, %v", commit, err)
	}
	if _, err := c.GetCommit(t.Context(), team1, "nope"); !errors.Is(err, bitbucket.ErrNotFound) {
		t.Errorf("missing commit: %v", err)
	}
}
