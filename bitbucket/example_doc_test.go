package bitbucket_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

// The "Test connection" button of a settings page: CheckConnection reaches the service, checks
// the credentials and says whom they act as. The same code serves both providers; here it runs on
// the two in-process fakes, whose Options allow their loopback address.
func ExampleConnector_CheckConnection() {
	dc := bitbuckettest.NewServer() // Data Center 9.4, under the context path /bitbucket
	defer dc.Close()
	dc.AddUser(bitbuckettest.User{Username: "ada", DisplayName: "Ada Lovelace"})
	dc.AddToken("dc-token", "ada")

	bc := bitbuckettest.NewCloud()
	defer bc.Close()
	bc.AddUser(bitbuckettest.User{Username: "jane", DisplayName: "Jane Doe"})
	bc.AddToken("cloud-token", "jane", "account", "repository")

	// Against real servers: server.New("https://git.example.com/bitbucket", auth.Bearer(token))
	// and cloud.New(auth.OAuth2(tokenSource)), with no options.
	onPrem, err := server.New(dc.URL(), auth.Bearer("dc-token"), dc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	inCloud, err := cloud.New(auth.Bearer("cloud-token"), bc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range []bitbucket.Connector{onPrem, inCloud} {
		info, err := c.CheckConnection(context.Background())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %s (%s) version=%q\n", info.Provider, info.User.Username, info.User.DisplayName, info.Version)
	}
	// Output:
	// server: ada (Ada Lovelace) version="9.4.3"
	// cloud: jane (Jane Doe) version=""
}

// One page at a time, for a UI or an API of your own: show a page, hand Page.Next to the client,
// and resume from it later, on this replica or another one. Next is "" on the last page.
func ExampleConnector_ListRepositoriesPage() {
	dc := bitbuckettest.NewServer()
	defer dc.Close()
	dc.AddUser(bitbuckettest.User{Username: "ada"})
	dc.AddToken("dc-token", "ada")
	dc.AddRepositories("TEAM", "svc", 5) // TEAM/svc-00001 … TEAM/svc-00005
	dc.Grant("ada", bitbucket.RepoRef{Namespace: "TEAM"}, bitbucket.PermissionRead)

	c, err := server.New(dc.URL(), auth.Bearer("dc-token"), dc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	page, err := c.ListRepositoriesPage(ctx, bitbucket.ListRepositoriesOptions{Namespace: "TEAM", PageSize: 2})
	if err != nil {
		log.Fatal(err)
	}
	for n := 1; ; n++ {
		fmt.Printf("page %d:", n)
		for _, r := range page.Items {
			fmt.Print(" ", r.Ref)
		}
		fmt.Println()
		if page.Next == "" {
			break
		}
		// The cursor carries the listing (namespace, query, permission); only the page size may
		// be given again.
		page, err = c.ListRepositoriesPage(ctx, bitbucket.ListRepositoriesOptions{Cursor: page.Next, PageSize: 2})
		if err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// page 1: TEAM/svc-00001 TEAM/svc-00002
	// page 2: TEAM/svc-00003 TEAM/svc-00004
	// page 3: TEAM/svc-00005
}

// The iterator fetches pages as the loop needs them, at most one page ahead of it, and stops
// fetching at break. Here a picker wants the first three repositories the user administers, out
// of many.
func ExampleConnector_ListRepositories() {
	dc := bitbuckettest.NewServer()
	defer dc.Close()
	dc.AddUser(bitbuckettest.User{Username: "ada"})
	dc.AddToken("dc-token", "ada")
	dc.AddRepositories("TEAM", "svc", 250)
	dc.Grant("ada", bitbucket.RepoRef{Namespace: "TEAM"}, bitbucket.PermissionAdmin)

	c, err := server.New(dc.URL(), auth.Bearer("dc-token"), dc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	opts := bitbucket.ListRepositoriesOptions{MinPermission: bitbucket.PermissionAdmin, PageSize: 10}
	var picked []bitbucket.RepoRef
	for repo, err := range c.ListRepositories(context.Background(), opts) {
		if err != nil {
			log.Fatal(err) // the listing is never silently partial: a failed page ends it here
		}
		picked = append(picked, repo.Ref)
		if len(picked) == 3 {
			break
		}
	}
	fmt.Println(picked)
	fmt.Println("at most one page read ahead:", dc.Requests("GET", "/rest/api/1.0/repos") <= 2)
	// Output:
	// [TEAM/svc-00001 TEAM/svc-00002 TEAM/svc-00003]
	// at most one page read ahead: true
}

// Before offering to install a webhook, check that the user administers the repository.
// RepositoryPermission answers for the credentials in use; a repository they cannot see (or that
// does not exist: Bitbucket does not tell them apart) is PermissionNone with a nil error. An error
// means the question could not be asked (bad credentials, network, rate limit).
func ExampleCanAdmin() {
	bc := bitbuckettest.NewCloud()
	defer bc.Close()
	bc.AddUser(bitbuckettest.User{Username: "jane"})
	bc.AddToken("cloud-token", "jane", "account", "repository", "webhook")
	for _, slug := range []string{"api", "web", "secret"} {
		bc.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: slug})
	}
	bc.Grant("jane", bitbucket.RepoRef{Namespace: "acme", Slug: "api"}, bitbucket.PermissionAdmin)
	bc.Grant("jane", bitbucket.RepoRef{Namespace: "acme", Slug: "web"}, bitbucket.PermissionWrite)

	c, err := cloud.New(auth.Bearer("cloud-token"), bc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, slug := range []string{"api", "web", "secret", "missing"} {
		repo := bitbucket.RepoRef{Namespace: "acme", Slug: slug}
		perm, err := c.RepositoryPermission(ctx, repo)
		if err != nil {
			log.Fatal(err)
		}
		admin, err := bitbucket.CanAdmin(ctx, c, repo)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-12s %-6s can install webhooks: %t\n", repo, perm, admin)
	}
	// Output:
	// acme/api     admin  can install webhooks: true
	// acme/web     write  can install webhooks: false
	// acme/secret  none   can install webhooks: false
	// acme/missing none   can install webhooks: false
}

// EnsureWebhook is the idempotent way to install a product's webhook: it matches existing hooks by
// URL, creates one only when none matches, updates only what differs, and writes nothing when the
// hook is already as wanted. Run it on every "connect" and on every deploy.
func ExampleEnsureWebhook() {
	bc := bitbuckettest.NewCloud()
	defer bc.Close()
	bc.AddUser(bitbuckettest.User{Username: "jane"})
	bc.AddToken("cloud-token", "jane", "account", "repository", "pullrequest", "webhook")
	bc.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "api"})
	repo := bitbucket.RepoRef{Namespace: "acme", Slug: "api"}
	bc.Grant("jane", repo, bitbucket.PermissionAdmin)

	c, err := cloud.New(auth.Bearer("cloud-token"), bc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	spec := bitbucket.WebhookSpec{
		URL:         "https://ci.example.com/hooks/bitbucket",
		Description: "Example CI",
		Events:      []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened},
		Secret:      "a-random-secret-per-hook", // write-only: Bitbucket signs deliveries with it
	}
	ctx := context.Background()
	for range 2 {
		hook, result, err := bitbucket.EnsureWebhook(ctx, c, repo, spec)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(result, hook.Events, "active:", hook.Active, "signed:", hook.HasSecret)
	}
	spec.Events = append(spec.Events, bitbucket.EventPullRequestMerged)
	_, result, err := bitbucket.EnsureWebhook(ctx, c, repo, spec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(result, "hooks on the repository:", len(bc.Hooks(repo)))
	// Output:
	// created [pull_request.opened push] active: true signed: true
	// unchanged [pull_request.opened push] active: true signed: true
	// updated hooks on the repository: 1
}

// Every HTTP failure is a *bitbucket.APIError. Match the kind of failure with errors.Is against the
// sentinels, the same way on both providers, and read the details with errors.As. A user who may
// read a repository but not administer it cannot list its webhooks: Cloud answers 403, Data Center
// 401 with an AuthorisationException, and both read as ErrForbidden. Bad credentials are
// ErrUnauthorized; a missing repository ErrNotFound.
func Example_errors() {
	dc := bitbuckettest.NewServer()
	defer dc.Close()
	dc.AddUser(bitbuckettest.User{Username: "ada"})
	dc.AddToken("dc-token", "ada")
	dc.AddRepository(bitbuckettest.Repository{Namespace: "TEAM", Slug: "api"})
	dc.Grant("ada", bitbucket.RepoRef{Namespace: "TEAM", Slug: "api"}, bitbucket.PermissionRead)

	bc := bitbuckettest.NewCloud()
	defer bc.Close()
	bc.AddUser(bitbuckettest.User{Username: "jane"})
	bc.AddToken("cloud-token", "jane", "account", "repository", "webhook")
	bc.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "api"})
	bc.Grant("jane", bitbucket.RepoRef{Namespace: "acme", Slug: "api"}, bitbucket.PermissionRead)

	onPrem, err := server.New(dc.URL(), auth.Bearer("dc-token"), dc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	inCloud, err := cloud.New(auth.Bearer("cloud-token"), bc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	badToken, err := server.New(dc.URL(), auth.Bearer("revoked-token"), dc.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	explain := func(err error) {
		var apiErr *bitbucket.APIError
		if errors.As(err, &apiErr) {
			fmt.Printf("  %s %s answered %d, code %q\n", apiErr.Provider, apiErr.Method, apiErr.StatusCode, apiErr.Code)
		}
		switch {
		case errors.Is(err, bitbucket.ErrUnauthorized):
			fmt.Println("  -> the credentials are wrong or revoked: ask the user to reconnect")
		case errors.Is(err, bitbucket.ErrForbidden):
			fmt.Println("  -> valid credentials without the permission: ask a repository admin")
		case errors.Is(err, bitbucket.ErrNotFound):
			fmt.Println("  -> no such repository, or the user cannot see it")
		}
	}

	fmt.Println("reader lists webhooks on Data Center:")
	_, err = onPrem.ListWebhooks(ctx, bitbucket.RepoRef{Namespace: "TEAM", Slug: "api"})
	explain(err)
	fmt.Println("reader lists webhooks on Cloud:")
	_, err = inCloud.ListWebhooks(ctx, bitbucket.RepoRef{Namespace: "acme", Slug: "api"})
	explain(err)
	fmt.Println("a revoked token:")
	_, err = badToken.GetRepository(ctx, bitbucket.RepoRef{Namespace: "TEAM", Slug: "api"})
	explain(err)
	fmt.Println("a missing repository:")
	_, err = inCloud.GetRepository(ctx, bitbucket.RepoRef{Namespace: "acme", Slug: "gone"})
	explain(err)
	// Output:
	// reader lists webhooks on Data Center:
	//   server GET answered 401, code "com.atlassian.bitbucket.AuthorisationException"
	//   -> valid credentials without the permission: ask a repository admin
	// reader lists webhooks on Cloud:
	//   cloud GET answered 403, code ""
	//   -> valid credentials without the permission: ask a repository admin
	// a revoked token:
	//   server GET answered 401, code "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"
	//   -> the credentials are wrong or revoked: ask the user to reconnect
	// a missing repository:
	//   cloud GET answered 404, code ""
	//   -> no such repository, or the user cannot see it
}
