package webhooks

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

var testSecret = []byte("s3cr3t-for-tests")

// Hashes used by the fixtures (sha1 of short labels, so that they are easy to recompute).
const (
	hashC1 = "2f22765d04931a078909145ca628d2264c852d7d"
	hashC2 = "6b1f53303a732ccc8c6aae6640399827c15250e3"
	hashC3 = "a625406f6977d45c1391b078f4d3656e0b75bfcb"
	hashS1 = "640d87e741e6aa4c669a82a4cd304787960513ab"
	hashS2 = "4205714cdfe14ed9e3d030ddf7887781b964f510"
	hashS3 = "dd33a084ba223dd231b0aa962f77a5920017bc8b"
)

var (
	acmeWidgets = bitbucket.RepoRef{Namespace: "acme", Slug: "widgets"}
	widWidgets  = bitbucket.RepoRef{Namespace: "WID", Slug: "widgets"}
	jane        = bitbucket.User{ID: "{3f2a9c1e-5b7d-4e08-9a61-2c4d8e0f7b13}", Username: "jdoe", DisplayName: "Jane Doe"}
	omar        = bitbucket.User{ID: "{9b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b}", Username: "omar", DisplayName: "Omar Reviewer"}
	alice       = bitbucket.User{ID: "101", Username: "alice", DisplayName: "Alice Admin", Email: "alice@acme.example"}
	bob         = bitbucket.User{ID: "102", Username: "bob", DisplayName: "Bob Builder", Email: "bob@acme.example"}
	serverDate  = time.Date(2026, 1, 2, 14, 4, 5, 0, time.UTC) // "2026-01-02T15:04:05+0100"
)

// fixture is one file of testdata with the provider and X-Event-Key it is delivered with, and
// what its normalised Event must hold.
type fixture struct {
	file     string
	provider bitbucket.Provider
	key      string
	typ      bitbucket.Event
	check    func(t *testing.T, ev *Event)
}

