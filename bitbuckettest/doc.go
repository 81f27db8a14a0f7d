// Package bitbuckettest provides in-process fakes of Bitbucket Cloud and Bitbucket Data Center for
// tests and examples. They use only the standard library, listen on loopback, and behave as the
// real services do, quirks included: Data Center's 401 for a missing permission and its
// nextPageStart that is not start+limit, Cloud's opaque page links, access tokens with no user,
// and the endpoints Cloud removed under CHANGE-2770 answering 410.
//
// NewServer starts a Data Center 9.4 under the context path /bitbucket; NewCloud starts the Cloud
// REST 2.0 API together with its OAuth 2.0 endpoints. Give a client the fake's URL and the
// options from Options, which allow its loopback address through the host policy (and, on Cloud,
// set the base URL):
//
//	srv := bitbuckettest.NewServer()
//	defer srv.Close()
//	srv.AddUser(bitbuckettest.User{Username: "alice"})
//	srv.AddToken("tok", "alice")
//	srv.AddRepository(bitbuckettest.Repository{Namespace: "PROJ", Slug: "api"})
//	srv.Grant("alice", bitbucket.RepoRef{Namespace: "PROJ"}, bitbucket.PermissionAdmin)
//	c, err := server.New(srv.URL(), auth.Bearer("tok"), srv.Options()...)
//
// # Seeding
//
// AddUser, AddToken, AddNamespace, AddRepository, AddRepositories and Grant work on both fakes.
// On Cloud, AddWorkspaceMember makes a user a member (or an administrator) of a workspace,
// AddAPIToken seeds an API token (Basic with an email),
// AddAccessToken a repository, project or workspace access token, and AddOAuthConsumer an OAuth
// consumer whose authorization Authorize or Approve grant without a browser; OAuthSiteURL is the
// site to give auth.CloudOAuth2ConfigFor, and SetTokenLifetime, ExpireAccessTokens and Refreshes
// exercise token refresh.
//
// # Faults
//
// FailNext and FailNextMatching answer with a status and a provider-shaped error body,
// RateLimitNext with 429 (with or without Retry-After), ResetNext drops connections, SetLatency
// delays answers, SetPageLimit shrinks pages, SetPagingQuirk makes Data Center's paging stall,
// and SetVersion makes the Data Center fake behave as an older release.
//
// # Deliveries and inspection
//
// Push, PullRequestEvent and Ping (Data Center) send signed webhook deliveries, as the service
// would, to the hooks a client registered. Hooks, Requests, TotalRequests, RequestLog and
// RemovedEndpointHits tell a test what a client did.
package bitbuckettest
