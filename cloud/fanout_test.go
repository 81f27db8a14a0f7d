package cloud_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
)

// fanoutFake seeds workspaces of uneven sizes (empty ones included, some over several pages) for
// a user granted read on each.
func fanoutFake(t *testing.T) (*bitbuckettest.Server, *cloud.Client, []string) {
	t.Helper()
	fake := bitbuckettest.NewCloud()
	t.Cleanup(fake.Close)
	fake.AddUser(bitbuckettest.User{Username: "jane"})
	fake.AddToken("tok", "jane", "account", "repository")
	sizes := map[string]int{"ws1": 0, "ws2": 150, "ws3": 3, "ws4": 0, "ws5": 230, "ws6": 1}
	var want []string
	for _, ws := range []string{"ws1", "ws2", "ws3", "ws4", "ws5", "ws6"} {
		fake.AddWorkspaceMember("jane", ws, false)
		fake.AddRepositories(ws, "r", sizes[ws])
		fake.Grant("jane", bitbucket.RepoRef{Namespace: ws}, bitbucket.PermissionRead)
		for i := 1; i <= sizes[ws]; i++ {
			want = append(want, fmt.Sprintf("%s/r-%05d", ws, i))
		}
	}
	c, err := cloud.New(auth.Bearer("tok"), fake.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, want
}

func refs(t *testing.T, seq func(func(*bitbucket.Repository, error) bool)) ([]string, error) {
	t.Helper()
	var out []string
	for r, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, r.Ref.String())
	}
	return out, nil
}

// Reading several workspaces at once gives the sequential order, and every width reads the
// workspace list once: ⌈W/100⌉ + Σ⌈Nᵢ/100⌉ requests.
func TestListAcrossWorkspacesOrder(t *testing.T) {
	t.Parallel()
	fake, c, want := fanoutFake(t)
	ctx := context.Background()
	for _, n := range []int{1, 2, 4, 16} {
		before, wsBefore := fake.TotalRequests(), fake.Requests("GET", "/user/workspaces")
		got, err := refs(t, c.WithNamespaceConcurrency(n).ListRepositories(ctx, bitbucket.ListRepositoriesOptions{}))
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("n=%d: got %d repositories %v..., want %d in workspace then slug order", n, len(got), got[:min(5, len(got))], len(want))
		}
		// One /user/workspaces page, then 1, 2, 1, 1, 3 and 1 repository pages, whatever n is:
		// one at a time is the same algorithm with width 1.
		if reqs := fake.TotalRequests() - before; reqs != 10 {
			t.Errorf("n=%d: %d requests, want 10", n, reqs)
		}
		if reqs := fake.Requests("GET", "/user/workspaces") - wsBefore; reqs != 1 {
			t.Errorf("n=%d: the workspace list was read %d times, want once", n, reqs)
		}
	}
}

// An error in one workspace comes after every repository of the workspaces before it, and
// nothing follows it.
func TestListAcrossWorkspacesErrorOrder(t *testing.T) {
	t.Parallel()
	fake, c, want := fanoutFake(t)
	fake.FailNextMatching(1, http.StatusNotFound, "/repositories/ws5")
	got, err := refs(t, c.WithNamespaceConcurrency(4).ListRepositories(context.Background(), bitbucket.ListRepositoriesOptions{}))
	if !errors.Is(err, bitbucket.ErrNotFound) {
		t.Fatalf("error = %v, want the 404 of ws5", err)
	}
	if wantBefore := want[:153]; !slices.Equal(got, wantBefore) {
		t.Errorf("before the error: %d repositories, want the %d of ws1..ws4", len(got), len(wantBefore))
	}
}

// Breaking out stops the listing; the client keeps working.
func TestListAcrossWorkspacesBreak(t *testing.T) {
	t.Parallel()
	_, c, want := fanoutFake(t)
	c = c.WithNamespaceConcurrency(4)
	n := 0
	for _, err := range c.ListRepositories(context.Background(), bitbucket.ListRepositoriesOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	got, err := refs(t, c.ListRepositories(context.Background(), bitbucket.ListRepositoriesOptions{}))
	if err != nil || len(got) != len(want) {
		t.Errorf("after a break: %d repositories, %v", len(got), err)
	}
}

func TestListAcrossWorkspacesCancelled(t *testing.T) {
	t.Parallel()
	_, c, _ := fanoutFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs []error
	n := 0
	for _, err := range c.WithNamespaceConcurrency(4).ListRepositories(ctx, bitbucket.ListRepositoriesOptions{}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n++; n == 5 {
			cancel()
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("errors after cancel = %v, want context.Canceled once", errs)
	}
}

// Credentials that cannot enumerate workspaces get ErrNotSupported, as in the sequential mode.
func TestListAcrossWorkspacesAccessToken(t *testing.T) {
	t.Parallel()
	fake, _, _ := fanoutFake(t)
	fake.AddAccessToken("ws-token", "workspace", bitbucket.RepoRef{Namespace: "ws2"}, "repository")
	c, err := cloud.New(auth.Bearer("ws-token"), fake.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = refs(t, c.WithNamespaceConcurrency(4).ListRepositories(context.Background(), bitbucket.ListRepositoriesOptions{}))
	if !errors.Is(err, bitbucket.ErrNotSupported) {
		t.Errorf("error = %v, want ErrNotSupported", err)
	}
}
