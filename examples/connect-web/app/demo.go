package app

import (
	"net/netip"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// Demo holds the in-process fakes of demo mode and the sample data seeded on them.
type Demo struct {
	// Cloud is the fake Bitbucket Cloud: API, OAuth consent page and token endpoint.
	Cloud *bitbuckettest.Server
	// Server is the fake Bitbucket Data Center.
	Server *bitbuckettest.Server
	// CloudUser is who is signed in on the Cloud fake's consent page.
	CloudUser string
	// ServerUser and ServerToken are the Data Center user and their HTTP access token: demo data,
	// to type into the self-hosted form.
	ServerUser, ServerToken string
	// CloudAdminRepos and ServerAdminRepos are repositories where the demo user is admin;
	// CloudReadRepos and ServerReadRepos some where they are not.
	CloudAdminRepos, CloudReadRepos   []bitbucket.RepoRef
	ServerAdminRepos, ServerReadRepos []bitbucket.RepoRef

	publicURL    string
	clientID     string
	clientSecret string
}

// DemoClientID is the key of the OAuth consumer seeded on the Cloud fake.
const DemoClientID = "connect-web-demo"

// cloudDemoRepos: workspace, slug, permission of the demo user.
var cloudDemoRepos = []struct {
	ws, slug, desc string
	p              bitbucket.Permission
}{
	{"acme", "api", "Public API gateway", bitbucket.PermissionAdmin},
	{"acme", "web", "Customer web app", bitbucket.PermissionAdmin},
	{"acme", "billing", "Invoices and payments", bitbucket.PermissionWrite},
	{"acme", "docs", "Product documentation", bitbucket.PermissionRead},
	{"acme", "infra", "Terraform for every environment", bitbucket.PermissionRead},
	{"acme", "design-system", "Shared UI components", bitbucket.PermissionAdmin},
	{"acme", "legacy-monolith", "Being retired", bitbucket.PermissionRead},
	{"northwind", "pipelines", "Data pipelines", bitbucket.PermissionAdmin},
	{"northwind", "analytics", "Dashboards", bitbucket.PermissionRead},
	{"northwind", "site", "Marketing site", bitbucket.PermissionWrite},
	{"northwind", "ml-models", "Model training", bitbucket.PermissionAdmin},
	{"northwind", "notebooks", "Exploration notebooks", bitbucket.PermissionRead},
}

// serverDemoRepos: project, slug, permission of the demo user.
var serverDemoRepos = []struct {
	project, slug, desc string
	p                   bitbucket.Permission
}{
	{"PLAT", "api-gateway", "Edge routing", bitbucket.PermissionAdmin},
	{"PLAT", "auth-service", "Sign-in and tokens", bitbucket.PermissionAdmin},
	{"PLAT", "billing", "Invoices", bitbucket.PermissionAdmin},
	{"MOB", "android-app", "Android client", bitbucket.PermissionRead},
	{"MOB", "ios-app", "iOS client", bitbucket.PermissionRead},
}

// StartDemo starts the Cloud and Data Center fakes on loopback and seeds them: on Cloud, user
// jane, member of workspaces acme and northwind, admin on some of their repositories and not on
// others, and an OAuth consumer whose callback is publicURL + "/cloud/callback"; on Data Center,
// user alice with an HTTP access token, admin on project PLAT and reader of project MOB.
// Close it when done.
func StartDemo(publicURL string) *Demo {
	publicURL = strings.TrimSuffix(publicURL, "/")
	d := &Demo{
		Cloud:        bitbuckettest.NewCloud(),
		Server:       bitbuckettest.NewServer(),
		CloudUser:    "jane",
		ServerUser:   "alice",
		ServerToken:  "demo-" + randomToken(12),
		publicURL:    publicURL,
		clientID:     DemoClientID,
		clientSecret: randomToken(24),
	}

	c := d.Cloud
	c.AddUser(bitbuckettest.User{Username: "jane", DisplayName: "Jane Doe", Email: "jane@example.com"})
	c.AddNamespace(bitbuckettest.Namespace{Key: "acme", Name: "Acme Corp"})
	c.AddNamespace(bitbuckettest.Namespace{Key: "northwind", Name: "Northwind Labs"})
	c.AddWorkspaceMember("jane", "acme", false)
	c.AddWorkspaceMember("jane", "northwind", false)
	for _, r := range cloudDemoRepos {
		ref := bitbucket.RepoRef{Namespace: r.ws, Slug: r.slug}
		c.AddRepository(bitbuckettest.Repository{Namespace: r.ws, Slug: r.slug, Description: r.desc})
		c.Grant("jane", ref, r.p)
		if r.p == bitbucket.PermissionAdmin {
			d.CloudAdminRepos = append(d.CloudAdminRepos, ref)
		} else {
			d.CloudReadRepos = append(d.CloudReadRepos, ref)
		}
	}
	c.AddOAuthConsumer(d.clientID, d.clientSecret, publicURL+"/cloud/callback",
		"account", "email", "repository", "webhook", "pullrequest")
	c.SetOAuthUser("jane")

	s := d.Server
	s.AddUser(bitbuckettest.User{Username: "alice", DisplayName: "Alice Admin", Email: "alice@example.com"})
	s.AddToken(d.ServerToken, "alice")
	s.AddNamespace(bitbuckettest.Namespace{Key: "PLAT", Name: "Platform"})
	s.AddNamespace(bitbuckettest.Namespace{Key: "MOB", Name: "Mobile"})
	for _, r := range serverDemoRepos {
		ref := bitbucket.RepoRef{Namespace: r.project, Slug: r.slug}
		s.AddRepository(bitbuckettest.Repository{Namespace: r.project, Slug: r.slug, Description: r.desc})
		s.Grant("alice", ref, r.p)
		if r.p == bitbucket.PermissionAdmin {
			d.ServerAdminRepos = append(d.ServerAdminRepos, ref)
		} else {
			d.ServerReadRepos = append(d.ServerReadRepos, ref)
		}
	}
	return d
}

// loopback covers the addresses the fakes listen on.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Config returns the application's configuration on the fakes: the Cloud connection goes to the
// Cloud fake, and the self-hosted form may reach loopback (where the Data Center fake listens).
// Add the operator's WithAllowedHosts to ServerOptions for real private networks.
func (d *Demo) Config() Config {
	return Config{
		PublicURL:         d.publicURL,
		CloudClientID:     d.clientID,
		CloudClientSecret: d.clientSecret,
		CloudSiteURL:      d.Cloud.OAuthSiteURL(),
		CloudOptions:      d.Cloud.Options(),
		TokenAllowedHosts: loopback,
		ServerOptions:     []bitbucket.Option{bitbucket.WithAllowedHosts(loopback...)},
		Demo:              d,
	}
}

// Close stops both fakes.
func (d *Demo) Close() {
	d.Cloud.Close()
	d.Server.Close()
}
