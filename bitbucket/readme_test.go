package bitbucket_test

// This file holds every Go snippet of the repository's README.md, so that the compiler checks
// them; TestREADMESnippetsCompile fails when a snippet in the README no longer appears here
// verbatim (indentation aside). Most holders below only need to compile; one is a real test.

import (
	"bufio"
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
	"github.com/bbconnect/bbconnect/webhooks"
)

// The compile-only snippet holders, referenced so that no checker reports them unused.
var _ = []any{
	readmeConnect, readmeCloudConnect, readmeOAuthFlow, readmeCloudCredentials, readmeSelfHosted,
	readmeReceiver, readmeErrors, readmePages, readmeAfterConnect,
}

// README: "Connect a repository".
func readmeConnect(ctx context.Context, token, webhookSecret string) error {
	c, err := server.New("https://git.example.com/bitbucket", auth.Bearer(token))
	if err != nil {
		return err
	}
	info, err := c.CheckConnection(ctx)
	if err != nil {
		return err // a *bitbucket.CheckError: the step that failed, why, and a hint for the user
	}
	fmt.Println("Bitbucket", info.Version, "as", info.User.Username)

	repo, err := bitbucket.ParseRepoRef("PROJ/api")
	if err != nil {
		return err
	}
	admin, err := bitbucket.CanAdmin(ctx, c, repo)
	if err != nil {
		return err
	}
	if !admin {
		return fmt.Errorf("%s: only a repository admin can connect it", repo)
	}
	hook, result, err := bitbucket.EnsureWebhook(ctx, c, repo, bitbucket.WebhookSpec{
		URL:    "https://ci.example.com/hooks/bitbucket",
		Events: []bitbucket.Event{bitbucket.EventPush, bitbucket.EventPullRequestOpened},
		Secret: webhookSecret,
	})
	if err != nil {
		return err
	}
	fmt.Println("webhook", hook.ID, result) // "created" the first time, "unchanged" after
	return nil
}

// README: "Connect a repository", Cloud.
func readmeCloudConnect(ctx context.Context, cfg *oauth2.Config, store auth.TokenStore) (bitbucket.Connector, error) {
	c, err := cloud.New(auth.OAuth2(auth.StoredTokenSource(ctx, cfg, store)))
	return c, err
}

