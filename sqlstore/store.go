package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Dialect is the SQL flavour of a database: it decides placeholders, column types, the clock and
// the claim statement.
type Dialect string

// The dialects a Store speaks.
const (
	// Postgres is PostgreSQL 12 or later, through any database/sql driver (pgx's stdlib, lib/pq).
	Postgres Dialect = "postgres"
	// SQLite is SQLite 3.35 or later (upsert and RETURNING), through any database/sql driver.
	SQLite Dialect = "sqlite"
)

// DefaultTablePrefix is the prefix of every table a Store creates, unless WithTablePrefix says
// otherwise.
const DefaultTablePrefix = "bbconnect_"

// ErrStore wraps every error of a database call made by this package, so that a caller can tell a
// storage failure from a verdict (a duplicate, a token conflict, an invalid state).
var ErrStore = errors.New("sqlstore: database call failed")

// Store holds the database and dialect that the token, delivery, OAuth state and intake stores
// share. It is safe for concurrent use; every replica of a product makes its own over the same
// database. Constructing one does no I/O: call Migrate once at start-up.
type Store struct {
	redacted
	db      *sql.DB
	dialect Dialect
	prefix  string
	expand  *strings.Replacer // {t} and {now}
}

// Option configures New.
type Option func(*Store) error

// WithTablePrefix sets the prefix of the table names (default DefaultTablePrefix). It must be
// made of lower-case ASCII letters, digits and underscores, and start with a letter.
func WithTablePrefix(prefix string) Option {
	return func(s *Store) error {
		if !validIdentifier(prefix) {
			return fmt.Errorf("%w: sqlstore: table prefix %q: want lower-case letters, digits and _, starting with a letter", bitbucket.ErrInvalidInput, prefix)
		}
		s.prefix = prefix
		return nil
	}
}

// New returns a Store over db, which must be open with a driver for dialect. Errors wrap
// bitbucket.ErrInvalidInput.
func New(db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: sqlstore: nil *sql.DB", bitbucket.ErrInvalidInput)
	}
	if dialect != Postgres && dialect != SQLite {
		return nil, fmt.Errorf("%w: sqlstore: unknown dialect %q (want %q or %q)", bitbucket.ErrInvalidInput, dialect, Postgres, SQLite)
	}
	s := &Store{db: db, dialect: dialect, prefix: DefaultTablePrefix}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	now := "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
	if dialect == Postgres {
		now = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
	}
	s.expand = strings.NewReplacer("{t}", s.prefix, "{now}", now)
	s.redacted = redacted("sqlstore.Store{" + string(dialect) + ", tables " + s.prefix + "*}")
	return s, nil
}

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// q turns a statement written with ? placeholders, {t} for the table prefix and {now} for the
// database clock (milliseconds since the Unix epoch) into the dialect's form. Statements hold no
// literal question mark.
func (s *Store) q(stmt string) string {
	stmt = s.expand.Replace(stmt)
	if s.dialect != Postgres {
		return stmt
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(stmt); i++ {
		if stmt[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(stmt[i])
	}
	return b.String()
}

// storeErr wraps a database error of the operation op in ErrStore.
func storeErr(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrStore, op, err)
}

// exec runs one statement and returns the rows it affected.
func (s *Store) exec(ctx context.Context, op, stmt string, args ...any) (int64, error) {
	res, err := s.db.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, storeErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, storeErr(op, err)
	}
	return n, nil
}

func validIdentifier(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
