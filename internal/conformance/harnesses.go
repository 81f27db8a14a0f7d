package conformance

import (
	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

// ExtraOptions gives the options added to every connector made for srv, after the fake's own
// (a validating transport, say). Nil adds none.
type ExtraOptions func(srv *bitbuckettest.Server) []bitbucket.Option

func (extra ExtraOptions) options(srv *bitbuckettest.Server) []bitbucket.Option {
	opts := srv.Options()
	if extra != nil {
		opts = append(opts, extra(srv)...)
	}
	return opts
}

// DataCenter is the harness of the Data Center connector on its fake.
func DataCenter(extra ExtraOptions) Harness {
	return Harness{
		NewFake: bitbuckettest.NewServer,
		Connect: func(srv *bitbuckettest.Server, token string) (bitbucket.Connector, error) {
			return server.New(srv.URL(), auth.Bearer(token), extra.options(srv)...)
		},
		NamespaceAdmin: func(srv *bitbuckettest.Server, username, ns string) {
			srv.Grant(username, bitbucket.RepoRef{Namespace: ns}, bitbucket.PermissionAdmin)
		},
	}
}

// Cloud is the harness of the Cloud connector on its fake.
func Cloud(extra ExtraOptions) Harness {
	return Harness{
		NewFake: bitbuckettest.NewCloud,
		Connect: func(srv *bitbuckettest.Server, token string) (bitbucket.Connector, error) {
			return cloud.New(auth.Bearer(token), extra.options(srv)...)
		},
		NamespaceAdmin: func(srv *bitbuckettest.Server, username, ns string) {
			srv.AddWorkspaceMember(username, ns, true)
		},
	}
}
