// Package bench holds side-by-side benchmarks of bbconnect and other Go Bitbucket libraries,
// all run against the in-process fakes of package bitbuckettest. See RESULTS.md.
package bench
