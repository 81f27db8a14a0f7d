// Command quickstart walks the whole "connect a repository" flow through the provider-neutral
// bitbucket.Connector: test the connection, list the repositories the user can reach, check admin
// permission on one, and ensure the product's webhook twice (created, then unchanged).
//
// With no configuration it starts an embedded fake (Data Center by default, Cloud with
// -provider cloud), seeds it with a project and a few repositories, and runs against it:
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -provider cloud
//
// Against a real Data Center server:
//
//	BITBUCKET_URL=https://git.example.com/bitbucket BITBUCKET_TOKEN=... \
//	BITBUCKET_REPO=PROJ/repo go run ./examples/quickstart
//
// Against Bitbucket Cloud, with an access token (Bearer) or an API token (BITBUCKET_EMAIL plus
// BITBUCKET_TOKEN, sent as HTTP Basic), or an OAuth consumer's client credentials
// (BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET):
//
//	BITBUCKET_TOKEN=... BITBUCKET_REPO=workspace/repo go run ./examples/quickstart -provider cloud
//
// BITBUCKET_WEBHOOK_URL sets the URL the webhook points at (default
// https://ci.example.com/bitbucket/webhook). Real servers are changed only by the webhook step.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
	"golang.org/x/oauth2/clientcredentials"
)

func main() {
	provider := flag.String("provider", "server", `"server" (Data Center) or "cloud"`)
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, bitbucket.Provider(*provider), os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// setup is a connector, the repository to connect, and a function that releases what was started.
type setup struct {
	conn    bitbucket.Connector
	repo    bitbucket.RepoRef
	cleanup func()
	where   string
}

func run(ctx context.Context, out io.Writer, provider bitbucket.Provider, getenv func(string) string) error {
	var s setup
	var err error
	switch provider {
	case bitbucket.Server:
		s, err = connectServer(getenv)
	case bitbucket.Cloud:
		s, err = connectCloud(ctx, getenv)
	default:
		return fmt.Errorf("unknown -provider %q: want server or cloud", provider)
	}
	if err != nil {
		return err
	}
	defer s.cleanup()
	fmt.Fprintf(out, "Connecting to %s\n", s.where)
	return walk(ctx, out, s.conn, s.repo, webhookURL(getenv))
}

// walk is the flow itself, written only against the neutral interface.
func walk(ctx context.Context, out io.Writer, c bitbucket.Connector, repo bitbucket.RepoRef, hookURL string) error {
	info, err := c.CheckConnection(ctx)
	if err != nil {
		return fmt.Errorf("test connection: %w", err)
	}
	who := info.User.Username
	if who == "" {
		who = "an access token with no user"
	}
	fmt.Fprintf(out, "1. Connection OK: %s", info.Provider)
	if info.Version != "" {
		fmt.Fprintf(out, " %s", info.Version)
	}
	fmt.Fprintf(out, ", acting as %s\n", who)

	fmt.Fprintf(out, "2. Repositories in %s:\n", repo.Namespace)
	n := 0
	for r, err := range c.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: repo.Namespace}) {
		if err != nil {
			return fmt.Errorf("list repositories: %w", err)
		}
		if n++; n <= 10 {
			fmt.Fprintf(out, "   - %s (%s)\n", r.Ref, r.Name)
		}
	}
	if n > 10 {
		fmt.Fprintf(out, "   ... and %d more\n", n-10)
	}
	fmt.Fprintf(out, "   %d in all\n", n)

	admin, err := bitbucket.CanAdmin(ctx, c, repo)
	if err != nil {
		return fmt.Errorf("check permission: %w", err)
	}
	fmt.Fprintf(out, "3. Admin permission on %s: %v\n", repo, admin)
	if !admin {
		return fmt.Errorf("admin permission on %s is needed to create webhooks", repo)
	}

	spec := bitbucket.WebhookSpec{
		URL:         hookURL,
		Description: "bbconnect quickstart",
		Events:      []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened, bitbucket.EventPullRequestUpdated},
		Secret:      randomSecret(),
	}
	for i := range 2 {
		hook, result, err := bitbucket.EnsureWebhook(ctx, c, repo, spec)
		if err != nil {
			return fmt.Errorf("ensure webhook: %w", err)
		}
		fmt.Fprintf(out, "%d. Ensure webhook %s: %s (id %s, signed %v)\n", 4+i, hook.URL, result, hook.ID, hook.HasSecret)
	}
	return nil
}