// README: "The authorization-code flow".
func readmeOAuthFlow(clientID, clientSecret string, tokenStoreFor func(*http.Request) auth.TokenStore) *http.ServeMux {
	mux := http.NewServeMux()
	cfg := auth.CloudOAuth2Config(clientID, clientSecret, "https://product.example.com/bitbucket/callback")
	states := auth.NewStateStore(10 * time.Minute)

	mux.HandleFunc("GET /bitbucket/connect", func(w http.ResponseWriter, r *http.Request) {
		state, err := states.New()
		if err != nil {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, cfg.AuthCodeURL(state), http.StatusFound)
	})

	mux.HandleFunc("GET /bitbucket/callback", func(w http.ResponseWriter, r *http.Request) {
		if err := states.Consume(r.FormValue("state")); err != nil {
			http.Error(w, "this link has expired; connect again", http.StatusBadRequest) // forged or replayed
			return
		}
		tok, err := auth.Exchange(r.Context(), cfg, r.FormValue("code"))
		if err != nil {
			http.Error(w, "Bitbucket refused the authorization", http.StatusBadGateway)
			return
		}
		if err := tokenStoreFor(r).Save(r.Context(), nil, tok); err != nil {
			http.Error(w, "could not save the connection", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/settings/bitbucket", http.StatusFound)
	})
	return mux
}

// README: "Storing tokens across replicas".

// sqlTokenStore keeps one connection's token in one row, shared by every replica.
type sqlTokenStore struct {
	db *sql.DB
	id string // the connection
}

var _ auth.TokenStore = sqlTokenStore{}

func (s sqlTokenStore) Load(ctx context.Context) (*oauth2.Token, error) {
	var tok oauth2.Token
	err := s.db.QueryRowContext(ctx,
		`SELECT access_token, refresh_token, expiry FROM bitbucket_tokens WHERE id = $1`, s.id,
	).Scan(&tok.AccessToken, &tok.RefreshToken, &tok.Expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNoToken
	}
	return &tok, err
}

func (s sqlTokenStore) Save(ctx context.Context, previous, next *oauth2.Token) error {
	var res sql.Result
	var err error
	if previous == nil { // the first token, from auth.Exchange
		res, err = s.db.ExecContext(ctx,
			`INSERT INTO bitbucket_tokens (id, access_token, refresh_token, expiry) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (id) DO NOTHING`,
			s.id, next.AccessToken, next.RefreshToken, next.Expiry)
	} else { // a refresh: compare-and-swap on the token this replica read
		res, err = s.db.ExecContext(ctx,
			`UPDATE bitbucket_tokens SET access_token = $2, refresh_token = $3, expiry = $4
			 WHERE id = $1 AND access_token = $5 AND refresh_token = $6`,
			s.id, next.AccessToken, next.RefreshToken, next.Expiry, previous.AccessToken, previous.RefreshToken)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return auth.ErrTokenConflict // another replica saved first; StoredTokenSource adopts its token
	}
	return nil
}

// README: "API tokens" and "Access tokens".
func readmeCloudCredentials(ctx context.Context, apiToken, accessToken string) error {
	// An API token: HTTP Basic with the Atlassian account email, not the Bitbucket username.
	c, err := cloud.New(auth.Basic("jane@example.com", apiToken))
	if err != nil {
		return err
	}
	_ = c

	// A repository, project or workspace access token: Bearer, and no user behind it.
	byToken, err := cloud.New(auth.Bearer(accessToken))
	if err != nil {
		return err
	}
	repos := byToken.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: "acme"})
	_ = repos
	return nil
}

// README: "Self-hosted Bitbucket".
func readmeSelfHosted(token string, caPEM []byte) (*server.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) { // the enterprise CA that issued the server's certificate
		return nil, errors.New("no certificate in the CA file")
	}
	c, err := server.New("https://git.corp.example:7990/bitbucket", auth.Bearer(token),
		bitbucket.WithRootCAs(pool),
		bitbucket.WithAllowedHosts(netip.MustParsePrefix("10.20.0.0/16")), // the server's private network
	)
	return c, err
}

// README: "Receiving deliveries".
func readmeReceiver() {
	http.Handle("POST /hooks/bitbucket", webhooks.NewHandler(webhooks.Options{
		Secret: []byte(os.Getenv("WEBHOOK_SECRET")), // the WebhookSpec.Secret the hook was created with
		Dedupe: webhooks.NewDeduper(0, 0),           // remembers 10000 delivery ids for an hour
	}, func(ctx context.Context, ev *webhooks.Event) error {
		switch ev.Type {
		case bitbucket.EventPush:
			for _, ch := range ev.Push.Changes {
				log.Printf("%s: %s %s is now %.12s", ev.Repo, ch.Kind, ch.Name, ch.New)
			}
		case bitbucket.EventPullRequestOpened, bitbucket.EventPullRequestUpdated:
			log.Printf("%s: pull request #%d %q", ev.Repo, ev.PullRequest.ID, ev.PullRequest.Title)
		}
		return nil // once the event is safely handed off; an error answers 500 (see "Delivery" below)
	}))
}

// README: "Errors".
func readmeErrors(err error, scheduleRetry func(time.Duration)) {
	var apiErr *bitbucket.APIError
	switch {
	case errors.Is(err, bitbucket.ErrUnauthorized):
		// bad, expired or revoked credentials: ask the user to reconnect
	case errors.Is(err, bitbucket.ErrForbidden):
		// valid credentials without the permission (repository admin, for webhooks)
	case errors.Is(err, bitbucket.ErrRateLimited) && errors.As(err, &apiErr):
		scheduleRetry(apiErr.RetryAfter)
	case errors.As(err, &apiErr):
		log.Printf("Bitbucket %s answered %d to %s %s: %s (request %s)",
			apiErr.Provider, apiErr.StatusCode, apiErr.Method, apiErr.URL, apiErr.Message, apiErr.RequestID)
	}
}

