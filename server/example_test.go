package server_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/server"
)

// The "Test connection" button of a settings page, against the Data Center fake. A real server
// needs only its URL (context path included) and a token; the fake runs on loopback, which the
// options it returns allow.
func ExampleClient_CheckConnection() {
	srv := bitbuckettest.NewServer()
	defer srv.Close()
	srv.AddUser(bitbuckettest.User{Username: "ada", DisplayName: "Ada Lovelace"})
	srv.AddToken("ada-token", "ada")

	c, err := server.New(srv.URL(), auth.Bearer("ada-token"), srv.Options()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	info, err := c.CheckConnection(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.User.Username, info.User.DisplayName)

	bad, _ := server.New(srv.URL(), auth.Bearer("wrong"), srv.Options()...)
	_, err = bad.CheckConnection(context.Background())
	var ce *bitbucket.CheckError
	if errors.As(err, &ce) {
		fmt.Println(ce.Step, ce.Reason, errors.Is(err, bitbucket.ErrUnauthorized))
	}
	// Output:
	// ada Ada Lovelace
	// application-properties unauthorized true
}

// Listing the repositories of a project and checking the caller's permission before creating a
// webhook.
func ExampleClient_RepositoryPermission() {
	srv := bitbuckettest.NewServer()
	defer srv.Close()
	srv.AddUser(bitbuckettest.User{Username: "ada"})
	srv.AddToken("ada-token", "ada")
	srv.AddNamespace(bitbuckettest.Namespace{Key: "TEAM", Name: "Team"})
	srv.AddRepository(bitbuckettest.Repository{Namespace: "TEAM", Slug: "api"})
	srv.AddRepository(bitbuckettest.Repository{Namespace: "TEAM", Slug: "web"})
	srv.Grant("ada", bitbucket.RepoRef{Namespace: "TEAM", Slug: "api"}, bitbucket.PermissionAdmin)
	srv.Grant("ada", bitbucket.RepoRef{Namespace: "TEAM", Slug: "web"}, bitbucket.PermissionRead)

	c, err := server.New(srv.URL(), auth.Bearer("ada-token"), srv.Options()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for repo, err := range c.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: "TEAM"}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		p, err := c.RepositoryPermission(ctx, repo.Ref)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(repo.Ref, p)
	}
	// Output:
	// TEAM/api admin
	// TEAM/web read
}

// Keeping one webhook per URL on a repository: the second call writes nothing.
func ExampleClient_CreateWebhook() {
	srv := bitbuckettest.NewServer()
	defer srv.Close()
	srv.AddUser(bitbuckettest.User{Username: "ada"})
	srv.AddToken("ada-token", "ada")
	srv.AddRepository(bitbuckettest.Repository{Namespace: "TEAM", Slug: "api"})
	srv.Grant("ada", bitbucket.RepoRef{Namespace: "TEAM"}, bitbucket.PermissionAdmin)

	c, err := server.New(srv.URL(), auth.Bearer("ada-token"), srv.Options()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	repo := bitbucket.RepoRef{Namespace: "TEAM", Slug: "api"}
	spec := bitbucket.WebhookSpec{
		URL:    "https://ci.example.com/bitbucket",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened},
		Secret: "generated-per-hook",
	}
	for range 2 {
		h, res, err := bitbucket.EnsureWebhook(context.Background(), c, repo, spec)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(res, h.Events, h.HasSecret)
	}
	// Output:
	// created [pull_request.opened push] true
	// unchanged [pull_request.opened push] true
}
