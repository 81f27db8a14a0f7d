// Package cloud is the Bitbucket Cloud implementation of bitbucket.Connector, over the REST API
// 2.0 at https://api.bitbucket.org/2.0.
//
// It calls only endpoints that are current in 2026. The cross-workspace endpoints removed under
// CHANGE-2770 (GET /2.0/repositories, /2.0/workspaces, /2.0/user/permissions/repositories and
// /2.0/user/permissions/workspaces) are never called: workspaces come from GET /user/workspaces,
// repositories from GET /repositories/{workspace}, and the caller's permission from
// GET /user/workspaces/{workspace}/permissions/repositories. Should Bitbucket answer any call with
// a 410 or 404 naming a CHANGE notice, the error is a *DeprecatedEndpointError that says which.
//
// # Authentication
//
// Bitbucket Cloud accepts three kinds of credentials today.
//
// OAuth 2.0 consumers, for a product that connects its users' accounts. Create the consumer in
// Workspace settings → OAuth consumers, with the product's callback URL (the redirect_uri sent
// must sit under it), and tick the permissions the product needs: Account: Read (who the user is,
// their workspaces and repository permissions; add Email for the address), Repositories: Read,
// Pull requests: Read (so that pull-request events can be subscribed), and Webhooks: Read and
// write. The ticked permissions are the token's scopes: the authorize URL takes none. Then:
//
//	cfg := auth.CloudOAuth2Config(key, secret, "https://product.example.com/bitbucket/callback")
//	states := auth.NewStateStore(10 * time.Minute)
//	state, _ := states.New()
//	http.Redirect(w, r, cfg.AuthCodeURL(state), http.StatusFound)
//	// on the callback:
//	if err := states.Consume(r.FormValue("state")); err != nil { /* refuse */ }
//	tok, err := auth.Exchange(ctx, cfg, r.FormValue("code"))
//	// save tok in the product's TokenStore, then for every later use:
//	ts := auth.StoredTokenSource(ctx, cfg, store)
//	client, err := cloud.New(auth.OAuth2(ts))
//
// Access tokens live for about two hours (trust expires_in) and go only in the Authorization
// header as Bearer; query and form tokens are refused since May 2026. Refresh tokens rotate on
// every use: each refresh returns a new refresh token, and the old one stops working shortly
// after. A refreshed token that is not saved at once locks the user out until they authorize
// again, and two replicas that refresh the same token race. auth.StoredTokenSource handles both:
// one refresh for any number of concurrent callers, the new token saved (compare-and-swap)
// before anyone uses it, and a replica that loses the race adopting the winner's token.
//
// API tokens, for a person or a service account. Created at id.atlassian.com (Security → Create
// API token with scopes), with an expiry of at most a year and granular scopes fixed at creation.
// This package needs read:user:bitbucket, read:workspace:bitbucket, read:repository:bitbucket,
// and read:webhook:bitbucket, write:webhook:bitbucket and delete:webhook:bitbucket to manage
// webhooks. REST calls use HTTP Basic with the Atlassian account email, not the Bitbucket
// username:
//
//	client, err := cloud.New(auth.Basic("jane@example.com", apiToken))
//
// Repository, project and workspace access tokens, for automation bound to one repository,
// project or workspace:
//
//	client, err := cloud.New(auth.Bearer(accessToken))
//
// An access token acts as no user: CheckConnection reports a zero User and the token's scopes,
// CurrentUser fails with bitbucket.ErrNotSupported, and it cannot list workspaces, so
// ListRepositories needs ListRepositoriesOptions.Namespace (without it: ErrNotSupported).
// RepositoryPermission answers for it from the token's scopes and a probe of the webhook list,
// since access tokens cannot read the permission endpoints.
//
// App passwords are gone: their creation was disabled on 2025-09-09, and they stopped working
// for good on 2026-07-28 after brownouts from 2026-06-09. Replace an app password (Basic with the
// Bitbucket username) by an API token (Basic with the account email).
//
// # Listing
//
// Lists follow Bitbucket's next links as opaque URLs, only on the API's own origin, trimmed with
// fields= to what the neutral types hold, 100 items a page by default. With Namespace empty,
// ListRepositories walks every workspace of the caller in slug order; its cursor remembers the
// workspace and the link inside it, so another replica resumes where this one stopped.
//
// Every list runs on one paging engine with a page cap and an item cap (bitbucket.WithListLimits):
// a server that never stops naming another page, or sends empty pages that claim more, ends the
// listing with bitbucket.ErrPaginationStalled. Across workspaces the workspace list is read once
// per listing and the workspaces' repositories are read a few at a time (WithNamespaceConcurrency),
// in order: ⌈W/100⌉ + Σ⌈Nᵢ/100⌉ requests, whatever the width.
//
// # After connecting
//
// ListBranches marks the repository's main branch Default; GetFile reads src/{commit}/{path}
// (a ref with a slash, such as feature/x, is resolved to its commit first) up to
// bitbucket.WithMaxFileBytes; SetCommitStatus posts a build status (an upsert by key, retried like
// a PUT); GitCredentials gives x-token-auth with a bearer or OAuth token (fresh from the token
// source) and x-bitbucket-api-token-auth with an API token; RepositoryPermissions answers a page
// of repositories with the administered workspaces (read once a minute) and about one request
// per 50 repositories of each workspace; ListInheritedWebhooks reads the workspace's hooks
// (administrators only).
//
// Provider-specific extras are methods on *Client: ListWorkspaces and ListWorkspacesPage (with
// the workspace uuid and the administrator flag), ListTags and ListTagsPage, GetCommit, and
// BaseURL.
//
// # Layout
//
// One file per resource holds its wire types, converters and methods (repositories.go,
// workspaces.go, branches.go, files.go, ...); endpoints.go is the table of every operation
// called, with its path as the OpenAPI document writes it, and the only place a path is written.
//
// # Testing
//
// bitbuckettest.NewCloud is an in-process fake of the API and of the OAuth endpoints; pass its
// Options to New. The examples of this package run on it.
package cloud