// README: "Pagination".
func readmePages(ctx context.Context, c bitbucket.Connector, r *http.Request) (bitbucket.Page[*bitbucket.Repository], error) {
	page, err := c.ListRepositoriesPage(ctx, bitbucket.ListRepositoriesOptions{
		MinPermission: bitbucket.PermissionAdmin,
		PageSize:      50,
		Cursor:        r.URL.Query().Get("cursor"), // "" for the first page
	})
	// Render page.Items, and a "next" link with ?cursor=page.Next unless it is "".
	return page, err
}

// README: "Testing with bitbuckettest". A real test: it connects to the Data Center fake, installs
// the webhook, makes the fake push, and checks that the receiver got the verified event.
func TestConnectAndReceivePush(t *testing.T) {
	srv := bitbuckettest.NewServer() // Data Center; bitbuckettest.NewCloud() for Cloud
	defer srv.Close()
	srv.AddUser(bitbuckettest.User{Username: "alice"})
	srv.AddToken("alice-token", "alice")
	repo := bitbucket.RepoRef{Namespace: "PROJ", Slug: "api"}
	srv.AddRepository(bitbuckettest.Repository{Namespace: repo.Namespace, Slug: repo.Slug})
	srv.Grant("alice", repo, bitbucket.PermissionAdmin)

	// The product's receiver, on loopback.
	got := make(chan *webhooks.Event, 1)
	receiver := httptest.NewServer(webhooks.NewHandler(webhooks.Options{Secret: []byte("s3cret")},
		func(ctx context.Context, ev *webhooks.Event) error { got <- ev; return nil }))
	defer receiver.Close()

	c, err := server.New(srv.URL(), auth.Bearer("alice-token"), srv.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, _, err = bitbucket.EnsureWebhook(ctx, c, repo, bitbucket.WebhookSpec{
		URL: receiver.URL, Events: []bitbucket.Event{bitbucket.EventPush}, Secret: "s3cret",
		AllowLoopbackURL: true, // the receiver runs on this machine, beside the fake
	})
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Push(ctx, repo, bitbuckettest.PushEvent{Changes: []bitbuckettest.RefChange{{
		Ref: "refs/heads/main", Type: "UPDATE",
		FromHash: strings.Repeat("a", 40), ToHash: strings.Repeat("b", 40),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	var ev *webhooks.Event
	select {
	case ev = <-got: // Push returns once the receiver answered
	default:
		t.Fatal("the receiver got no delivery")
	}
	if ev.Type != bitbucket.EventPush || ev.Repo != repo || ev.Push.Changes[0].Name != "main" {
		t.Fatalf("got %s on %s", ev.Type, ev.Repo)
	}

	srv.FailNext(1, http.StatusServiceUnavailable) // the next request answers 503 (and is retried)
	if _, err := c.GetRepository(ctx, repo); err != nil {
		t.Fatalf("a 503 followed by a success: %v", err)
	}
}

// TestREADMESnippetsCompile checks that every ```go block of README.md appears verbatim, leading
// white space aside, in a Go file of this directory, where the compiler checks it.
func TestREADMESnippetsCompile(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, normaliseLines(string(b)))
	}
	blocks := goBlocks(string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block")
	}
	for i, block := range blocks {
		want := normaliseLines(block)
		found := false
		for _, src := range sources {
			if strings.Contains(src, want) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md go block %d is not in any compiled file of bitbucket/; copy it into readme_test.go:\n%s", i+1, block)
		}
	}
}

// goBlocks returns the contents of the ```go fenced blocks of a Markdown text.
func goBlocks(md string) []string {
	var blocks []string
	var cur []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(md))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// normaliseLines trims each line and drops empty ones, joined with newlines and framed by them so
// that a match covers whole lines.
func normaliseLines(s string) string {
	var out []string
	for line := range strings.Lines(s) {
		if l := strings.TrimSpace(line); l != "" {
			out = append(out, l)
		}
	}
	return "\n" + strings.Join(out, "\n") + "\n"
}

// readmeAfterConnect holds the README's "After connecting" snippets.
func readmeAfterConnect(ctx context.Context, c bitbucket.Connector, repo bitbucket.RepoRef, dir string) error {
	var main *bitbucket.Branch
	for b, err := range c.ListBranches(ctx, repo, bitbucket.ListBranchesOptions{}) {
		if err != nil {
			return err
		}
		if b.Default { // exactly one branch is the default
			main = b
		}
	}
	config, err := c.GetFile(ctx, repo, main.Commit, ".ci/build.yml") // a branch, tag or commit
	if errors.Is(err, bitbucket.ErrNotFound) {
		config = nil // no build configuration in this repository
	} else if err != nil {
		return err
	}
	_ = config
	status := bitbucket.CommitStatus{
		Key:   "ci-build", // a later status with the same key replaces this one
		State: bitbucket.BuildInProgress,
		Name:  "CI #42",
		URL:   "https://ci.example.com/builds/42",
	}
	if err := c.SetCommitStatus(ctx, repo, main.Commit, status); err != nil {
		return err
	}

	creds, err := c.GitCredentials(ctx)
	if err != nil {
		return err
	}
	r, err := c.GetRepository(ctx, repo)
	if err != nil {
		return err
	}
	helper := `!f() { test "$1" = get && echo "username=$BB_GIT_USER" && echo "password=$BB_GIT_PASSWORD"; }; f`
	cmd := exec.CommandContext(ctx, "git", "-c", "credential.helper=", "-c", "credential.helper="+helper,
		"clone", "--depth=1", r.CloneHTTP, dir)
	cmd.Env = append(os.Environ(), "BB_GIT_USER="+creds.Username, "BB_GIT_PASSWORD="+creds.Password,
		"GIT_TERMINAL_PROMPT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git clone: %v: %s", err, out)
	}
	return nil
}

// README: "Testing with bitbuckettest", the OAuth flow on the fake. It runs.
func TestCloudOAuthFlow(t *testing.T) {
	fake := bitbuckettest.NewCloud()
	defer fake.Close()
	fake.AddUser(bitbuckettest.User{Username: "jane", DisplayName: "Jane Doe"})
	const callback = "https://product.example.com/bitbucket/callback"
	fake.AddOAuthConsumer("key", "secret", callback, "account", "email", "repository", "webhook", "pullrequest")
	cfg := auth.CloudOAuth2ConfigFor(fake.OAuthSiteURL(), "key", "secret", callback)
	// Token requests reach only public https addresses unless allowed: the fake is on loopback.
	ctx := auth.ContextWithAllowedHosts(context.Background(), netip.MustParsePrefix("127.0.0.0/8"))

	// The connect button: a fresh state, and the browser sent to the consent page.
	states := auth.NewStateStore(10 * time.Minute)
	state, err := states.New()
	if err != nil {
		t.Fatal(err)
	}
	// The user presses "Grant access"; Bitbucket redirects the browser to the callback.
	redirect, err := fake.Approve(cfg.AuthCodeURL(state), "jane")
	if err != nil {
		t.Fatal(err)
	}

	// The callback reads code and state from its query, checks the state once, then exchanges.
	cb, err := url.Parse(redirect)
	if err != nil {
		t.Fatal(err)
	}
	if err := states.Consume(cb.Query().Get("state")); err != nil {
		t.Fatal(err) // forged or replayed
	}
	tok, err := auth.Exchange(ctx, cfg, cb.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	store := auth.NewMemoryTokenStore(tok) // a product keeps it in its database (sqlstore)
	c, err := cloud.New(auth.OAuth2(auth.StoredTokenSource(ctx, cfg, store)), fake.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.CheckConnection(ctx)
	if err != nil || info.User.Username != "jane" {
		t.Fatalf("connected as %+v, %v", info, err)
	}
}
