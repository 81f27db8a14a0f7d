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

// What a CI product does after connecting: find the default branch, read its pipeline file,
// report a build on the head commit and get credentials for git clone.
func ExampleClient_GetFile() {
	fake := bitbuckettest.NewCloud()
	defer fake.Close()
	fake.AddUser(bitbuckettest.User{Username: "jane"})
	fake.AddToken("access-token", "jane", "account", "repository", "webhook")
	repo := bitbucket.RepoRef{Namespace: "acme", Slug: "api"}
	fake.AddRepository(bitbuckettest.Repository{Namespace: "acme", Slug: "api"})
	fake.Grant("jane", repo, bitbucket.PermissionWrite)
	fake.AddBranch(repo, "feature/login", "")
	fake.PutFile(repo, "main", ".ci/pipeline.yml", []byte("steps: [test]\n"))

	client, err := cloud.New(auth.Bearer("access-token"), fake.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var head string
	for b, err := range client.ListBranches(ctx, repo, bitbucket.ListBranchesOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("branch", b.Name, "default:", b.Default)
		if b.Default {
			head = b.Commit
		}
	}
	pipeline, err := client.GetFile(ctx, repo, head, ".ci/pipeline.yml")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pipeline: %s", pipeline)
	err = client.SetCommitStatus(ctx, repo, head, bitbucket.CommitStatus{
		Key: "ci", State: bitbucket.BuildSuccessful, Name: "CI #1", URL: "https://ci.example.com/1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", fake.Statuses(repo, head)[0].State)
	creds, err := client.GitCredentials(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("git user:", creds.Username)
	// Output:
	// branch feature/login default: false
	// branch main default: true
	// pipeline: steps: [test]
	// status: SUCCESSFUL
	// git user: x-token-auth
}
