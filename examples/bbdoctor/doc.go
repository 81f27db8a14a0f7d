// Command bbdoctor diagnoses the connection a product would make, through bbconnect's Data Center
// connector (server.New), to a self-hosted Bitbucket Server or Data Center. It is meant for support
// engineers: it runs one check after another and prints a checklist, one line per step, with a fix
// for each failure.
//
// Usage:
//
//	export BITBUCKET_TOKEN=...   # an HTTP access token; never a flag, never printed
//	bbdoctor -url https://git.example.com/bitbucket -repo PROJ/repo
//
// Flags:
//
//	-url URL       the Bitbucket base URL, with its context path (as in Administration → Server settings)
//	-repo P/slug   the repository the product will connect: project key and repository slug
//	-allow CIDR    let the host policy reach a private or loopback range (repeatable); the same as
//	               bitbucket.WithAllowedHosts in code. A bare address means just that address.
//	-cacert FILE   PEM certificate(s) of the CA that issued the server's certificate (an enterprise
//	               CA); the same as bitbucket.WithRootCAs in code. Without it the system roots are used.
//	-timeout D     time limit of each step (default 10s)
//	-json          print a machine-readable report: {"ok":bool,"steps":[{"name","status","detail","hint"}]}
//
// The steps, in order: URL (scheme, host, port, context path; user information and fragments are
// refused), host policy (would bbconnect refuse this host by default?), DNS, TCP connect, TLS
// handshake and certificate chain, Bitbucket found and its version, token valid and whose,
// repository visible, admin permission (REPO_ADMIN, which creating webhooks needs), and webhook API
// reachable. A line starts with ✓ (passed), ✗ (failed) or – (skipped because an earlier step failed).
//
// Exit status: 0 when every step passed, so a product could connect and manage webhooks; 1 when a
// check failed; 2 on a usage error.
//
// Run with no flags at all (go run ./examples/bbdoctor), it starts the embedded Data Center fake of
// package bitbuckettest on loopback, seeds a project, a repository, a user and a token, and
// diagnoses that, so the example works on a fresh clone with no configuration.
package main
