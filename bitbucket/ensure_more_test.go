package bitbucket_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestEnsureWebhookLeavesPingOut(t *testing.T) {
	t.Parallel()
	for _, p := range []bitbucket.Provider{bitbucket.Server, bitbucket.Cloud} {
		c := newMemConnector(p)
		spec := baseSpec()
		spec.Events = append(spec.Events, bitbucket.EventPing)
		rep, err := bitbucket.EnsureWebhookReport(t.Context(), c, ensureRepo, spec)
		if err != nil || rep.Result != bitbucket.EnsureCreated {
			t.Fatalf("%s: %+v, %v", p, rep, err)
		}
		if !slices.Equal(rep.Omitted, []bitbucket.Event{bitbucket.EventPing}) || slices.Contains(rep.Webhook.Events, bitbucket.EventPing) {
			t.Errorf("%s: Omitted %q, hook events %q: ping must be left out and said so", p, rep.Omitted, rep.Webhook.Events)
		}
		// The stored hook (without ping) matches the spec (with ping): no update on the next call.
		rep, err = bitbucket.EnsureWebhookReport(t.Context(), c, ensureRepo, spec)
		if err != nil || rep.Result != bitbucket.EnsureUnchanged {
			t.Errorf("%s: second call %s, %v; want unchanged", p, rep.Result, err)
		}
	}
}

// inheritingConnector is a memConnector whose repositories also inherit namespace hooks.
type inheritingConnector struct {
	*memConnector
	inherited []*bitbucket.Webhook
	err       error
}

func (c *inheritingConnector) ListInheritedWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	if err := c.record(false, "ListInheritedWebhooks %s", repo); err != nil {
		return nil, err
	}
	return c.inherited, c.err
}

func TestEnsureWebhookUsesAnInheritedHook(t *testing.T) {
	t.Parallel()
	spec := baseSpec()
	project := &bitbucket.Webhook{ID: "77", URL: "HTTPS://CI.example.com/hooks/bitbucket/", Active: true}
	c := &inheritingConnector{memConnector: newMemConnector(bitbucket.Server), inherited: []*bitbucket.Webhook{project}}
	rep, err := bitbucket.EnsureWebhookReport(t.Context(), c, ensureRepo, spec)
	if err != nil || !rep.Inherited || rep.Webhook.ID != "77" || rep.Result != bitbucket.EnsureUnchanged {
		t.Fatalf("report %+v, %v; want the project hook to serve", rep, err)
	}
	if w := c.Writes(); len(w) != 0 {
		t.Fatalf("writes %q: an inherited hook with the URL means no repository hook", w)
	}

	// A disabled inherited hook serves nothing: the repository gets its own.
	project.Active = false
	rep, err = bitbucket.EnsureWebhookReport(t.Context(), c, ensureRepo, spec)
	if err != nil || rep.Inherited || rep.Result != bitbucket.EnsureCreated {
		t.Fatalf("with the inherited hook disabled: %+v, %v", rep, err)
	}
}

func TestEnsureWebhookWhenInheritedHooksAreUnreadable(t *testing.T) {
	t.Parallel()
	forbidden := &bitbucket.APIError{Provider: bitbucket.Server, StatusCode: 401, Code: "com.atlassian.bitbucket.AuthorisationException"}
	c := &inheritingConnector{memConnector: newMemConnector(bitbucket.Server), err: forbidden}
	rep, err := bitbucket.EnsureWebhookReport(t.Context(), c, ensureRepo, baseSpec())
	if err != nil || !rep.InheritedUnread || rep.Result != bitbucket.EnsureCreated {
		t.Fatalf("%+v, %v; want the repository-level result with InheritedUnread", rep, err)
	}
	c.err = errors.New("network down")
	if _, err := bitbucket.EnsureWebhookReport(t.Context(), c, ensureRepo, baseSpec()); err == nil {
		t.Fatal("another failure reading inherited hooks must be returned")
	}
}

func TestEnsureWebhookConcurrentCallsMakeOneHook(t *testing.T) {
	t.Parallel()
	c := newMemConnector(bitbucket.Cloud)
	var wg sync.WaitGroup
	results := make([]bitbucket.EnsureResult, 16)
	for i := range results {
		wg.Go(func() {
			_, res, err := bitbucket.EnsureWebhook(t.Context(), c, ensureRepo, baseSpec())
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	if n := len(c.Hooks(ensureRepo)); n != 1 {
		t.Fatalf("%d hooks after 16 concurrent calls, want 1", n)
	}
	if created := slices.Index(results, bitbucket.EnsureCreated); created < 0 || slices.Index(results[created+1:], bitbucket.EnsureCreated) >= 0 {
		t.Fatalf("results %v: want exactly one created", results)
	}
}

// racingConnector simulates another process: just before each create, a hook with the same URL
// appears, created a moment earlier.
type racingConnector struct{ *memConnector }

func (c racingConnector) CreateWebhook(ctx context.Context, repo bitbucket.RepoRef, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	c.addHook(repo, bitbucket.Webhook{URL: spec.URL, Active: true, CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	return c.memConnector.CreateWebhook(ctx, repo, spec)
}

func TestEnsureWebhookAcrossProcessesLeavesOneHook(t *testing.T) {
	t.Parallel()
	c := racingConnector{newMemConnector(bitbucket.Cloud)}
	rep, err := bitbucket.EnsureWebhookReport(t.Context(), c, ensureRepo, baseSpec())
	if err != nil {
		t.Fatal(err)
	}
	hooks := c.Hooks(ensureRepo)
	if len(hooks) != 1 || len(rep.Removed) != 1 || rep.Webhook == nil || rep.Webhook.ID != hooks[0].ID {
		t.Fatalf("hooks %d, report %+v; want the other process's hook kept and ours removed", len(hooks), rep)
	}
	if w := c.Writes(); !slices.ContainsFunc(w, func(s string) bool { return strings.HasPrefix(s, "DeleteWebhook") }) {
		t.Fatalf("writes %q: the newer duplicate must be deleted", w)
	}
}

func TestEnsureWebhookWaitHonoursContext(t *testing.T) {
	t.Parallel()
	blocked := make(chan struct{})
	release := make(chan struct{})
	c := &blockingConnector{memConnector: newMemConnector(bitbucket.Cloud), entered: blocked, release: release}
	go func() { _, _, _ = bitbucket.EnsureWebhook(context.Background(), c, ensureRepo, baseSpec()) }()
	<-blocked
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, _, err := bitbucket.EnsureWebhook(ctx, c, ensureRepo, baseSpec())
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v; a waiting call ends with its context", err)
	}
}

// blockingConnector holds its first ListWebhooks until release is closed.
type blockingConnector struct {
	*memConnector
	once             sync.Once
	entered, release chan struct{}
}

func (c *blockingConnector) ListWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	c.once.Do(func() { close(c.entered); <-c.release })
	return c.memConnector.ListWebhooks(ctx, repo)
}
