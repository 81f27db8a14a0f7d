// Command connect-web is a small web application that reproduces a product's "Connect Bitbucket"
// screens on bbconnect: Bitbucket Cloud through OAuth 2.0, self-hosted Bitbucket through a URL and
// an HTTP access token, a repository picker that marks where admin permission is missing, webhooks
// ensured with one click, and a page of verified deliveries. The application itself is package
// github.com/bbconnect/bbconnect/examples/connect-web/app; this is its command line.
//
// Usage:
//
//	go run ./examples/connect-web                    # demo: both fakes, on 127.0.0.1:8080
//	go run ./examples/connect-web -addr 127.0.0.1:0  # any free port; the address is printed
//	BITBUCKET_CLIENT_ID=<key> BITBUCKET_CLIENT_SECRET=<secret> \
//	  go run ./examples/connect-web -public-url https://connect.example.com
//
// With no BITBUCKET_CLIENT_ID it runs in demo mode: in-process fakes of Bitbucket Cloud (with its
// consent page) and Data Center, seeded with sample workspaces, projects and repositories. The Data
// Center fake's address and its demo token are printed, to type into the self-hosted form, and a
// "Push a commit" button makes the fakes send a push to the connected repository.
//
// With BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET set (an OAuth consumer whose callback URL is
// <public-url>/cloud/callback), it talks to the real services: -cloud-api and -cloud-site
// override the Cloud API and OAuth site (a proxy, say), and the self-hosted form reaches only
// public addresses unless -allow names private networks (for example -allow 10.0.0.0/8).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/examples/connect-web/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses the command line, starts the application and serves until ctx is done. It returns
// the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("connect-web", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (127.0.0.1:0 picks a free port)")
	publicURL := fs.String("public-url", "", "the address browsers and Bitbucket reach this app at (default http://<listen address>)")
	cloudAPI := fs.String("cloud-api", "", "Bitbucket Cloud API base URL (default https://api.bitbucket.org/2.0)")
	cloudSite := fs.String("cloud-site", "", "Bitbucket Cloud OAuth site (default https://bitbucket.org)")
	allow := fs.String("allow", "", "comma-separated private networks the self-hosted form may reach, such as 10.0.0.0/8")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "connect-web: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	allowed, err := parseAllow(*allow)
	if err != nil {
		fmt.Fprintln(stderr, "connect-web: -allow:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "connect-web: cannot listen:", err)
		return 1
	}
	base := strings.TrimSuffix(*publicURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}

	var cfg app.Config
	clientID, clientSecret := getenv("BITBUCKET_CLIENT_ID"), getenv("BITBUCKET_CLIENT_SECRET")
	if clientID == "" {
		demo := app.StartDemo(base)
		defer demo.Close()
		cfg = demo.Config()
		fmt.Fprintf(stdout, "Demo mode: fake Bitbucket Cloud and Data Center run in this process.\n"+
			"  Cloud consent page signs in as %q.\n"+
			"  Data Center URL:   %s\n"+
			"  Data Center token: %s   (demo data of the fake, user %s)\n",
			demo.CloudUser, demo.Server.URL(), demo.ServerToken, demo.ServerUser)
	} else {
		cfg = app.Config{PublicURL: base, CloudClientID: clientID, CloudClientSecret: clientSecret, CloudSiteURL: *cloudSite}
		if *cloudAPI != "" {
			cfg.CloudOptions = append(cfg.CloudOptions, bitbucket.WithBaseURL(*cloudAPI))
		}
		fmt.Fprintf(stdout, "Bitbucket Cloud OAuth consumer %s; its callback URL must be %s/cloud/callback\n", clientID, base)
	}
	if len(allowed) > 0 {
		cfg.ServerOptions = append(cfg.ServerOptions, bitbucket.WithAllowedHosts(allowed...))
	}
	cfg.Logger = logger
	_, handler, err := app.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "connect-web:", err)
		_ = ln.Close()
		return 1
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	fmt.Fprintf(stdout, "connect-web listening on http://%s (open %s/)\n", ln.Addr(), base)
	if err := serve(ctx, srv, ln); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	return 0
}

// parseAllow parses a comma-separated list of prefixes or single addresses.
func parseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a prefix", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// serve runs srv on ln until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
