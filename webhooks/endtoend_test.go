package webhooks_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
	"github.com/bbconnect/bbconnect/webhooks"
)

// TestEndToEnd runs connector, fake and handler together on each provider: the webhook is created
// through the Connector, the fake pushes and opens a pull request, and the handler receives
// verified, normalised events.
func TestEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		provider bitbucket.Provider
		fake     func() *bitbuckettest.Server
		connect  func(srv *bitbuckettest.Server) (bitbucket.Connector, error)
		prOpened string
	}{
		{bitbucket.Server, bitbuckettest.NewServer, func(srv *bitbuckettest.Server) (bitbucket.Connector, error) {
			return server.New(srv.URL(), auth.Bearer("tok"), srv.Options()...)
		}, "pr:opened"},
		{bitbucket.Cloud, bitbuckettest.NewCloud, func(srv *bitbuckettest.Server) (bitbucket.Connector, error) {
			return cloud.New(auth.Bearer("tok"), srv.Options()...)
		}, "pullrequest:created"},
	} {
		t.Run(string(tc.provider), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			srv := tc.fake()
			defer srv.Close()
			srv.AddUser(bitbuckettest.User{Username: "ada", DisplayName: "Ada"})
			srv.AddToken("tok", "ada")
			repo := bitbucket.RepoRef{Namespace: "TEAM", Slug: "api"}
			srv.AddRepository(bitbuckettest.Repository{Namespace: repo.Namespace, Slug: repo.Slug})
			srv.Grant("ada", repo, bitbucket.PermissionAdmin)
			conn, err := tc.connect(srv)
			if err != nil {
				t.Fatal(err)
			}

			secret := "e2e-secret"
			events := make(chan *webhooks.Event, 4)
			receiver := httptest.NewServer(webhooks.NewHandler(
				webhooks.Options{Secret: []byte(secret), Dedupe: webhooks.NewDeduper(100, time.Hour)},
				func(_ context.Context, ev *webhooks.Event) error { events <- ev; return nil }))
			defer receiver.Close()

			hook, result, err := bitbucket.EnsureWebhook(ctx, conn, repo, bitbucket.WebhookSpec{
				URL:    receiver.URL + "/bitbucket",
				Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened},
				Secret: secret,
				// The receiver is on loopback beside the fake.
				AllowLoopbackURL: true,
			})
			if err != nil || result != bitbucket.EnsureCreated || !hook.HasSecret {
				t.Fatalf("EnsureWebhook = %+v, %v, %v; want a created, signed hook", hook, result, err)
			}

			newHash := strings.Repeat("ab", 20)
			if err := srv.Push(ctx, repo, bitbuckettest.PushEvent{Actor: "ada", Changes: []bitbuckettest.RefChange{
				{Ref: "refs/heads/main", Type: "UPDATE", FromHash: strings.Repeat("01", 20), ToHash: newHash},
			}}); err != nil {
				t.Fatalf("push: %v", err)
			}
			ev := receive(t, events)
			if ev.Provider != tc.provider || ev.Type != bitbucket.EventPush || ev.Repo != repo || ev.Actor.Username != "ada" {
				t.Errorf("push event = provider %s type %q repo %s actor %q", ev.Provider, ev.Type, ev.Repo, ev.Actor.Username)
			}
			if ev.Push == nil || len(ev.Push.Changes) != 1 || ev.Push.Changes[0].Name != "main" || ev.Push.Changes[0].New != newHash {
				t.Errorf("push changes = %+v; want main updated to %s", ev.Push, newHash)
			}
			if ev.DeliveryID == "" {
				t.Error("push event has no delivery id")
			}

			if err := srv.PullRequestEvent(ctx, repo, tc.prOpened, bitbuckettest.PullRequest{
				ID: 7, Title: "Add a feature", FromBranch: "feature", FromCommit: newHash,
			}); err != nil {
				t.Fatalf("pull request event: %v", err)
			}
			ev = receive(t, events)
			if ev.Type != bitbucket.EventPullRequestOpened || ev.PullRequest == nil ||
				ev.PullRequest.ID != 7 || ev.PullRequest.Source.Branch != "feature" || ev.PullRequest.State != "open" {
				t.Errorf("pull request event = type %q, %+v", ev.Type, ev.PullRequest)
			}
		})
	}
}

func receive(t *testing.T, events <-chan *webhooks.Event) *webhooks.Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event reached the handler")
		return nil
	}
}
