package auth_test

import (
	"fmt"
	"net/url"

	"github.com/bbconnect/bbconnect/auth"
)

// The authorization-code flow's first step: a fresh state, checked once on the callback.
func ExampleCloudOAuth2Config() {
	cfg := auth.CloudOAuth2Config("consumer-key", "consumer-secret", "https://product.example.com/callback")
	states := auth.NewStateStore(0)
	state, err := states.New()
	if err != nil {
		panic(err)
	}
	u, _ := url.Parse(cfg.AuthCodeURL(state))
	fmt.Println(u.Scheme + "://" + u.Host + u.Path)
	fmt.Println(u.Query().Get("client_id"), u.Query().Get("response_type"))
	// On the callback:
	fmt.Println(states.Consume(u.Query().Get("state")))
	fmt.Println(states.Consume(u.Query().Get("state")))
	// Output:
	// https://bitbucket.org/site/oauth2/authorize
	// consumer-key code
	// <nil>
	// auth: invalid OAuth state: already used
}
