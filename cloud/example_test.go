package cloud_test

import (
	"context"
	"fmt"
	"log"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
)

// Connect with an OAuth access token, list a workspace's repositories and check the caller's
// permission, here against the in-process fake of Bitbucket Cloud.
func Example() {
	fake := bitbuckettest.NewCloud()
	defer fake.Close()
	fake.AddUser(bitbuckettest.User{Username: "jane", DisplayName: "Jane Doe"})
	fake.AddToken("access-token", "jane", "account", "repository", "webhook")
	fake.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "api"})
	fake.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "web"})
	fake.Grant("jane", bitbucket.RepoRef{Namespace: "acme", Slug: "api"}, bitbucket.PermissionAdmin)
	fake.Grant("jane", bitbucket.RepoRef{Namespace: "acme", Slug: "web"}, bitbucket.PermissionRead)

	// Against the real service: cloud.New(auth.OAuth2(tokenSource)), with no options.
	client, err := cloud.New(auth.Bearer("access-token"), fake.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	info, err := client.CheckConnection(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("connected as", info.User.Username)
	for repo, err := range client.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: "acme"}) {
		if err != nil {
			log.Fatal(err)
		}
		perm, err := client.RepositoryPermission(ctx, repo.Ref)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(repo.Ref, perm)
	}
	// Output:
	// connected as jane
	// acme/api admin
	// acme/web read
}
