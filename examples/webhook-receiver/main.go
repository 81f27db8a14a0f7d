package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// shutdownGrace is how long in-flight deliveries get to finish once a stop is asked.
const shutdownGrace = 10 * time.Second

// run parses the command line, then either serves on -listen until ctx is done, or, with no
// -listen, runs the self-demo. It returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("webhook-receiver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", "address to serve on, such as :8080; empty runs a self-demo and exits")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0 // -h: the usage was printed, as bbdoctor does
	} else if err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "webhook-receiver: unexpected argument %q (secrets go in WEBHOOK_SECRET or WEBHOOK_TENANTS)\n", fs.Arg(0))
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	ts, err := parseTenants(getenv("WEBHOOK_TENANTS"))
	if err != nil {
		fmt.Fprintf(stderr, "webhook-receiver: %v\n", err)
		return 2
	}
	generated := false
	if secret := getenv("WEBHOOK_SECRET"); secret != "" {
		ts[defaultTenant] = [][]byte{[]byte(secret)}
	} else if len(ts) == 0 {
		ts[defaultTenant], generated = [][]byte{randomSecret()}, true
	}
	if *listen == "" {
		if err := selfDemo(ctx, logger); err != nil {
			logger.Error("self-demo failed", "err", err)
			return 1
		}
		return 0
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		logger.Error("cannot listen", "addr", *listen, "err", err)
		return 1
	}
	srv := newServer(ts, logger, nil)
	logger.Info("listening for Bitbucket webhook deliveries", "addr", ln.Addr().String(), "tenants", strings.Join(ts.names(), ","))
	first := ts.names()[0]
	if generated {
		fmt.Fprintf(stderr, "Neither WEBHOOK_SECRET nor WEBHOOK_TENANTS is set: this run uses the generated secret %s\n"+
			"Enter the same secret on the Bitbucket webhook, or set WEBHOOK_SECRET to your own.\n", ts[first][0])
	}
	fmt.Fprintf(stderr, "Send a signed test delivery:\n%s\n", curlCommand(ln.Addr(), first, ts[first][0]))
	if err := serve(ctx, srv, ln); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// serve runs srv on ln until ctx is done, then shuts it down, letting in-flight deliveries finish
// within shutdownGrace.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

func randomSecret() []byte {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return []byte(hex.EncodeToString(b))
}
