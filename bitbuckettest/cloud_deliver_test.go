package bitbuckettest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// cloudDelivery is one request a test receiver got.
type cloudDelivery struct {
	header http.Header
	body   []byte
}

// cloudReceiver records deliveries; fail decides each answer's status (nil: 200).
type cloudReceiver struct {
	mu   sync.Mutex
	got  []cloudDelivery
	fail func(n int) int
}

func (rc *cloudReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, cloudDelivery{r.Header.Clone(), b})
	n := len(rc.got)
	rc.mu.Unlock()
	if rc.fail != nil {
		w.WriteHeader(rc.fail(n))
	}
}

func (rc *cloudReceiver) recorded() []cloudDelivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]cloudDelivery(nil), rc.got...)
}

func createCloudHook(t *testing.T, srv *Server, body string) string {
	t.Helper()
	rep := cloudDo(t, srv, "POST", "/repositories/ws/repo-00001/hooks", bearer("admin"), body)
	rep.wantStatus(t, 201)
	return str(rep.body, "uuid")
}

func newDeliveryFixture(t *testing.T) (*Server, bitbucket.RepoRef) {
	t.Helper()
	srv := newCloudFixture(t, 1)
	srv.AddUser(User{Username: "bob", DisplayName: "Bob", Email: "bob@example.com"})
	srv.AddToken("admin", "bob", "repository", "webhook")
	ref := bitbucket.RepoRef{Namespace: "ws", Slug: "repo-00001"}
	srv.Grant("bob", ref, bitbucket.PermissionAdmin)
	return srv, ref
}

