// Package bitbuckettest provides in-process fakes of Bitbucket Cloud and Bitbucket Data Center for
// tests and examples. They use only the standard library, listen on loopback, and behave as the
// real services do, quirks included.
//
//	srv := bitbuckettest.NewServer()
//	defer srv.Close()
//	srv.AddUser(bitbuckettest.User{Username: "alice"})
//	srv.AddToken("tok", "alice")
//	c, err := server.New(srv.URL(), auth.Bearer("tok"), srv.Options()...)
package bitbuckettest