var fixtures = []fixture{
	{"cloud_push_update.json", bitbucket.Cloud, "repo:push", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		rc := oneChange(t, ev)
		want := RefChange{Name: "main", Kind: "branch", Old: hashC1, New: hashC2}
		eqChange(t, rc, want)
		if len(rc.Commits) != 1 {
			t.Fatalf("commits = %d, want 1", len(rc.Commits))
		}
		c := rc.Commits[0]
		wantAuthor := jane
		wantAuthor.Email = "jane@acme.example"
		if c.Hash != hashC2 || c.Message != "Fix widget colour\n\nThe colour was off by one shade.\n" || c.Author != wantAuthor ||
			!c.Time.Equal(time.Date(2026, 1, 2, 16, 20, 0, 0, time.UTC)) {
			t.Errorf("commit = %+v", c)
		}
		eq(t, "actor", ev.Actor, jane)
		eq(t, "repo", ev.Repo, acmeWidgets)
		if !ev.Time.IsZero() {
			t.Errorf("Cloud Time = %v, want zero (no delivery date in Cloud payloads)", ev.Time)
		}
	}},
	{"cloud_push_branch_create.json", bitbucket.Cloud, "repo:push", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		rc := oneChange(t, ev)
		eqChange(t, rc, RefChange{Name: "feature/sizing", Kind: "branch", New: hashC1, Created: true})
		if len(rc.Commits) != 1 || rc.Commits[0].Hash != hashC1 {
			t.Errorf("commits = %+v", rc.Commits)
		}
	}},
	{"cloud_push_branch_delete.json", bitbucket.Cloud, "repo:push", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		eqChange(t, oneChange(t, ev), RefChange{Name: "old-work", Kind: "branch", Old: hashC1, Deleted: true})
	}},
	{"cloud_push_tag_create.json", bitbucket.Cloud, "repo:push", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		eqChange(t, oneChange(t, ev), RefChange{Name: "v1.2", Kind: "tag", New: hashC3, Created: true})
	}},
	{"cloud_push_forced.json", bitbucket.Cloud, "repo:push", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		eqChange(t, oneChange(t, ev), RefChange{Name: "main", Kind: "branch", Old: hashC2, New: hashC3, Forced: true})
	}},
	{"cloud_pr_created.json", bitbucket.Cloud, "pullrequest:created", bitbucket.EventPullRequestOpened, func(t *testing.T, ev *Event) {
		pr := cloudPRCheck(t, ev, "open")
		if !pr.Draft {
			t.Error("Draft = false, want true")
		}
		if !pr.CreatedAt.Equal(time.Date(2026, 1, 2, 15, 10, 0, 0, time.UTC)) ||
			!pr.UpdatedAt.Equal(time.Date(2026, 1, 2, 15, 30, 0, 123456000, time.UTC)) {
			t.Errorf("dates = %v, %v", pr.CreatedAt, pr.UpdatedAt)
		}
	}},
	{"cloud_pr_updated.json", bitbucket.Cloud, "pullrequest:updated", bitbucket.EventPullRequestUpdated, func(t *testing.T, ev *Event) {
		pr := cloudPRCheck(t, ev, "open")
		eq(t, "title", pr.Title, "Add widget sizing and colours")
	}},
	{"cloud_pr_push.json", bitbucket.Cloud, "pullrequest:push", bitbucket.EventPullRequestUpdated, func(t *testing.T, ev *Event) {
		cloudPRCheck(t, ev, "open")
	}},
	{"cloud_pr_fulfilled.json", bitbucket.Cloud, "pullrequest:fulfilled", bitbucket.EventPullRequestMerged, func(t *testing.T, ev *Event) {
		cloudPRCheck(t, ev, "merged")
		eq(t, "actor", ev.Actor, omar)
	}},
	{"cloud_pr_rejected.json", bitbucket.Cloud, "pullrequest:rejected", bitbucket.EventPullRequestDeclined, func(t *testing.T, ev *Event) {
		cloudPRCheck(t, ev, "declined")
	}},
	{"cloud_pr_comment_created.json", bitbucket.Cloud, "pullrequest:comment_created", bitbucket.EventPullRequestComment, func(t *testing.T, ev *Event) {
		cloudPRCheck(t, ev, "open")
		want := Comment{ID: 1234567, Text: "Looks good, one nit.", ParentID: 1234560, Author: omar,
			URL:  "https://bitbucket.org/acme/widgets/pull-requests/42/_/diff#comment-1234567",
			Time: time.Date(2026, 1, 2, 15, 20, 0, 500000000, time.UTC)}
		if ev.Comment == nil {
			t.Fatal("Comment is nil")
		}
		if !ev.Comment.Time.Equal(want.Time) {
			t.Errorf("comment time = %v, want %v", ev.Comment.Time, want.Time)
		}
		got := *ev.Comment
		got.Time = want.Time
		eq(t, "comment", got, want)
	}},
	{"cloud_pr_approved.json", bitbucket.Cloud, "pullrequest:approved", "", func(t *testing.T, ev *Event) {
		cloudPRCheck(t, ev, "open") // no neutral name, but the pull request is still parsed
		eq(t, "actor", ev.Actor, omar)
	}},
	{"cloud_unknown_repo_fork.json", bitbucket.Cloud, "repo:fork", "", func(t *testing.T, ev *Event) {
		eq(t, "repo", ev.Repo, acmeWidgets)
		eq(t, "actor", ev.Actor, jane)
		if ev.Push != nil || ev.PullRequest != nil || ev.Comment != nil {
			t.Errorf("unexpected payload objects: %+v", ev)
		}
	}},
	{"bench_cloud_push.json", bitbucket.Cloud, "repo:push", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		rc := oneChange(t, ev)
		if rc.Name != "main" || len(rc.Commits) != 2 {
			t.Errorf("change = %+v", rc)
		}
	}},

	{"server_refs_changed_update.json", bitbucket.Server, "repo:refs_changed", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		rc := oneChange(t, ev)
		eqChange(t, rc, RefChange{Name: "main", Kind: "branch", Old: hashS1, New: hashS2})
		if len(rc.Commits) != 1 {
			t.Fatalf("commits = %+v, want the payload's one commit", rc.Commits)
		}
		c := rc.Commits[0]
		if c.Hash != hashS2 || c.Message != "Fix widget colour" || c.Author != alice ||
			!c.Time.Equal(time.Date(2026, 1, 2, 14, 4, 0, 0, time.UTC)) {
			t.Errorf("commit = %+v", c)
		}
		eq(t, "actor", ev.Actor, alice)
		eq(t, "repo", ev.Repo, widWidgets)
		if !ev.Time.Equal(serverDate) {
			t.Errorf("Time = %v, want %v", ev.Time, serverDate)
		}
	}},
	// Data Center 10.x sends commit timestamps as ISO 8601 strings (JENKINS-76457): here the
	// author's without the offset's colon, the committer's with it.
	{"server_refs_changed_10x_iso_timestamps.json", bitbucket.Server, "repo:refs_changed", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		rc := oneChange(t, ev)
		eqChange(t, rc, RefChange{Name: "main", Kind: "branch", Old: hashS1, New: hashS2})
		if len(rc.Commits) != 1 || !rc.Commits[0].Time.Equal(time.Date(2026, 1, 2, 14, 4, 0, 0, time.UTC)) {
			t.Errorf("commits = %+v, want one at 14:04 UTC", rc.Commits)
		}
	}},
	// repo:modified has no repository member: the repository is new (old is the one before a rename).
	{"server_repo_modified.json", bitbucket.Server, "repo:modified", "", func(t *testing.T, ev *Event) {
		eq(t, "repo (from new)", ev.Repo, widWidgets)
		eq(t, "actor", ev.Actor, alice)
		if !ev.Time.Equal(serverDate) {
			t.Errorf("Time = %v, want %v", ev.Time, serverDate)
		}
	}},
	{"server_refs_changed_add.json", bitbucket.Server, "repo:refs_changed", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		eqChange(t, oneChange(t, ev), RefChange{Name: "feature/sizing", Kind: "branch", New: hashS2, Created: true})
	}},
	{"server_refs_changed_delete.json", bitbucket.Server, "repo:refs_changed", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		eqChange(t, oneChange(t, ev), RefChange{Name: "old-work", Kind: "branch", Old: hashS1, Deleted: true})
	}},
	{"server_refs_changed_tag.json", bitbucket.Server, "repo:refs_changed", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		eqChange(t, oneChange(t, ev), RefChange{Name: "v1.2", Kind: "tag", New: hashS3, Created: true})
	}},
	{"server_pr_opened.json", bitbucket.Server, "pr:opened", bitbucket.EventPullRequestOpened, func(t *testing.T, ev *Event) {
		pr := serverPRCheck(t, ev, "open")
		if !pr.Draft {
			t.Error("Draft = false, want true")
		}
		eq(t, "title", pr.Title, "Add widget sizing")
		eq(t, "actor", ev.Actor, alice)
		if !pr.CreatedAt.Equal(time.Date(2026, 1, 2, 14, 0, 0, 0, time.UTC)) ||
			!pr.UpdatedAt.Equal(time.Date(2026, 1, 2, 14, 10, 0, 0, time.UTC)) {
			t.Errorf("epoch-ms dates = %v, %v", pr.CreatedAt, pr.UpdatedAt)
		}
	}},
	{"server_pr_opened_iso_dates.json", bitbucket.Server, "pr:opened", bitbucket.EventPullRequestOpened, func(t *testing.T, ev *Event) {
		pr := serverPRCheck(t, ev, "open")
		if !pr.CreatedAt.Equal(time.Date(2026, 1, 2, 14, 0, 0, 0, time.UTC)) ||
			!pr.UpdatedAt.Equal(time.Date(2026, 1, 2, 14, 10, 0, 250000000, time.UTC)) {
			t.Errorf("ISO dates = %v, %v", pr.CreatedAt, pr.UpdatedAt)
		}
	}},
	{"server_pr_from_ref_updated.json", bitbucket.Server, "pr:from_ref_updated", bitbucket.EventPullRequestUpdated, func(t *testing.T, ev *Event) {
		pr := serverPRCheck(t, ev, "open")
		eq(t, "source commit", pr.Source.Commit, hashS3)
	}},
	{"server_pr_modified.json", bitbucket.Server, "pr:modified", bitbucket.EventPullRequestUpdated, func(t *testing.T, ev *Event) {
		pr := serverPRCheck(t, ev, "open")
		eq(t, "title", pr.Title, "Add widget sizing and colours")
	}},
	{"server_pr_merged.json", bitbucket.Server, "pr:merged", bitbucket.EventPullRequestMerged, func(t *testing.T, ev *Event) {
		serverPRCheck(t, ev, "merged")
		eq(t, "actor", ev.Actor, bob)
	}},
	{"server_pr_declined.json", bitbucket.Server, "pr:declined", bitbucket.EventPullRequestDeclined, func(t *testing.T, ev *Event) {
		serverPRCheck(t, ev, "declined")
	}},
	{"server_pr_comment_added.json", bitbucket.Server, "pr:comment:added", bitbucket.EventPullRequestComment, func(t *testing.T, ev *Event) {
		serverPRCheck(t, ev, "open")
		if ev.Comment == nil {
			t.Fatal("Comment is nil")
		}
		eq(t, "comment", *ev.Comment, Comment{ID: 55, Text: "Looks good, one nit.", ParentID: 54, Author: bob,
			Time: time.Date(2026, 1, 2, 14, 15, 0, 0, time.UTC)})
	}},
	{"server_ping.json", bitbucket.Server, "diagnostics:ping", bitbucket.EventPing, func(t *testing.T, ev *Event) {
		if ev.Push != nil || ev.PullRequest != nil || ev.Comment != nil || ev.Repo != (bitbucket.RepoRef{}) {
			t.Errorf("ping carries data: %+v", ev)
		}
	}},
	{"server_unknown_reviewer_approved.json", bitbucket.Server, "pr:reviewer:approved", "", func(t *testing.T, ev *Event) {
		serverPRCheck(t, ev, "open")
		eq(t, "actor", ev.Actor, bob)
	}},
	{"bench_dc_refs_changed.json", bitbucket.Server, "repo:refs_changed", bitbucket.EventPush, func(t *testing.T, ev *Event) {
		rc := oneChange(t, ev)
		if rc.Name != "main" || len(rc.Commits) != 6 {
			t.Errorf("change = %+v", rc)
		}
	}},
}