func TestCloudPushDelivery(t *testing.T) {
	srv, ref := newDeliveryFixture(t)
	signed, plain, unsubscribed, inactive := &cloudReceiver{}, &cloudReceiver{}, &cloudReceiver{}, &cloudReceiver{}
	for _, rc := range []*cloudReceiver{signed, plain, unsubscribed, inactive} {
		ts := httptest.NewServer(rc)
		t.Cleanup(ts.Close)
		switch rc {
		case signed:
			createCloudHook(t, srv, `{"url":"`+ts.URL+`","events":["repo:push"],"secret":"s3cret"}`)
		case plain:
			createCloudHook(t, srv, `{"url":"`+ts.URL+`","events":["repo:push","pullrequest:created"]}`)
		case unsubscribed:
			createCloudHook(t, srv, `{"url":"`+ts.URL+`","events":["pullrequest:created"]}`)
		case inactive:
			createCloudHook(t, srv, `{"url":"`+ts.URL+`","events":["repo:push"],"active":false}`)
		}
	}
	hookID := srv.Hooks(ref)[0].ID

	err := srv.Push(context.Background(), ref, PushEvent{Actor: "bob", Changes: []RefChange{
		{Ref: "refs/heads/main", Type: "UPDATE", FromHash: strings.Repeat("a", 40), ToHash: strings.Repeat("b", 40)},
		{Ref: "refs/tags/v1", Type: "ADD", ToHash: strings.Repeat("c", 40)},
		{Ref: "refs/heads/old", Type: "DELETE", FromHash: strings.Repeat("d", 40)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(unsubscribed.recorded()) != 0 || len(inactive.recorded()) != 0 {
		t.Fatal("a hook not subscribed to repo:push, or inactive, got a cloudDelivery")
	}
	ds := signed.recorded()
	if len(ds) != 1 {
		t.Fatalf("signed hook got %d deliveries", len(ds))
	}
	d := ds[0]
	for k, want := range map[string]string{
		"X-Event-Key": "repo:push", "X-Hook-UUID": strings.Trim(hookID, "{}"), "X-Attempt-Number": "1",
		"User-Agent": "Bitbucket-Webhooks/2.0", "Content-Type": "application/json",
	} {
		if got := d.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(d.body)
	if got, want := d.header.Get("X-Hub-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("X-Hub-Signature %q, want %q", got, want)
	}
	pd := plain.recorded()
	if len(pd) != 1 || pd[0].header.Get("X-Hub-Signature") != "" {
		t.Fatalf("hook without secret: %d deliveries, signature %q", len(pd), pd[0].header.Get("X-Hub-Signature"))
	}
	if id1, id2 := d.header.Get("X-Request-UUID"), pd[0].header.Get("X-Request-UUID"); id1 == "" || id1 == id2 {
		t.Errorf("X-Request-UUID not unique per cloudDelivery: %q %q", id1, id2)
	}

	var p map[string]any
	if err := json.Unmarshal(d.body, &p); err != nil {
		t.Fatal(err)
	}
	if str(p, "actor.nickname") != "bob" || str(p, "repository.full_name") != "ws/repo-00001" || str(p, "repository.type") != "repository" {
		t.Errorf("actor or repository: %s", d.body)
	}
	changes, _ := lookup(p, "push.changes")
	cs, _ := changes.([]any)
	if len(cs) != 3 {
		t.Fatalf("%d changes: %s", len(cs), d.body)
	}
	upd, add, del := cs[0].(map[string]any), cs[1].(map[string]any), cs[2].(map[string]any)
	if str(upd, "old.name") != "main" || str(upd, "old.type") != "branch" || str(upd, "old.target.hash") != strings.Repeat("a", 40) ||
		str(upd, "new.target.hash") != strings.Repeat("b", 40) || upd["created"] != false || upd["closed"] != false {
		t.Errorf("update change: %v", upd)
	}
	if add["old"] != nil || add["created"] != true || str(add, "new.type") != "tag" || str(add, "new.name") != "v1" {
		t.Errorf("tag creation: %v", add)
	}
	if del["new"] != nil || del["closed"] != true || str(del, "old.name") != "old" {
		t.Errorf("branch deletion: %v", del)
	}
}

func TestCloudDeliveryRetriesOn5xxOnly(t *testing.T) {
	srv, ref := newDeliveryFixture(t)
	flaky := &cloudReceiver{fail: func(n int) int {
		if n < 3 {
			return http.StatusBadGateway
		}
		return http.StatusOK
	}}
	ts := httptest.NewServer(flaky)
	defer ts.Close()
	createCloudHook(t, srv, `{"url":"`+ts.URL+`","events":["repo:push"]}`)
	push := PushEvent{Changes: []RefChange{{Ref: "refs/heads/main", Type: "UPDATE"}}}
	if err := srv.Push(context.Background(), ref, push); err != nil {
		t.Fatal(err)
	}
	ds := flaky.recorded()
	if len(ds) != 3 {
		t.Fatalf("%d attempts, want 3", len(ds))
	}
	for i, d := range ds {
		if got := d.header.Get("X-Attempt-Number"); got != itoa(i+1) {
			t.Errorf("attempt %d: X-Attempt-Number %q", i+1, got)
		}
		if d.header.Get("X-Request-UUID") != ds[0].header.Get("X-Request-UUID") {
			t.Error("a retry changed X-Request-UUID")
		}
	}

	refused := &cloudReceiver{fail: func(int) int { return http.StatusBadRequest }}
	ts2 := httptest.NewServer(refused)
	defer ts2.Close()
	cloudDo(t, srv, "DELETE", "/repositories/ws/repo-00001/hooks/"+srv.Hooks(ref)[0].ID, bearer("admin"), "").wantStatus(t, 204)
	createCloudHook(t, srv, `{"url":"`+ts2.URL+`","events":["repo:push"]}`)
	if err := srv.Push(context.Background(), ref, push); err == nil {
		t.Error("a 400 answer is not reported")
	}
	if n := len(refused.recorded()); n != 1 {
		t.Errorf("a 4xx answer was retried: %d attempts", n)
	}
}

func TestCloudPullRequestDelivery(t *testing.T) {
	srv, ref := newDeliveryFixture(t)
	rc := &cloudReceiver{}
	ts := httptest.NewServer(rc)
	defer ts.Close()
	createCloudHook(t, srv, `{"url":"`+ts.URL+`","events":["pullrequest:comment_created","pullrequest:fulfilled"]}`)
	pr := PullRequest{ID: 7, Title: "Add x", Author: "alice", Actor: "bob", FromBranch: "feature",
		FromCommit: strings.Repeat("e", 40), Comment: "looks <good>"}
	ctx := context.Background()
	if err := srv.PullRequestEvent(ctx, ref, "pullrequest:comment_created", pr); err != nil {
		t.Fatal(err)
	}
	if err := srv.PullRequestEvent(ctx, ref, "pullrequest:fulfilled", pr); err != nil {
		t.Fatal(err)
	}
	if err := srv.PullRequestEvent(ctx, ref, "pullrequest:created", pr); err != nil {
		t.Fatal(err)
	}
	ds := rc.recorded()
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want 2 (created is not subscribed)", len(ds))
	}
	var c, m map[string]any
	_ = json.Unmarshal(ds[0].body, &c)
	_ = json.Unmarshal(ds[1].body, &m)
	if ds[0].header.Get("X-Event-Key") != "pullrequest:comment_created" || str(c, "comment.content.raw") != "looks <good>" ||
		str(c, "pullrequest.state") != "OPEN" || str(c, "pullrequest.author.nickname") != "alice" ||
		str(c, "pullrequest.source.branch.name") != "feature" || str(c, "pullrequest.source.commit.hash") != strings.Repeat("e", 12) ||
		str(c, "pullrequest.destination.branch.name") != "main" || str(c, "pullrequest.links.html.href") == "" {
		t.Errorf("comment cloudDelivery: %s", ds[0].body)
	}
	if id, _ := lookup(c, "pullrequest.id"); id != float64(7) {
		t.Errorf("pullrequest.id %v", id)
	}
	if str(m, "pullrequest.state") != "MERGED" || m["comment"] != nil {
		t.Errorf("merge cloudDelivery: %s", ds[1].body)
	}
	if err := srv.PullRequestEvent(ctx, ref, "pr:opened", pr); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("a Data Center key on Cloud: %v", err)
	}
	if err := srv.Ping(ctx, ref); !errors.Is(err, bitbucket.ErrNotSupported) {
		t.Errorf("Ping on Cloud: %v", err)
	}
}

// TestCloudDeliveryResendsAtOnce: a 5xx answer is resent at once, whatever Retry-After says, at
// most twice; the third failure is reported.
func TestCloudDeliveryResendsAtOnce(t *testing.T) {
	srv, ref := newDeliveryFixture(t)
	down := &cloudReceiver{fail: func(int) int { return http.StatusServiceUnavailable }}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		down.ServeHTTP(w, r)
	}))
	defer ts.Close()
	createCloudHook(t, srv, `{"url":"`+ts.URL+`","events":["repo:push"]}`)
	start := time.Now()
	err := srv.Push(context.Background(), ref, PushEvent{Changes: []RefChange{{Ref: "refs/heads/main", Type: "UPDATE"}}})
	if err == nil {
		t.Fatal("three 503 answers are not reported")
	}
	if n := len(down.recorded()); n != 3 {
		t.Fatalf("%d attempts, want 3 (the first and 2 resends)", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the resends took %v: Retry-After was honoured", d)
	}
}

// TestCloudDeliveryNotResentAfterTransportError: Cloud resends on 5xx only. A receiver that does
// not answer (here it drops the connection; a timeout takes the same path) gets one attempt.
func TestCloudDeliveryNotResentAfterTransportError(t *testing.T) {
	srv, ref := newDeliveryFixture(t)
	var mu sync.Mutex
	attempts := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		attempts++
		mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer ts.Close()
	createCloudHook(t, srv, `{"url":"`+ts.URL+`","events":["repo:push"]}`)
	err := srv.Push(context.Background(), ref, PushEvent{Changes: []RefChange{{Ref: "refs/heads/main", Type: "UPDATE"}}})
	if err == nil {
		t.Fatal("a dropped connection is not reported")
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts != 1 {
		t.Fatalf("%d attempts after a transport error, want 1", attempts)
	}
}