func connectServer(getenv func(string) string) (setup, error) {
	if base := getenv("BITBUCKET_URL"); base != "" {
		repo, err := bitbucket.ParseRepoRef(getenv("BITBUCKET_REPO"))
		if err != nil {
			return setup{}, fmt.Errorf("BITBUCKET_REPO: %w", err)
		}
		c, err := server.New(base, auth.Bearer(getenv("BITBUCKET_TOKEN")))
		return setup{conn: c, repo: repo, cleanup: func() {}, where: base}, err
	}
	fake := bitbuckettest.NewServer()
	seed(fake, "PROJ")
	c, err := server.New(fake.URL(), auth.Bearer(demoToken), fake.Options()...)
	return setup{conn: c, repo: bitbucket.RepoRef{Namespace: "PROJ", Slug: "api"}, cleanup: fake.Close,
		where: "the embedded Data Center fake (set BITBUCKET_URL to use a real server)"}, err
}

func connectCloud(ctx context.Context, getenv func(string) string) (setup, error) {
	if repoName := getenv("BITBUCKET_REPO"); repoName != "" {
		repo, err := bitbucket.ParseRepoRef(repoName)
		if err != nil {
			return setup{}, fmt.Errorf("BITBUCKET_REPO: %w", err)
		}
		creds, err := cloudCredentials(ctx, getenv)
		if err != nil {
			return setup{}, err
		}
		c, err := cloud.New(creds)
		return setup{conn: c, repo: repo, cleanup: func() {}, where: "Bitbucket Cloud"}, err
	}
	fake := bitbuckettest.NewCloud()
	seed(fake, "acme")
	c, err := cloud.New(auth.Bearer(demoToken), fake.Options()...)
	return setup{conn: c, repo: bitbucket.RepoRef{Namespace: "acme", Slug: "api"}, cleanup: fake.Close,
		where: "the embedded Bitbucket Cloud fake (set BITBUCKET_REPO and credentials to use Bitbucket Cloud)"}, err
}

// cloudCredentials picks the Cloud credentials the environment describes.
func cloudCredentials(ctx context.Context, getenv func(string) string) (auth.Credentials, error) {
	switch {
	case getenv("BITBUCKET_CLIENT_ID") != "":
		cfg := auth.CloudOAuth2Config(getenv("BITBUCKET_CLIENT_ID"), getenv("BITBUCKET_CLIENT_SECRET"), "")
		cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			TokenURL: cfg.Endpoint.TokenURL, AuthStyle: cfg.Endpoint.AuthStyle}
		return auth.OAuth2(cc.TokenSource(ctx)), nil
	case getenv("BITBUCKET_EMAIL") != "":
		return auth.Basic(getenv("BITBUCKET_EMAIL"), getenv("BITBUCKET_TOKEN")), nil
	case getenv("BITBUCKET_TOKEN") != "":
		return auth.Bearer(getenv("BITBUCKET_TOKEN")), nil
	}
	return nil, errors.New("set BITBUCKET_TOKEN (access token), BITBUCKET_EMAIL with BITBUCKET_TOKEN (API token), or BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET")
}

const demoToken = "quickstart-token"

// seed gives a fake one namespace with a few repositories and an admin user with a token.
func seed(fake *bitbuckettest.Server, ns string) {
	fake.AddNamespace(bitbuckettest.Namespace{Key: ns, Name: "Demo"})
	for _, slug := range []string{"api", "web", "docs"} {
		fake.AddRepository(bitbuckettest.Repository{Namespace: ns, Slug: slug, Description: "demo " + slug})
	}
	fake.AddUser(bitbuckettest.User{Username: "alice", DisplayName: "Alice", Email: "alice@example.com"})
	fake.AddToken(demoToken, "alice", "account", "repository", "repository:admin", "webhook", "pullrequest")
	fake.Grant("alice", bitbucket.RepoRef{Namespace: ns}, bitbucket.PermissionAdmin)
}

func webhookURL(getenv func(string) string) string {
	if u := getenv("BITBUCKET_WEBHOOK_URL"); u != "" {
		return u
	}
	return "https://ci.example.com/bitbucket/webhook"
}

// randomSecret returns a fresh webhook secret. A product keeps it server-side to verify deliveries.
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
