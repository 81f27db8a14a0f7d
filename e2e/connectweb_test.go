package e2e

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bbconnect/bbconnect/examples/connect-web/app"
)

// testTimeout bounds each browser test.
const testTimeout = 60 * time.Second

// browserNames are looked up on PATH, in order, when CHROME_PATH is not set.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// findBrowser returns the browser to drive. With none found the test is skipped, except under CI
// (CI=true), where a missing browser is a failure: the browser test must not silently vanish.
func findBrowser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROME_PATH"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		t.Fatalf("CHROME_PATH=%s: no such file", p)
	}
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium or Chrome found (looked for CHROME_PATH and " + strings.Join(browserNames, ", ") + " on PATH); install one, e.g. apt-get install chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: the browser test is required)")
	}
	t.Skip(msg)
	return ""
}

// startApp runs connect-web in demo mode on a loopback port and returns its base URL and demo.
func startApp(t *testing.T) (string, *app.Demo) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	demo := app.StartDemo(base)
	t.Cleanup(demo.Close)
	_, handler, err := app.New(demo.Config())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() { _ = srv.Close() })
	return base, demo
}

// newBrowser starts headless Chromium with a fresh profile and returns its context. The browser
// and everything done with it end after testTimeout.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), testTimeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// screenshot saves a full-page PNG of the current screen to artifacts/name.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll("artifacts", 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("artifacts", name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
}

// do runs steps and fails the test, with a screenshot, naming the step that failed.
func do(t *testing.T, ctx context.Context, step string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		screenshot(t, ctx, "failed-"+strings.ReplaceAll(step, " ", "-")+".png")
		t.Fatalf("%s: %v", step, err)
	}
}

// get runs an action that returns a value and fails the test if it fails.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		screenshot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-")+".png")
		t.Fatalf("reading %s: %v", what, err)
	}
	return v
}

// css is a CSS selector.
func css(s string) chromedp.CSS { return chromedp.CSS(s) }

func TestCloudConnectFlowInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	base, demo := startApp(t)
	admin, notAdmin := demo.CloudAdminRepos[0].String(), demo.CloudReadRepos[0].String()

	do(t, ctx, "open the consent page",
		chromedp.Navigate(base+"/"),
		chromedp.Click(css("#connect-cloud")),
		chromedp.WaitVisible(css(`button[value="grant"]`)),
	)
	if u := get(t, ctx, "consent URL", chromedp.Location()); !strings.HasPrefix(u, demo.Cloud.OAuthAuthorizeURL()+"?") {
		t.Fatalf("Connect Bitbucket Cloud led to %s, want the consent page %s", u, demo.Cloud.OAuthAuthorizeURL())
	}
	screenshot(t, ctx, "cloud-consent.png")

	do(t, ctx, "grant access",
		chromedp.Click(css(`button[value="grant"]`)),
		chromedp.WaitVisible(css(`tr[data-repo="`+admin+`"] button.connect`)),
	)
	if u := get(t, ctx, "repository page URL", chromedp.Location()); strings.Contains(u, "code=") || strings.Contains(u, "state=") {
		t.Errorf("the repository page URL %s still carries the OAuth answer", u)
	}
	if who := get(t, ctx, "connection line", chromedp.Text(css("#connection"))); !strings.Contains(who, "Jane Doe") {
		t.Errorf("connection line %q does not name the user", who)
	}
	if m := get(t, ctx, "marking", chromedp.Text(css(`tr[data-repo="`+notAdmin+`"] .needs-admin`))); m != "admin permission is needed to create webhooks" {
		t.Errorf("%s is marked %q", notAdmin, m)
	}
	screenshot(t, ctx, "cloud-repositories.png")

	do(t, ctx, "connect a repository",
		chromedp.Click(css(`tr[data-repo="`+admin+`"] button.connect`)),
		chromedp.WaitVisible(css("#hook-result")),
	)
	if r := get(t, ctx, "hook result", chromedp.AttributeValue(css("#hook-result"), "data-result")); r.Value != "created" {
		t.Errorf("hook result %q, want created", r.Value)
	}
	hooks := demo.Cloud.Hooks(demo.CloudAdminRepos[0])
	shown := get(t, ctx, "hook table", chromedp.Text(css("#hook")))
	if len(hooks) != 1 || !strings.Contains(shown, hooks[0].URL) {
		t.Errorf("%d hooks on the fake; the page shows %q", len(hooks), shown)
	}
	screenshot(t, ctx, "cloud-hook.png")

	repo := demo.CloudAdminRepos[0]
	if b := get(t, ctx, "branches", chromedp.Text(css("#branches"))); !strings.Contains(b, "main") || !strings.Contains(b, "default") {
		t.Errorf("branches shown: %q; want main marked default", b)
	}
	do(t, ctx, "report a test build",
		chromedp.Click(css("#report-build")),
		chromedp.WaitVisible(css("#build-result")),
	)
	commit := get(t, ctx, "built commit", chromedp.AttributeValue(css("#build-result"), "data-commit")).Value
	if commit != demo.Cloud.Head(repo, "main") {
		t.Errorf("build reported on %q, want the head of main %q", commit, demo.Cloud.Head(repo, "main"))
	}
	if st := demo.Cloud.Statuses(repo, commit); len(st) != 1 || st[0].State != "SUCCESSFUL" || st[0].Key != "connect-web-test" {
		t.Errorf("statuses on the fake's commit: %+v; want one SUCCESSFUL connect-web-test", st)
	}
	screenshot(t, ctx, "cloud-build.png")

	do(t, ctx, "push a commit",
		chromedp.Click(css("#push")),
		chromedp.WaitVisible(css("#deliveries tr.delivery")),
	)
	deliveries := get(t, ctx, "deliveries", chromedp.Text(css("#deliveries")))
	for _, want := range []string{"push", "repo:push", admin, "Jane Doe", "branch main"} {
		if !strings.Contains(deliveries, want) {
			t.Errorf("deliveries page lacks %q:\n%s", want, deliveries)
		}
	}
	screenshot(t, ctx, "cloud-deliveries.png")
}

func TestSelfHostedConnectFlowInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	base, demo := startApp(t)

	do(t, ctx, "test a wrong token",
		chromedp.Navigate(base+"/"),
		chromedp.Click(css("#connect-server")),
		chromedp.WaitVisible(css("#url")),
		chromedp.SendKeys(css("#url"), demo.Server.URL()),
		chromedp.SendKeys(css("#token"), "not-the-right-token"),
		chromedp.Click(css("#test-connection")),
		chromedp.WaitVisible(css("#problem")),
	)
	if p := get(t, ctx, "problem", chromedp.Text(css("#problem h2"))); p != "The token was refused" {
		t.Errorf("wrong token explained as %q", p)
	}
	if kept := get(t, ctx, "address field", chromedp.Value(css("#url"))); kept != demo.Server.URL() {
		t.Errorf("the form kept the address %q, want %q", kept, demo.Server.URL())
	}
	if tok := get(t, ctx, "token field", chromedp.Value(css("#token"))); tok != "" {
		t.Errorf("the form sent the token back")
	}
	screenshot(t, ctx, "server-wrong-token.png")

	admin, notAdmin := demo.ServerAdminRepos[0].String(), demo.ServerReadRepos[0].String()
	do(t, ctx, "connect with the right token",
		chromedp.SendKeys(css("#token"), demo.ServerToken),
		chromedp.Click(css("#test-connection")),
		chromedp.WaitVisible(css(`tr[data-repo="`+admin+`"] button.connect`)),
	)
	if who := get(t, ctx, "connection line", chromedp.Text(css("#connection"))); !strings.Contains(who, "Alice Admin") || !strings.Contains(who, "Data Center") {
		t.Errorf("connection line %q", who)
	}
	if m := get(t, ctx, "marking", chromedp.Text(css(`tr[data-repo="`+notAdmin+`"] .needs-admin`))); m != "admin permission is needed to create webhooks" {
		t.Errorf("%s is marked %q", notAdmin, m)
	}
	screenshot(t, ctx, "server-repositories.png")

	do(t, ctx, "connect a repository",
		chromedp.Click(css(`tr[data-repo="`+admin+`"] button.connect`)),
		chromedp.WaitVisible(css("#hook-result")),
	)
	do(t, ctx, "report a test build",
		chromedp.Click(css("#report-build")),
		chromedp.WaitVisible(css("#build-result")),
	)
	repo := demo.ServerAdminRepos[0]
	commit := get(t, ctx, "built commit", chromedp.AttributeValue(css("#build-result"), "data-commit")).Value
	if st := demo.Server.Statuses(repo, commit); len(st) != 1 || st[0].State != "SUCCESSFUL" {
		t.Errorf("statuses on the fake's commit %s: %+v; want one SUCCESSFUL", commit, st)
	}
	screenshot(t, ctx, "server-build.png")
}
