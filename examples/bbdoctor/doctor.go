package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/server"
)

// defaultTimeout bounds each step when config.Timeout is zero.
const defaultTimeout = 10 * time.Second

// config is what one diagnosis needs. Token is never printed.
type config struct {
	URL     string            // the base URL as the user typed it
	Repo    bitbucket.RepoRef // the repository to check
	Token   string            // the HTTP access token; "" fails the token step
	Allow   []netip.Prefix    // -allow: ranges the host policy lets through
	RootCAs *x509.CertPool    // -cacert: trusted CAs; nil means the system roots
	JSON    bool              // print the JSON report instead of the checklist
	Timeout time.Duration     // per step; 0 means defaultTimeout
	Note    string            // shown above the checklist (and in the JSON report)
}

// Step statuses, as the JSON report spells them.
const (
	statusPass = "pass"
	statusFail = "fail"
	statusSkip = "skip"
)

// stepResult is one line of the report.
type stepResult struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
	Hint   string `json:"hint,omitempty"`
}

// report is the whole diagnosis, as -json prints it.
type report struct {
	OK    bool         `json:"ok"`
	Note  string       `json:"note,omitempty"`
	Steps []stepResult `json:"steps"`
}

// outcome is what a check function returns.
type outcome struct {
	ok     bool
	detail string
	hint   string
}

func pass(format string, args ...any) outcome {
	return outcome{ok: true, detail: fmt.Sprintf(format, args...)}
}

func fail(detail, hint string) outcome { return outcome{detail: detail, hint: hint} }

// doctor carries what the steps learn, each step building on the ones before it.
type doctor struct {
	cfg      config
	u        *url.URL     // the parsed base URL
	host     string       // host name or address, without brackets
	port     string       // explicit or the scheme's default
	addrs    []netip.Addr // resolved addresses the host policy lets through
	dialAddr string       // the address that accepted a TCP connection
	client   *server.Client
}

// check is one step of the diagnosis.
type check struct {
	name string
	run  func(ctx context.Context, d *doctor) outcome
}

// checks are the steps in the order they run. A step runs only when every step before it passed.
var checks = []check{
	{"URL", checkURL},
	{"host policy", checkPolicy},
	{"DNS", checkDNS},
	{"TCP connect", checkTCP},
	{"TLS", checkTLS},
	{"Bitbucket server", checkBitbucket},
	{"token", checkToken},
	{"repository", checkRepository},
	{"admin permission", checkAdmin},
	{"webhook API", checkWebhooks},
}

// run diagnoses cfg, writes the checklist (or the JSON report) to stdout, and returns the exit
// status: 0 when every step passed, 1 when one failed.
func run(ctx context.Context, cfg config, stdout io.Writer) int {
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	d := &doctor{cfg: cfg}
	rep := report{OK: true, Note: cfg.Note}
	if !cfg.JSON {
		if cfg.Note != "" {
			fmt.Fprintf(stdout, "note: %s\n", cfg.Note)
		}
		fmt.Fprintf(stdout, "bbdoctor: checking the connection bbconnect would make to Bitbucket Data Center\n")
	}
	for _, c := range checks {
		res := stepResult{Name: c.name}
		if !rep.OK {
			res.Status, res.Detail = statusSkip, "skipped: an earlier step failed"
		} else {
			out := runStep(ctx, d, c)
			res.Detail, res.Hint = d.redact(out.detail), d.redact(out.hint)
			res.Status = statusPass
			if !out.ok {
				res.Status, rep.OK = statusFail, false
			}
		}
		rep.Steps = append(rep.Steps, res)
		if !cfg.JSON {
			printStep(stdout, res)
		}
	}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(rep)
	} else {
		printSummary(stdout, rep)
	}
	if !rep.OK {
		return 1
	}
	return 0
}

// runStep runs one check under the per-step time limit, turning a panic into a failed step.
func runStep(ctx context.Context, d *doctor, c check) (out outcome) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			out = fail(fmt.Sprintf("internal error in this check: %v", r), "report this as a bug in bbdoctor")
		}
	}()
	return c.run(ctx, d)
}

// redact removes the token from s, in case an error quoted it. bbconnect never does, but a
// diagnosis tool prints whatever servers and proxies say.
func (d *doctor) redact(s string) string {
	if len(d.cfg.Token) >= 6 {
		s = strings.ReplaceAll(s, d.cfg.Token, "[REDACTED]")
	}
	return s
}

// options are the client options a product would use for this server: the same allow-list and
// CAs, no retries (a diagnosis wants the first answer), and the step's time limit per request.
func (d *doctor) options() []bitbucket.Option {
	opts := []bitbucket.Option{bitbucket.WithRetry(0, time.Second)}
	if len(d.cfg.Allow) > 0 {
		opts = append(opts, bitbucket.WithAllowedHosts(d.cfg.Allow...))
	}
	if d.cfg.RootCAs != nil {
		opts = append(opts, bitbucket.WithRootCAs(d.cfg.RootCAs))
	}
	return opts
}

const (
	markPass = "✓"
	markFail = "✗"
	markSkip = "–"
)

func printStep(w io.Writer, r stepResult) {
	mark := markPass
	switch r.Status {
	case statusFail:
		mark = markFail
	case statusSkip:
		mark = markSkip
	}
	fmt.Fprintf(w, "%s %-17s %s\n", mark, r.Name, r.Detail)
	if r.Hint != "" {
		fmt.Fprintf(w, "  %-17s fix: %s\n", "", r.Hint)
	}
}

func printSummary(w io.Writer, rep report) {
	if rep.OK {
		fmt.Fprintln(w, "result: OK, a product can connect to this server and manage webhooks on this repository")
		return
	}
	for _, s := range rep.Steps {
		if s.Status == statusFail {
			fmt.Fprintf(w, "result: FAILED at step %q; fix it and run bbdoctor again\n", s.Name)
			return
		}
	}
}