func cloudPRCheck(t *testing.T, ev *Event, state string) *PullRequest {
	t.Helper()
	pr := ev.PullRequest
	if pr == nil {
		t.Fatal("PullRequest is nil")
	}
	eq(t, "repo", ev.Repo, acmeWidgets)
	eq(t, "id", pr.ID, 42)
	eq(t, "state", pr.State, state)
	eq(t, "url", pr.URL, "https://bitbucket.org/acme/widgets/pull-requests/42")
	eq(t, "author", pr.Author, jane)
	eq(t, "source", pr.Source, PullRequestRef{Branch: "feature/sizing", Commit: hashC2[:12], Repo: acmeWidgets})
	eq(t, "destination", pr.Destination, PullRequestRef{Branch: "main", Commit: hashC1[:12], Repo: acmeWidgets})
	return pr
}

func serverPRCheck(t *testing.T, ev *Event, state string) *PullRequest {
	t.Helper()
	pr := ev.PullRequest
	if pr == nil {
		t.Fatal("PullRequest is nil")
	}
	eq(t, "repo (from the destination)", ev.Repo, widWidgets)
	eq(t, "id", pr.ID, 17)
	eq(t, "state", pr.State, state)
	eq(t, "url", pr.URL, "https://bitbucket.acme.example/projects/WID/repos/widgets/pull-requests/17")
	eq(t, "author", pr.Author, alice)
	eq(t, "source branch", pr.Source.Branch, "feature/sizing")
	eq(t, "source repo", pr.Source.Repo, widWidgets)
	eq(t, "destination", pr.Destination, PullRequestRef{Branch: "main", Commit: hashS1, Repo: widWidgets})
	if !ev.Time.Equal(serverDate) {
		t.Errorf("Time = %v, want %v", ev.Time, serverDate)
	}
	return pr
}

