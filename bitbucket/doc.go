// Package bitbucket is the provider-neutral core of bbconnect: the Connector interface that the
// Bitbucket Cloud and Data Center clients implement, the data types they return, the errors they
// fail with, the client options they share, and helpers over a Connector. It imports only the
// standard library.
//
// # Providers
//
// Package cloud talks to Bitbucket Cloud (REST 2.0) and package server to Bitbucket Server and
// Data Center (REST 1.0). Both return a client that implements Connector; code written against
// the interface serves both, and provider-specific extras are methods on the concrete clients.
// RepoRef names a repository on either: a Cloud workspace or a Data Center project key as its
// Namespace, and the repository slug.
//
//	c, err := server.New("https://git.example.com/bitbucket", auth.Bearer(token))
//	// or: c, err := cloud.New(auth.OAuth2(tokenSource))
//	info, err := c.CheckConnection(ctx)
//	ok, err := bitbucket.CanAdmin(ctx, c, repo)
//	hook, result, err := bitbucket.EnsureWebhook(ctx, c, repo, spec)
//
// Credentials come from package auth; options such as WithAllowedHosts, WithRootCAs, WithRetry
// and WithLogger are given to the constructors. Constructors make no request.
//
// # Helpers
//
// CanAdmin tells whether the credentials administer a repository, which creating webhooks needs.
// EnsureWebhook makes a repository carry the webhook a WebhookSpec describes: it matches hooks by
// normalised URL, creates one only when none matches, updates only what differs, and leaves one hook
// for a URL (calls in one process are serialized; of two processes that both create, the newer
// hook is deleted). Collect gathers an iterator into a slice. The event helpers
// (NativeEventKeys, EventForKey, EncodeEvents, DecodeEvents) map the neutral Event vocabulary onto
// each provider's event keys.
//
// # Pagination
//
// Every unbounded list has two forms. The iterator (iter.Seq2) fetches lazily, keeps at most one
// page in flight ahead of the loop (across Cloud workspaces, one per workspace being read), stops fetching at break, yields ctx.Err() once ctx is done, and yields an error once and stops. The page method
// returns one Page whose Next is an opaque, URL-safe cursor: another Connector with the same
// credentials (another replica) resumes from it through the options' Cursor. A server that
// repeats a cursor, or claims pages it never gives, ends the listing with ErrPaginationStalled.
//
// # Errors
//
// Every HTTP failure is an *APIError whose fields are safe to log. Its Is method maps the status
// onto the sentinels (ErrNotFound, ErrUnauthorized, ErrForbidden, ErrConflict, ErrRateLimited,
// ErrInvalidInput), so errors.Is works the same on both providers; Data Center's 401 for a
// missing permission is ErrForbidden, like Cloud's 403. Read the details with errors.As. Invalid
// arguments wrap ErrInvalidInput and are refused before any request.
//
// # Security
//
// Clients refuse to dial loopback, private, link-local and other special-purpose addresses, and
// plain http, unless WithAllowedHosts covers them; cloud metadata addresses never (the
// bbdoctor example explains a refusal). Redirects are followed only within the same origin. Nothing is logged unless
// WithLogger is given, and no credential ever appears in an error, a log record or a printed
// value.
//
// # Testing
//
// Package bitbuckettest provides in-process fakes of both providers; the examples of this
// package run on them.
package bitbucket
