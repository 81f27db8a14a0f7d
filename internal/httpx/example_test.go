package httpx_test

import (
	"fmt"
	"net/url"

	"github.com/bbconnect/bbconnect/internal/httpx"
)

func ExampleRedactURL() {
	u, _ := url.Parse("https://alice:hunter2@bitbucket.example.com/rest/api/1.0/projects?limit=25&access_token=abc123")
	fmt.Println(httpx.RedactURL(u))
	// Output: https://bitbucket.example.com/rest/api/1.0/projects?limit=25&access_token=REDACTED
}

func ExamplePath() {
	fmt.Println(httpx.Path("repositories", "{workspace-uuid}", "my/repo"))
	// Output: /repositories/%7Bworkspace-uuid%7D/my%2Frepo
}
