package integration

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/bbconnect/bbconnect/sqlstore"
)

// pgDSNEnv names the environment variable with the PostgreSQL connection string.
const pgDSNEnv = "BBCONNECT_PG_DSN"

// backend is one database the suite runs on. Each replica of a scenario opens its own pool on
// it, as separate processes would.
type backend struct {
	name    string
	dialect sqlstore.Dialect
	driver  string
	dsn     string
	prefix  string // tables of this test, so that tests sharing a server do not meet
}

// forEachBackend runs fn as a subtest on SQLite (a file in a temporary directory) and on the
// PostgreSQL of BBCONNECT_PG_DSN: skipped when it is unset, failed when it is unset under CI=true.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bbconnect.db")
		dsn := "file:" + path + "?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		// Switch the new file to WAL once, on one connection: WAL then persists in the file. When
		// several replicas' first connections race to switch it, SQLite may answer SQLITE_BUSY at
		// once, without waiting for busy_timeout.
		first, err := sql.Open("sqlite", dsn)
		if err == nil {
			err = first.PingContext(t.Context())
			_ = first.Close()
		}
		if err != nil {
			t.Fatalf("create the SQLite database: %v", err)
		}
		fn(t, backend{name: "sqlite", dialect: sqlstore.SQLite, driver: "sqlite", prefix: sqlstore.DefaultTablePrefix, dsn: dsn})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv(pgDSNEnv)
		if dsn == "" {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not set under CI=true: .ci/run must start PostgreSQL", pgDSNEnv)
			}
			t.Skipf("%s is not set: no PostgreSQL to test against", pgDSNEnv)
		}
		fn(t, backend{name: "postgres", dialect: sqlstore.Postgres, driver: "pgx", dsn: dsn, prefix: "t" + randomHex(6) + "_"})
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// replica is one process's view of the database: its own pool (which the test can cut off, as
// if the database went away) and its own Store.
type replica struct {
	db    *sql.DB
	store *sqlstore.Store
	down  *atomic.Bool
}

// openReplica opens a pool on b behind a switch: while down is set, every call fails as if the
// server were unreachable. The pool is closed when the test ends.
func openReplica(t *testing.T, b backend) *replica {
	t.Helper()
	probe, err := sql.Open(b.driver, b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	drv := probe.Driver()
	_ = probe.Close()
	down := new(atomic.Bool)
	db := sql.OpenDB(&switchConnector{drv: drv, dsn: b.dsn, down: down})
	db.SetMaxOpenConns(16)
	t.Cleanup(func() { _ = db.Close() })
	store, err := sqlstore.New(db, b.dialect, sqlstore.WithTablePrefix(b.prefix))
	if err != nil {
		t.Fatal(err)
	}
	return &replica{db: db, store: store, down: down}
}

// migrated opens n replicas on b and runs Migrate on all of them at once.
func migrated(t *testing.T, b backend, n int) []*replica {
	t.Helper()
	rs := make([]*replica, n)
	errs := make(chan error, n)
	for i := range rs {
		rs[i] = openReplica(t, b)
		go func() { errs <- rs[i].store.Migrate(t.Context()) }()
	}
	for range rs {
		if err := <-errs; err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	return rs
}

// errDown is the failure of every call while a replica's database is switched off.
var errDown = errors.New("test: database unreachable")

// switchConnector opens connections of drv to dsn, refusing while down is set.
type switchConnector struct {
	drv  driver.Driver
	dsn  string
	down *atomic.Bool
}

func (c *switchConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if c.down.Load() {
		return nil, errDown
	}
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &switchConn{Conn: conn, down: c.down}, nil
}

func (c *switchConnector) Driver() driver.Driver { return c.drv }

// switchConn passes calls to its connection while the switch is up, and answers
// driver.ErrBadConn (so database/sql drops it and dials again, which fails) while it is down.
type switchConn struct {
	driver.Conn
	down *atomic.Bool
}

func (c *switchConn) check() error {
	if c.down.Load() {
		return driver.ErrBadConn
	}
	return nil
}

func (c *switchConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *switchConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *switchConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *switchConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if q, ok := c.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *switchConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		return nil, errors.New("test: the driver has no BeginTx")
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &switchTx{Tx: tx, down: c.down}, nil
}

func (c *switchConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *switchConn) ResetSession(ctx context.Context) error {
	if err := c.check(); err != nil {
		return err
	}
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *switchConn) IsValid() bool {
	if c.down.Load() {
		return false
	}
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// switchTx fails a commit while the switch is down, rolling back instead: the database is gone
// before the commit reached it.
type switchTx struct {
	driver.Tx
	down *atomic.Bool
}

func (tx *switchTx) Commit() error {
	if tx.down.Load() {
		_ = tx.Tx.Rollback()
		return driver.ErrBadConn
	}
	return tx.Tx.Commit()
}
