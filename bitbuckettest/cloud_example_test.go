package bitbuckettest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// A fake Bitbucket Cloud answering a plain HTTP client: a repository access token reaches only its
// repository, and the response says what kind of credential it is.
func ExampleNewCloud() {
	srv := bitbuckettest.NewCloud()
	defer srv.Close()
	srv.AddRepositories("acme", "svc", 3)
	srv.AddAccessToken("repo-token", "repo", bitbucket.RepoRef{Namespace: "acme", Slug: "svc-00002"}, "repository")

	req, _ := http.NewRequest("GET", srv.URL()+"/repositories/acme", nil)
	req.Header.Set("Authorization", "Bearer repo-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var page struct {
		Values []struct {
			FullName string `json:"full_name"`
		} `json:"values"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&page)
	fmt.Println(resp.Header.Get("X-Credential-Type"), len(page.Values))
	for _, r := range page.Values {
		fmt.Println(r.FullName)
	}
	// Output:
	// repo_access_token 1
	// acme/svc-00002
}
