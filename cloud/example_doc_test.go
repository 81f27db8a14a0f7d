package cloud_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
)

// An Atlassian API token, the replacement of app passwords: HTTP Basic with the Atlassian account
// email (not the Bitbucket username) and the token, whose granular scopes are fixed when it is
// created at id.atlassian.com.
func ExampleNew_apiToken() {
	fake := bitbuckettest.NewCloud()
	defer fake.Close()
	fake.AddUser(bitbuckettest.User{Username: "jane", Email: "jane@example.com"})
	fake.AddAPIToken("jane@example.com", "api-token", "jane",
		"read:user:bitbucket", "read:workspace:bitbucket", "read:repository:bitbucket",
		"read:webhook:bitbucket", "write:webhook:bitbucket", "delete:webhook:bitbucket")
	fake.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "api"})
	fake.Grant("jane", bitbucket.RepoRef{Namespace: "acme", Slug: "api"}, bitbucket.PermissionAdmin)

	// Against the real service: cloud.New(auth.Basic(email, apiToken)), with no options.
	client, err := cloud.New(auth.Basic("jane@example.com", "api-token"), fake.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	info, err := client.CheckConnection(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("connected as", info.User.Username)
	repos, err := bitbucket.Collect(client.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{}))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range repos {
		fmt.Println(r.Ref, r.Private)
	}
	// Output:
	// connected as jane
	// acme/api true
}

// A repository access token acts as no user and reaches one repository. It cannot enumerate
// workspaces, so listings need ListRepositoriesOptions.Namespace; its permission is found from its
// scopes and a probe of the webhook list.
func ExampleNew_accessToken() {
	fake := bitbuckettest.NewCloud()
	defer fake.Close()
	fake.AddRepositories("acme", "svc", 3)
	repo := bitbucket.RepoRef{Namespace: "acme", Slug: "svc-00002"}
	fake.AddAccessToken("repo-token", "repo", repo, "repository", "webhook")

	client, err := cloud.New(auth.Bearer("repo-token"), fake.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	info, err := client.CheckConnection(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("user %q, scopes %v\n", info.User.Username, info.Scopes)

	_, err = bitbucket.Collect(client.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{}))
	fmt.Println("without a namespace:", errors.Is(err, bitbucket.ErrNotSupported))

	for r, err := range client.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: "acme"}) {
		if err != nil {
			log.Fatal(err)
		}
		perm, err := client.RepositoryPermission(ctx, r.Ref)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.Ref, perm)
	}
	// Output:
	// user "", scopes [repository webhook]
	// without a namespace: true
	// acme/svc-00002 admin
}

// The workspaces of the caller, with the administrator flag that ListNamespaces does not carry.
func ExampleClient_ListWorkspaces() {
	fake := bitbuckettest.NewCloud()
	defer fake.Close()
	fake.AddUser(bitbuckettest.User{Username: "jane"})
	fake.AddToken("access-token", "jane", "account", "repository")
	fake.AddNamespace(bitbuckettest.Namespace{Key: "acme", Name: "Acme Corp"})
	fake.AddNamespace(bitbuckettest.Namespace{Key: "jane-lab", Name: "Jane's lab"})
	fake.AddWorkspaceMember("jane", "acme", false)
	fake.AddWorkspaceMember("jane", "jane-lab", true)

	client, err := cloud.New(auth.Bearer("access-token"), fake.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	for ws, err := range client.ListWorkspaces(context.Background(), bitbucket.ListNamespacesOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s (%s) admin=%t\n", ws.Key, ws.Name, ws.Administrator)
	}
	// Output:
	// acme (Acme Corp) admin=false
	// jane-lab (Jane's lab) admin=true
}
