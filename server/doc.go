// Package server connects to self-hosted Bitbucket Server and Bitbucket Data Center through
// REST 1.0. Its Client implements bitbucket.Connector; Data Center extras (Version,
// ApplicationProperties, Project, BaseURL) are methods on *Client.
//
// # The server's address
//
// New takes the address people open in a browser, including any context path under which the
// server is mounted, for example https://bitbucket.example.com or
// https://git.example.com:7990/bitbucket (with or without a trailing slash). API calls go to
// <base>/rest/api/1.0/... . The address must not contain user info, a query or a fragment;
// credentials come from package auth. New makes no request: call CheckConnection for the "Test
// connection" button of a settings page. Its *CheckError says which step failed, why
// (CheckReason) and what to do, and still matches bitbucket.ErrUnauthorized,
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
// creating, updating and deleting webhooks needs REPO_ADMIN on the repository. Data Center
// answers 401 both for bad credentials and for a missing permission: the first matches
// bitbucket.ErrUnauthorized, the second bitbucket.ErrForbidden.
//
// # Versions
//
// The server's version comes from application-properties, read once and remembered. It decides
// which repository filters are used (projectkey needs 8.0) and which webhook events a server
// accepts (pr:modified needs 5.10, pr:from_ref_updated 7.0); an event the server is too old for
// is refused with bitbucket.ErrNotSupported before anything is written.
//
// # Paging
//
// Lists follow the server's nextPageStart and never compute page offsets. PageSize 0 asks for
// 1000 items per page and then for whatever limit the server answered with. A server that claims
// more pages without naming where the next starts, or repeats a start, ends the listing with
// bitbucket.ErrPaginationStalled.
//
// # Testing and diagnosis
//
// bitbuckettest.NewServer is an in-process fake of Data Center 9.4 under a context path, with
// its quirks (401 for a missing permission, nextPageStart that is not start+limit) and older
// versions on demand (SetVersion); pass its Options to New. The examples of this package run on
// it. For a real server that cannot be reached, the bbdoctor example program checks each step
// (URL, host policy, DNS, TCP, TLS, version, token, repository, admin permission, webhook API) and
// says how to fix the first failure.
package server