func oneChange(t *testing.T, ev *Event) RefChange {
	t.Helper()
	if ev.Push == nil || len(ev.Push.Changes) != 1 {
		t.Fatalf("Push = %+v, want one change", ev.Push)
	}
	return ev.Push.Changes[0]
}

// eqChange compares everything but the commits.
func eqChange(t *testing.T, got, want RefChange) {
	t.Helper()
	got.Commits, want.Commits = nil, nil
	if got.Name != want.Name || got.Kind != want.Kind || got.Old != want.Old || got.New != want.New ||
		got.Created != want.Created || got.Deleted != want.Deleted || got.Forced != want.Forced {
		t.Errorf("change = %+v\nwant     %+v", got, want)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// delivery builds a request as the provider sends it, signed with secret when it is not nil.
func delivery(provider bitbucket.Provider, key string, body, secret []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/bitbucket", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set("X-Event-Key", key)
	}
	switch provider {
	case bitbucket.Cloud:
		r.Header.Set("X-Hook-UUID", "{c0ffee00-1111-4222-8333-444455556666}")
		r.Header.Set("X-Request-UUID", "{aaaa0000-bbbb-4ccc-8ddd-eeeeffff0001}")
		r.Header.Set("X-Attempt-Number", "1")
		r.Header.Set("User-Agent", "Bitbucket-Webhooks/2.0")
	case bitbucket.Server:
		r.Header.Set("X-Request-Id", "9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f")
	}
	if secret != nil {
		r.Header.Set("X-Hub-Signature", Sign(secret, body))
	}
	return r
}

func TestFixturesParsePayload(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			body := readFixture(t, f.file)
			ev, err := ParsePayload(f.provider, f.key, body)
			if err != nil {
				t.Fatalf("ParsePayload: %v", err)
			}
			commonChecks(t, ev, f, body)
			if ev.DeliveryID != "" || ev.HookID != "" || ev.Attempt != 0 {
				t.Errorf("ParsePayload filled header fields: %q %q %d", ev.DeliveryID, ev.HookID, ev.Attempt)
			}
			f.check(t, ev)
		})
	}
}

