package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/bbconnect/bbconnect/webhooks"
)

// newServer returns the HTTP server of the receiver: the webhooks handler on /hooks/{tenant} (and
// on / for the default tenant), verifying each delivery with its tenant's secrets and dropping
// duplicate deliveries, behind timeouts that a slow or hostile client cannot stretch. observe,
// when not nil, is called after each event is logged (the self-demo counts them).
func newServer(ts tenants, logger *slog.Logger, observe func(*webhooks.Event)) *http.Server {
	opts := webhooks.Options{
		// The tenant's secrets, picked from the path before the body is decoded; during a
		// rotation a tenant has two, and a delivery signed with either is accepted.
		Secrets: ts.secrets,
		// Bitbucket retries a delivery that timed out or failed; remember a day of delivery ids.
		Dedupe: webhooks.NewDeduper(10000, 24*time.Hour),
	}
	h := webhooks.NewHandler(opts, func(ctx context.Context, ev *webhooks.Event) error {
		logEvent(ctx, logger, ev)
		if observe != nil {
			observe(ev)
		}
		return nil
	})
	mux := http.NewServeMux()
	mux.Handle("/hooks/{tenant}", withTenant(h))
	mux.Handle("/{$}", withTenant(h))
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// logEvent writes one record per delivery with the normalised fields a product acts on.
func logEvent(ctx context.Context, logger *slog.Logger, ev *webhooks.Event) {
	attrs := []slog.Attr{
		slog.String("tenant", tenantFrom(ctx)),
		slog.String("provider", string(ev.Provider)),
		slog.String("type", string(ev.Type)),
		slog.String("key", ev.Key),
		slog.String("repo", ev.Repo.String()),
		slog.String("delivery", ev.DeliveryID),
	}
	if ev.Actor.Username != "" {
		attrs = append(attrs, slog.String("actor", ev.Actor.Username))
	}
	if ev.Push != nil {
		changes := make([]string, 0, len(ev.Push.Changes))
		for _, c := range ev.Push.Changes {
			changes = append(changes, describeChange(c))
		}
		attrs = append(attrs, slog.Any("changes", changes))
	}
	if pr := ev.PullRequest; pr != nil {
		attrs = append(attrs, slog.Int("pr", pr.ID), slog.String("pr_state", pr.State),
			slog.String("pr_branches", pr.Source.Branch+" → "+pr.Destination.Branch))
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "webhook event", attrs...)
}

// describeChange renders one ref change as "branch main 1a2b3c4..5d6e7f8" (created, deleted and
// forced changes say so).
func describeChange(c webhooks.RefChange) string {
	switch {
	case c.Created:
		return fmt.Sprintf("%s %s created at %s", c.Kind, c.Name, short(c.New))
	case c.Deleted:
		return fmt.Sprintf("%s %s deleted (was %s)", c.Kind, c.Name, short(c.Old))
	}
	s := fmt.Sprintf("%s %s %s..%s", c.Kind, c.Name, short(c.Old), short(c.New))
	if c.Forced {
		s += " (forced)"
	}
	return s
}

func short(hash string) string {
	if len(hash) > 7 {
		return hash[:7]
	}
	return hash
}
