package sqlstore

import (
	"context"
	"strings"
)

// migrateLockKey is the PostgreSQL advisory lock that serialises Migrate across replicas starting
// at once (CREATE TABLE IF NOT EXISTS alone can race in PostgreSQL's catalog).
const migrateLockKey = 0x6262636f6e6e6563 // "bbconnec"

// schema returns the statements that create every table and index, in order, for the dialect.
// Every time is in milliseconds since the Unix epoch, from the database's clock.
func (s *Store) schema() []string {
	blob, serial := "BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT"
	if s.dialect == Postgres {
		blob, serial = "BYTEA", "BIGSERIAL PRIMARY KEY"
	}
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS {t}tokens (
			name          TEXT PRIMARY KEY,
			access_token  TEXT NOT NULL,
			token_type    TEXT NOT NULL,
			refresh_token TEXT NOT NULL,
			expiry        BIGINT NOT NULL,
			version       BIGINT NOT NULL,
			updated_at    BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS {t}locks (
			name       TEXT PRIMARY KEY,
			holder     TEXT NOT NULL,
			expires_at BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS {t}deliveries (
			delivery_key TEXT PRIMARY KEY,
			state        TEXT NOT NULL,
			holder       TEXT NOT NULL,
			expires_at   BIGINT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS {t}deliveries_expires ON {t}deliveries (expires_at)`,
		`CREATE TABLE IF NOT EXISTS {t}oauth_states (
			state_hash TEXT PRIMARY KEY,
			expires_at BIGINT NOT NULL,
			used_at    BIGINT)`,
		`CREATE INDEX IF NOT EXISTS {t}oauth_states_expires ON {t}oauth_states (expires_at)`,
		`CREATE TABLE IF NOT EXISTS {t}intake (
			id           ` + serial + `,
			delivery_key TEXT NOT NULL UNIQUE,
			provider     TEXT NOT NULL,
			event_key    TEXT NOT NULL,
			delivery_id  TEXT NOT NULL,
			hook_id      TEXT NOT NULL,
			attempt      INTEGER NOT NULL,
			body         ` + blob + ` NOT NULL,
			received_at  BIGINT NOT NULL,
			status       TEXT NOT NULL,
			attempts     INTEGER NOT NULL,
			next_at      BIGINT NOT NULL,
			lease_token  TEXT NOT NULL,
			lease_until  BIGINT NOT NULL,
			last_error   TEXT NOT NULL,
			done_at      BIGINT)`,
		`CREATE INDEX IF NOT EXISTS {t}intake_due ON {t}intake (status, next_at)`,
	}
	for i, st := range stmts {
		stmts[i] = s.q(st)
	}
	return stmts
}

// Migrate creates the tables and indexes the stores use, when they do not exist yet. It is safe to
// run again, and from several replicas at once: on PostgreSQL the replicas take turns on an
// advisory lock, on SQLite the transaction is serialised by the database. Existing rows are
// never touched.
func (s *Store) Migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return storeErr("migrate", err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLockKey)); err != nil {
			return storeErr("migrate: lock", err)
		}
	}
	for _, st := range s.schema() {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			name, _, _ := strings.Cut(strings.TrimSpace(st), "(")
			return storeErr("migrate: "+strings.Join(strings.Fields(name), " "), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return storeErr("migrate: commit", err)
	}
	return nil
}
