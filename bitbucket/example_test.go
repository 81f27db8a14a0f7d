package bitbucket_test

import (
	"errors"
	"fmt"
	"iter"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func ExampleParseRepoRef() {
	for _, s := range []string{"acme/widgets", "~alice/dotfiles", "acme/widgets/extra"} {
		ref, err := bitbucket.ParseRepoRef(s)
		if errors.Is(err, bitbucket.ErrInvalidInput) {
			fmt.Printf("%-20s invalid\n", s)
			continue
		}
		fmt.Printf("%-20s namespace=%s slug=%s\n", s, ref.Namespace, ref.Slug)
	}
	// Output:
	// acme/widgets         namespace=acme slug=widgets
	// ~alice/dotfiles      namespace=~alice slug=dotfiles
	// acme/widgets/extra   invalid
}

func ExampleCollect() {
	// A listing that fails on its third item, as a connector's iterator would when a page request
	// fails part way.
	repos := func(yield func(string, error) bool) {
		for _, name := range []string{"api", "web"} {
			if !yield(name, nil) {
				return
			}
		}
		yield("", &bitbucket.APIError{Provider: bitbucket.Cloud, StatusCode: 503})
	}
	got, err := bitbucket.Collect(iter.Seq2[string, error](repos))
	fmt.Println(got)
	fmt.Println(err)
	// Output:
	// [api web]
	// bitbucket cloud: 503 Service Unavailable
}

func ExampleAPIError() {
	// Data Center answers 401 for a token that lacks a permission; it reads as ErrForbidden, the
	// same as Cloud's 403.
	var err error = fmt.Errorf("create webhook: %w", &bitbucket.APIError{
		Provider:   bitbucket.Server,
		StatusCode: 401,
		Method:     "POST",
		URL:        "https://bitbucket.example.com/rest/api/1.0/projects/PROJ/repos/api/webhooks",
		Code:       "com.atlassian.bitbucket.AuthorisationException",
	})

	switch {
	case errors.Is(err, bitbucket.ErrUnauthorized):
		fmt.Println("ask the user to reconnect")
	case errors.Is(err, bitbucket.ErrForbidden):
		fmt.Println("ask a repository admin")
	}
	var apiErr *bitbucket.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// ask a repository admin
	// 401 com.atlassian.bitbucket.AuthorisationException
}

func ExampleNativeEventKeys() {
	for _, p := range []bitbucket.Provider{bitbucket.Cloud, bitbucket.Server} {
		keys, _ := bitbucket.EncodeEvents(p, []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestUpdated}, nil)
		fmt.Println(p, keys)
	}
	_, err := bitbucket.NativeEventKeys(bitbucket.Cloud, bitbucket.EventPing)
	fmt.Println(errors.Is(err, bitbucket.ErrNotSupported))
	// Output:
	// cloud [pullrequest:updated repo:push]
	// server [pr:from_ref_updated pr:modified repo:refs_changed]
	// true
}

func ExamplePermission_String() {
	fmt.Println(bitbucket.PermissionWrite, bitbucket.PermissionAdmin >= bitbucket.PermissionWrite)
	// Output: write true
}