func TestFixturesParseSigned(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			body := readFixture(t, f.file)
			ev, err := Parse(delivery(f.provider, f.key, body, testSecret), Options{Secret: testSecret})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			commonChecks(t, ev, f, body)
			if ev.Attempt != 1 {
				t.Errorf("Attempt = %d, want 1", ev.Attempt)
			}
			switch f.provider {
			case bitbucket.Cloud:
				eq(t, "DeliveryID", ev.DeliveryID, "{aaaa0000-bbbb-4ccc-8ddd-eeeeffff0001}")
				eq(t, "HookID", ev.HookID, "{c0ffee00-1111-4222-8333-444455556666}")
			case bitbucket.Server:
				eq(t, "DeliveryID", ev.DeliveryID, "9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f")
				eq(t, "HookID", ev.HookID, "")
			}
			f.check(t, ev)
		})
	}
}

func commonChecks(t *testing.T, ev *Event, f fixture, body []byte) {
	t.Helper()
	eq(t, "Provider", ev.Provider, f.provider)
	eq(t, "Key", ev.Key, f.key)
	eq(t, "Type", ev.Type, f.typ)
	if !bytes.Equal(ev.Raw, body) {
		t.Error("Raw differs from the body")
	}
	if ev.Push != nil {
		for _, c := range ev.Push.Changes {
			if c.Kind != "branch" && c.Kind != "tag" {
				t.Errorf("Kind = %q", c.Kind)
			}
			if len(c.Name) >= 5 && c.Name[:5] == "refs/" {
				t.Errorf("Name = %q, want a short name", c.Name)
			}
		}
	}
}

// TestEveryFixtureIsListed keeps the table and testdata in step, so that the fuzz seeds (every
// file) and the checks above (every table row) cover the same files.
func TestEveryFixtureIsListed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, f := range fixtures {
		listed[f.file] = true
	}
	for _, file := range files {
		if !listed[filepath.Base(file)] {
			t.Errorf("%s has no row in fixtures", file)
		}
	}
	if len(files) != len(fixtures) {
		t.Errorf("%d files, %d rows", len(files), len(fixtures))
	}
}
