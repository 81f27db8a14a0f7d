package bitbuckettest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// A fake Data Center with one user who administers one project, asked over plain HTTP.
func ExampleNewServer() {
	srv := bitbuckettest.NewServer()
	defer srv.Close()
	srv.AddUser(bitbuckettest.User{Username: "alice"})
	srv.AddToken("token-1", "alice")
	srv.AddRepository(bitbuckettest.Repository{Namespace: "PROJ", Slug: "app"})
	srv.Grant("alice", bitbucket.RepoRef{Namespace: "PROJ"}, bitbucket.PermissionAdmin)

	req, _ := http.NewRequest("GET", srv.URL()+"/rest/api/1.0/repos?permission=REPO_ADMIN", nil)
	req.Header.Set("Authorization", "Bearer token-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var page struct {
		IsLastPage bool
		Values     []struct{ Slug string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&page)
	fmt.Println(resp.Header.Get("X-AUSERNAME"), page.Values[0].Slug, page.IsLastPage)
	// Output: alice app true
}
