package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks a command line that cannot be run; cli exits 2 on it.
var errUsage = errors.New("usage error")

// cli parses the command line and the environment, then runs the diagnosis: against the server
// the flags name, or, when no flag names one, against the embedded Data Center fake.
func cli(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, demo, err := parseArgs(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0 // -h: the usage was printed
	}
	if err != nil {
		fmt.Fprintf(stderr, "bbdoctor: %v\nRun bbdoctor -h for usage.\n", err)
		return 2
	}
	if demo {
		return runDemo(ctx, cfg, stdout, stderr)
	}
	return run(ctx, cfg, stdout)
}

// prefixList is the repeatable -allow flag.
type prefixList []netip.Prefix

func (p *prefixList) String() string {
	s := make([]string, len(*p))
	for i, x := range *p {
		s[i] = x.String()
	}
	return strings.Join(s, ",")
}

// Set accepts a CIDR prefix (10.0.0.0/8) or a bare address (10.1.2.3, meaning just it).
func (p *prefixList) Set(v string) error {
	if a, err := netip.ParseAddr(v); err == nil {
		*p = append(*p, netip.PrefixFrom(a, a.BitLen()))
		return nil
	}
	pre, err := netip.ParsePrefix(v)
	if err != nil {
		return fmt.Errorf("want a CIDR prefix such as 10.0.0.0/8, or an address")
	}
	if a := pre.Addr(); a.Is4In6() && pre.Bits() >= 96 {
		pre = netip.PrefixFrom(a.Unmap(), pre.Bits()-96) // ::ffff:10.0.0.0/104 is 10.0.0.0/8
	}
	*p = append(*p, pre.Masked())
	return nil
}

// parseArgs reads the flags and BITBUCKET_TOKEN. demo is true when nothing names a server: no
// -url, -repo, -allow or -cacert.
func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (cfg config, demo bool, err error) {
	fs := flag.NewFlagSet("bbdoctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "", "Bitbucket Data Center base URL with its context path, such as "+exampleURL)
	repo := fs.String("repo", "", "repository to check: PROJECT/slug")
	var allow prefixList
	fs.Var(&allow, "allow", "let bbconnect reach this private or loopback range, CIDR or address (repeatable; bitbucket.WithAllowedHosts)")
	cacert := fs.String("cacert", "", "PEM file with the CA certificate(s) that issued the server's certificate (bitbucket.WithRootCAs)")
	jsonOut := fs.Bool("json", false, `print a JSON report: {"ok":bool,"steps":[{"name","status","detail","hint"}]}`)
	timeout := fs.Duration("timeout", defaultTimeout, "time limit of each step")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: BITBUCKET_TOKEN=<token> bbdoctor -url %s -repo PROJ/repo [-allow CIDR]... [-cacert ca.pem] [-json]\n\n", exampleURL)
		fmt.Fprintf(stderr, "Diagnoses the connection bbconnect makes to a Bitbucket Data Center server, step by step.\n")
		fmt.Fprintf(stderr, "The token is read from BITBUCKET_TOKEN only, and never printed.\n")
		fmt.Fprintf(stderr, "With no flags at all, it diagnoses an embedded fake Data Center on loopback.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExit status: 0 every step passed, 1 a check failed, 2 usage error.\n")
	}
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return cfg, false, fmt.Errorf("%w: unexpected argument %q (the token goes in BITBUCKET_TOKEN, not on the command line)", errUsage, fs.Arg(0))
	}
	cfg = config{URL: *rawURL, Allow: allow, JSON: *jsonOut, Timeout: *timeout, Token: strings.TrimSpace(getenv("BITBUCKET_TOKEN"))}
	if *timeout <= 0 {
		return cfg, false, fmt.Errorf("%w: -timeout must be positive", errUsage)
	}
	if *rawURL == "" && *repo == "" && len(allow) == 0 && *cacert == "" {
		return cfg, true, nil
	}
	if *rawURL == "" {
		fs.Usage()
		return cfg, false, fmt.Errorf("%w: -url is required", errUsage)
	}
	if *repo == "" {
		return cfg, false, fmt.Errorf("%w: -repo PROJECT/slug is required", errUsage)
	}
	if cfg.Repo, err = bitbucket.ParseRepoRef(*repo); err != nil {
		return cfg, false, fmt.Errorf("%w: -repo: %v", errUsage, err)
	}
	if *cacert != "" {
		if cfg.RootCAs, err = loadCACert(*cacert); err != nil {
			return cfg, false, fmt.Errorf("%w: -cacert: %v", errUsage, err)
		}
	}
	return cfg, false, nil
}

// loadCACert reads a PEM file of one or more CA certificates into a pool.
func loadCACert(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// runDemo diagnoses the embedded Data Center fake, seeded with a project, a repository, an
// admin user and a token, so that bbdoctor shows what it does with no configuration at all.
func runDemo(ctx context.Context, cfg config, stdout, _ io.Writer) int {
	srv := bitbuckettest.NewServer()
	defer srv.Close()
	ref := bitbucket.RepoRef{Namespace: "PROJ", Slug: "repo"}
	token := randomToken()
	srv.AddUser(bitbuckettest.User{Username: "demo", DisplayName: "Demo User", Email: "demo@example.com"})
	srv.AddToken(token, "demo")
	srv.AddRepository(bitbuckettest.Repository{Namespace: ref.Namespace, Slug: ref.Slug, Name: "Demo repository"})
	srv.Grant("demo", ref, bitbucket.PermissionAdmin)

	cfg.URL, cfg.Repo, cfg.Token = srv.URL(), ref, token
	// The fake listens on loopback, which bbconnect refuses unless allowed: allow it for this run.
	cfg.Allow = append(cfg.Allow, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
	cfg.Note = "no -url given: diagnosing the embedded Bitbucket Data Center fake (package bitbuckettest) on loopback, with -allow 127.0.0.0/8 -allow ::1/128. " +
		"To check a real server: BITBUCKET_TOKEN=<token> bbdoctor -url " + exampleURL + " -repo PROJ/repo"
	return run(ctx, cfg, stdout)
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
