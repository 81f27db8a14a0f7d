// Command quickstart walks the whole "connect a repository, then build" flow through the
// provider-neutral bitbucket.Connector: test the connection, list the repositories the user can
// reach, check admin permission on one, ensure the product's webhook twice in one run (created,
// then unchanged), list the branches, read the build configuration from the default branch,
// report a build on its head commit (in progress, then successful), and show the username git
// uses over HTTPS with the connection's credentials.
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
// https://ci.example.com/bitbucket/webhook). Real services are changed by the webhook step, and
// by the build-status step only with BITBUCKET_REPORT_BUILD=1.
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
	"strings"
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
	fake    bool // the embedded fake, not a real service
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
	// The fakes are changed freely; a real repository gets a build status only when asked.
	reportBuild := s.fake || getenv("BITBUCKET_REPORT_BUILD") == "1"
	return walk(ctx, out, s.conn, s.repo, webhookURL(getenv), reportBuild)
}

// walk is the flow itself, written only against the neutral interface.
func walk(ctx context.Context, out io.Writer, c bitbucket.Connector, repo bitbucket.RepoRef, hookURL string, reportBuild bool) error {
	info, err := c.CheckConnection(ctx)
	if err != nil {
		return fmt.Errorf("test connection: %w", err)
	}
	fmt.Fprintf(out, "1. Connection OK: %s, as %s\n", serviceName(info), actingAs(info.User))

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
	fmt.Fprintf(out, "3. May create webhooks on %s (admin): %s\n", repo, yesNo(admin))
	if !admin {
		return fmt.Errorf("admin permission on %s is needed to create webhooks", repo)
	}

	spec := bitbucket.WebhookSpec{
		URL:         hookURL,
		Description: "bbconnect quickstart",
		Events:      []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened, bitbucket.EventPullRequestUpdated},
		Secret:      randomSecret(),
	}
	// Ensuring twice shows that EnsureWebhook writes only when needed: the second call finds the
	// hook the first one created.
	for i := range 2 {
		hook, result, err := bitbucket.EnsureWebhook(ctx, c, repo, spec)
		if err != nil {
			return fmt.Errorf("ensure webhook: %w", err)
		}
		fmt.Fprintf(out, "%d. Webhook %s: %s (id %s, deliveries signed: %s)\n", 4+i, hook.URL, result, hook.ID, yesNo(hook.HasSecret))
	}

	fmt.Fprintf(out, "6. Branches of %s:\n", repo)
	var defaultBranch *bitbucket.Branch
	nb := 0
	for b, err := range c.ListBranches(ctx, repo, bitbucket.ListBranchesOptions{}) {
		if err != nil {
			return fmt.Errorf("list branches: %w", err)
		}
		if b.Default {
			defaultBranch = b
		}
		if nb++; nb <= 10 {
			mark := ""
			if b.Default {
				mark = " (default)"
			}
			fmt.Fprintf(out, "   - %s at %s%s\n", b.Name, short(b.Commit), mark)
		}
	}
	if defaultBranch == nil {
		return fmt.Errorf("%s has no default branch", repo)
	}

	config, err := c.GetFile(ctx, repo, defaultBranch.Name, buildConfigPath)
	switch {
	case errors.Is(err, bitbucket.ErrNotFound):
		fmt.Fprintf(out, "7. Build configuration %s on %s: not found\n", buildConfigPath, defaultBranch.Name)
	case err != nil:
		return fmt.Errorf("read build configuration: %w", err)
	default:
		fmt.Fprintf(out, "7. Build configuration %s on %s (%d bytes):\n", buildConfigPath, defaultBranch.Name, len(config))
		for line := range strings.Lines(string(config)) {
			fmt.Fprintf(out, "   | %s", line)
		}
	}

	if reportBuild {
		status := bitbucket.CommitStatus{Key: "bbconnect-quickstart", Name: "quickstart build",
			URL: "https://ci.example.com/builds/1", State: bitbucket.BuildInProgress, Description: "building"}
		fmt.Fprintf(out, "8. Build status on %s, key %s:\n", short(defaultBranch.Commit), status.Key)
		for _, state := range []bitbucket.BuildState{bitbucket.BuildInProgress, bitbucket.BuildSuccessful} {
			status.State = state
			if err := c.SetCommitStatus(ctx, repo, defaultBranch.Commit, status); err != nil {
				return fmt.Errorf("report build status: %w", err)
			}
			fmt.Fprintf(out, "   - %s\n", state)
		}
	} else {
		fmt.Fprintln(out, "8. Build status: skipped (set BITBUCKET_REPORT_BUILD=1 to report one on a real server)")
	}

	creds, err := c.GitCredentials(ctx)
	if err != nil {
		return fmt.Errorf("git credentials: %w", err)
	}
	// The password is the connection's token: a product hands it to git through a credential
	// helper, never in a URL or a log.
	fmt.Fprintf(out, "9. git over HTTPS: user %s, password from the connection (not shown)\n", creds.Username)
	return nil
}

// buildConfigPath is the build configuration the quickstart reads from the default branch.
const buildConfigPath = ".bbconnect.yml"

// serviceName names the service the same way on both providers.
func serviceName(info *bitbucket.ConnectionInfo) string {
	if info.Provider == bitbucket.Server {
		if info.Version != "" {
			return "Bitbucket Data Center " + info.Version
		}
		return "Bitbucket Data Center"
	}
	return "Bitbucket Cloud"
}

// actingAs names the user the credentials act as.
func actingAs(u bitbucket.User) string {
	switch {
	case u.Username != "" && u.DisplayName != "":
		return fmt.Sprintf("%s (%s)", u.Username, u.DisplayName)
	case u.Username != "":
		return u.Username
	}
	return "an access token with no user"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// short is the abbreviated form of a commit hash.
func short(commit string) string { return commit[:min(len(commit), 12)] }

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
	return setup{conn: c, repo: bitbucket.RepoRef{Namespace: "PROJ", Slug: "api"}, cleanup: fake.Close, fake: true,
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
	return setup{conn: c, repo: bitbucket.RepoRef{Namespace: "acme", Slug: "api"}, cleanup: fake.Close, fake: true,
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
	api := bitbucket.RepoRef{Namespace: ns, Slug: "api"}
	fake.PutFile(api, "main", buildConfigPath, []byte("steps:\n  - run: go test ./...\n"))
	fake.AddBranch(api, "feature/login", "main")
	fake.AddUser(bitbuckettest.User{Username: "alice", DisplayName: "Alice", Email: "alice@example.com"})
	fake.AddToken(demoToken, "alice", "account", "repository", "webhook", "pullrequest")
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
