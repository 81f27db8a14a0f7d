package bitbucket_test

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"time"

	"golang.org/x/oauth2"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/sqlstore"
	"github.com/bbconnect/bbconnect/webhooks"
)

var _ = readmeReplicas

// README: "Running several replicas" (compile-only).
func readmeReplicas(ctx context.Context, cfg *oauth2.Config, tenant struct{ ID string },
	secretsOfTenant func(*http.Request) ([][]byte, error),
	startBuild func(context.Context, *sql.Tx, *webhooks.Event) error) error {
	db, _ := sql.Open("pgx", os.Getenv("DATABASE_URL")) // any database/sql driver
	store, err := sqlstore.New(db, sqlstore.Postgres)
	if err != nil {
		return err
	}
	if err := store.Migrate(ctx); err != nil { // creates the tables; safe on every start, from every replica
		return err
	}

	tokens, _ := store.TokenStore(tenant.ID)
	conn, _ := cloud.New(auth.OAuth2(auth.StoredTokenSource(ctx, cfg, tokens)))
	states := store.StateStore(10 * time.Minute) // states.Issue(ctx), states.ConsumeOnce(ctx, state)

	intake := store.Intake(sqlstore.IntakeOptions{})
	http.Handle("POST /hooks/{tenant}", intake.Handler(webhooks.Options{
		Secrets: secretsOfTenant, // func(*http.Request) ([][]byte, error), from r.PathValue("tenant")
		Dedupe:  store.DeliveryStore(0, 0),
	}))
	go intake.Work(ctx, func(ctx context.Context, tx *sql.Tx, ev *webhooks.Event) error {
		return startBuild(ctx, tx, ev) // writes through tx commit with the delivery's done mark: exactly once
	})
	_, _ = conn, states
	return nil
}
