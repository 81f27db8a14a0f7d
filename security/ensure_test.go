package security_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

// fakes starts each provider's fake with one admin user and one repository, and connects to it.
func fakes(t *testing.T) map[bitbucket.Provider]struct {
	srv  *bitbuckettest.Server
	conn bitbucket.Connector
	repo bitbucket.RepoRef
} {
	t.Helper()
	out := map[bitbucket.Provider]struct {
		srv  *bitbuckettest.Server
		conn bitbucket.Connector
		repo bitbucket.RepoRef
	}{}
	for _, p := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		var srv *bitbuckettest.Server
		if p == bitbucket.Cloud {
			srv = bitbuckettest.NewCloud()
		} else {
			srv = bitbuckettest.NewServer()
		}
		t.Cleanup(srv.Close)
		repo := bitbucket.RepoRef{Namespace: "TEAM", Slug: "app"}
		srv.AddRepository(bitbuckettest.Repository{Namespace: repo.Namespace, Slug: repo.Slug})
		srv.AddUser(bitbuckettest.User{Username: "ada", DisplayName: "Ada"})
		srv.AddToken("ada-token", "ada")
		srv.Grant("ada", repo, bitbucket.PermissionAdmin)
		var conn bitbucket.Connector
		var err error
		if p == bitbucket.Cloud {
			conn, err = cloud.New(auth.Bearer("ada-token"), srv.Options()...)
		} else {
			conn, err = server.New(srv.URL(), auth.Bearer("ada-token"), srv.Options()...)
		}
		if err != nil {
			t.Fatal(err)
		}
		out[p] = struct {
			srv  *bitbuckettest.Server
			conn bitbucket.Connector
			repo bitbucket.RepoRef
		}{srv, conn, repo}
	}
	return out
}

// #11.7: sixteen concurrent EnsureWebhook calls for one URL leave one hook, on both fakes.
func TestConcurrentEnsureWebhookMakesOneHook(t *testing.T) {
	for p, f := range fakes(t) {
		t.Run(string(p), func(t *testing.T) {
			spec := bitbucket.WebhookSpec{URL: "https://ci.example.com/hook", Events: []bitbucket.Event{bitbucket.EventPush}, Secret: "s"}
			var wg sync.WaitGroup
			var mu sync.Mutex
			created := 0
			for range 16 {
				wg.Go(func() {
					_, res, err := bitbucket.EnsureWebhook(context.Background(), f.conn, f.repo, spec)
					if err != nil {
						t.Error(err)
						return
					}
					if res == bitbucket.EnsureCreated {
						mu.Lock()
						created++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if n := len(f.srv.Hooks(f.repo)); n != 1 || created != 1 {
				t.Fatalf("%d hooks, %d creates after 16 concurrent calls; want 1 and 1", n, created)
			}
		})
	}
}

// #11.12: dot segments never reach a server, whatever call carries them.
func TestDotSegmentsNeverReachTheServer(t *testing.T) {
	if _, err := bitbucket.ParseRepoRef("../.."); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Fatalf("ParseRepoRef(../..) = %v", err)
	}
	for p, f := range fakes(t) {
		t.Run(string(p), func(t *testing.T) {
			ctx := context.Background()
			for _, repo := range []bitbucket.RepoRef{{Namespace: "..", Slug: ".."}, {Namespace: "TEAM", Slug: "%2e%2e"}, {Namespace: ".", Slug: "app"}} {
				if err := f.conn.DeleteWebhook(ctx, repo, "1"); !errors.Is(err, bitbucket.ErrInvalidInput) {
					t.Errorf("DeleteWebhook(%s) = %v, want ErrInvalidInput", repo, err)
				}
				if _, err := f.conn.GetRepository(ctx, repo); !errors.Is(err, bitbucket.ErrInvalidInput) {
					t.Errorf("GetRepository(%s) = %v, want ErrInvalidInput", repo, err)
				}
			}
			for _, id := range []string{"..", "../../admin", "%2e%2e"} {
				if err := f.conn.DeleteWebhook(ctx, f.repo, id); !errors.Is(err, bitbucket.ErrInvalidInput) && !errors.Is(err, bitbucket.ErrNotFound) {
					t.Errorf("DeleteWebhook(id %q) = %v", id, err)
				}
			}
			if _, err := f.conn.GetFile(ctx, f.repo, "main", "../../../etc/passwd"); !errors.Is(err, bitbucket.ErrInvalidInput) {
				t.Errorf("GetFile(../..) = %v, want ErrInvalidInput", err)
			}
			for _, line := range f.srv.RequestLog() {
				if containsDotSegment(line) {
					t.Errorf("the server saw %s", line)
				}
			}
		})
	}
}

func containsDotSegment(line string) bool {
	for _, seg := range []string{"/../", "/./", "/..", "%2e%2e", "%2E%2E"} {
		if strings.Contains(line, seg) {
			return true
		}
	}
	return false
}

// #11.14: a webhook is never pointed at userinfo, another scheme, loopback or metadata; no
// request is made for such a spec.
func TestHostileWebhookTargetsAreRefusedBeforeAnyRequest(t *testing.T) {
	for p, f := range fakes(t) {
		t.Run(string(p), func(t *testing.T) {
			before := f.srv.TotalRequests()
			for _, u := range []string{"https://user:pw@ci.example.com/h", "gopher://ci.example.com/h",
				"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:22/", "http://[::ffff:127.0.0.1]/",
				"http://[::127.0.0.1]/", "http://localhost/h"} {
				spec := bitbucket.WebhookSpec{URL: u, Events: []bitbucket.Event{bitbucket.EventPush}}
				if _, _, err := bitbucket.EnsureWebhook(context.Background(), f.conn, f.repo, spec); !errors.Is(err, bitbucket.ErrInvalidInput) {
					t.Errorf("EnsureWebhook(%s) = %v, want ErrInvalidInput", u, err)
				}
				if _, err := f.conn.CreateWebhook(context.Background(), f.repo, spec); !errors.Is(err, bitbucket.ErrInvalidInput) {
					t.Errorf("CreateWebhook(%s) = %v, want ErrInvalidInput", u, err)
				}
			}
			if n := f.srv.TotalRequests() - before; n != 0 {
				t.Errorf("%d requests sent for refused webhook targets", n)
			}
			if hooks := f.srv.Hooks(f.repo); len(hooks) != 0 {
				t.Errorf("hooks created: %+v", hooks)
			}
		})
	}
}
