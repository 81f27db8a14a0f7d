// Package server connects to self-hosted Bitbucket Server and Bitbucket Data Center through
// REST 1.0. Its Client implements bitbucket.Connector; Data Center extras (Version,
// ApplicationProperties, Project, BaseURL, ListTags and ListTagsPage, GetCommit) are methods on
// *Client.
//
// # The server's address
//
// New takes the address people open in a browser, including any context path under which the
// server is mounted, for example https://bitbucket.example.com or
// https://git.example.com:7990/bitbucket (with or without a trailing slash). API calls go to
// <base>/rest/api/1.0/... . The address must not contain user info, a query or a fragment;
// credentials come from package auth. New makes no request: call CheckConnection for the "Test
// connection" button of a settings page. Its *bitbucket.CheckError says which step failed,
// why (bitbucket.CheckReason) and what to do, and still matches bitbucket.ErrUnauthorized,
// bitbucket.ErrDisallowedHost and the other sentinels through errors.Is.
//
// # Reachability, private networks and TLS
//
// Requests are sent from wherever the product embedding this package runs, so the server must be
// reachable from there, not only from the user's browser. Because users type server addresses
// into forms, the client refuses by default to dial loopback, private, link-local and similar
// addresses, and refuses plain http. An operator who runs Bitbucket on a private network allows
// its addresses explicitly:
//
//	c, err := server.New("https://bitbucket.corp.example", auth.Bearer(token),
//		bitbucket.WithAllowedHosts(netip.MustParsePrefix("10.20.0.0/16")))
//
// A server whose certificate is issued by an enterprise CA needs that CA:
//
//	pool := x509.NewCertPool()
//	pool.AppendCertsFromPEM(caPEM)
//	c, err := server.New(baseURL, creds, bitbucket.WithRootCAs(pool))
//
// # Credentials and the permissions they need
//
// Use an HTTP access token with auth.Bearer (personal, project or repository tokens), or
// auth.Basic with a username and a password or personal token. A token never grants more than
// its user has. Listing projects and repositories needs PROJECT_READ and REPO_READ; reading,
// creating, updating and deleting webhooks needs REPO_ADMIN on the repository, and reading the
// project hooks a repository inherits (ListInheritedWebhooks) PROJECT_ADMIN. Data Center
// answers 401 both for bad credentials and for a missing permission: the first matches
// bitbucket.ErrUnauthorized, the second bitbucket.ErrForbidden.
//
// Project and repository access tokens act as a generated bot user whose record the server may
// not show: CheckConnection then reports the name the server gave and passes. Admin is answered
// as the credentials hold it: the permission filter of GET /repos may speak for a token's owner,
// so RepositoryPermission, RepositoryPermissions and bitbucket.CanAdmin confirm admin by listing
// the repository's webhooks, and answer read when that is refused. GitCredentials gives git the
// token's user and the token, or the pair of auth.Basic.
//
// # Versions
//
// Versions 5.x to 10.x are supported. The server's version comes from application-properties,
// read once and remembered. It decides which repository filters are used (projectkey needs 8.0),
// where the default branch is read (…/default-branch from 7.0, …/branches/default before), where
// build statuses go (the repository's …/builds from 7.4, the build-status 1.0 root before) and
// whether a stopped build is CANCELLED (from 9.2, the oldest document that lists it) or FAILED,
// and which webhook events a server accepts (the core repo:* and pr:* keys from 5.4, pr:modified
// from 5.10, mirror:repo_synchronized from 6.5, pr:from_ref_updated from 7.0); an event the
// server is too old for is refused with bitbucket.ErrNotSupported before anything is written.
// diagnostics:ping ("Test connection") is never subscribed to. Dates are read as epoch
// milliseconds or ISO-8601 strings, which 10.x may send.
//
// # Paging
//
// Lists follow the server's nextPageStart and never compute page offsets. PageSize 0 asks for
// 1000 items per page and then for whatever limit the server answered with. A server that claims
// more pages without naming where the next starts, or repeats a start, ends the listing with
// bitbucket.ErrPaginationStalled, as does one past the page or item cap of
// bitbucket.WithListLimits. Every request is built from one row of the endpoint table
// (endpoints.go), whose path arguments are escaped segment by segment; an empty, "." or ".."
// segment is refused with bitbucket.ErrInvalidInput.
//
// # Testing and diagnosis
//
// bitbuckettest.NewServer is an in-process fake of Data Center 9.4 under a context path, with git
// data (branches, tags, commits, files, build statuses), limited and bot tokens, project hooks,
// its quirks (401 for a missing permission, nextPageStart that is not start+limit) and older
// versions on demand (SetVersion); pass its Options to New. The examples of this package run on
// it. For a real server that cannot be reached, the bbdoctor example program checks each step
// (URL, host policy, DNS, TCP, TLS, version, token, repository, admin permission, webhook API) and
// says how to fix the first failure.
package server
