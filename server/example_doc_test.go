package server_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/server"
)

// New takes the address people open in a browser, context path included, and makes no request.
// Addresses typed into a form are checked before anything is sent: user info in the URL and plain
// http are refused (http only passes for hosts that bitbucket.WithAllowedHosts covers).
func ExampleNew() {
	for _, u := range []string{
		"https://git.example.com:7990/bitbucket/",
		"https://admin:secret@git.example.com",
		"http://git.example.com",
	} {
		c, err := server.New(u, auth.Bearer("token"))
		switch {
		case errors.Is(err, bitbucket.ErrInvalidInput):
			fmt.Println("refused:", err)
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println("base URL:", c.BaseURL())
		}
	}
	// Output:
	// base URL: https://git.example.com:7990/bitbucket
	// refused: bitbucket: invalid input: server URL must not contain user info (user:password@); pass credentials with the auth package
	// refused: bitbucket: invalid input: plain http to git.example.com is refused: use https, or allow the host's addresses with bitbucket.WithAllowedHosts
}

// The server's version decides which webhook events it accepts. An event it is too old for is
// refused with ErrNotSupported before anything is written: pr:from_ref_updated, half of
// EventPullRequestUpdated, needs Data Center 7.0.
func ExampleClient_Version() {
	srv := bitbuckettest.NewServer()
	defer srv.Close()
	srv.SetVersion("6.10.2")
	srv.AddUser(bitbuckettest.User{Username: "ada"})
	srv.AddToken("ada-token", "ada")
	repo := bitbucket.RepoRef{Namespace: "TEAM", Slug: "api"}
	srv.AddRepository(bitbuckettest.Repository{Namespace: repo.Namespace, Slug: repo.Slug})
	srv.Grant("ada", repo, bitbucket.PermissionAdmin)

	c, err := server.New(srv.URL(), auth.Bearer("ada-token"), srv.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	v, err := c.Version(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("version", v)

	spec := bitbucket.WebhookSpec{
		URL:    "https://ci.example.com/hooks/bitbucket",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestUpdated},
	}
	_, _, err = bitbucket.EnsureWebhook(ctx, c, repo, spec)
	fmt.Println(errors.Is(err, bitbucket.ErrNotSupported), len(srv.Hooks(repo)))

	spec.Events = []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened}
	_, result, err := bitbucket.EnsureWebhook(ctx, c, repo, spec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(result)
	// Output:
	// version 6.10.2
	// true 0
	// created
}
