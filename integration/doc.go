// Package integration holds bbconnect's tests against real databases: sqlstore's stores, and the
// multi-replica scenarios they exist for (OAuth refresh, webhook intake, OAuth state), on
// PostgreSQL and on SQLite. It is a module of its own, so that the database drivers it needs
// (pgx, a pure-Go SQLite) never reach the library module.
//
// The PostgreSQL tests use the server named by BBCONNECT_PG_DSN (a pgx connection string, such as
// postgres://user@127.0.0.1:55432/postgres?sslmode=disable). Without it they skip, except under
// CI=true, where they fail: .ci/run starts a throwaway cluster and sets it. The SQLite tests use a
// file in a temporary directory and always run.
package integration
