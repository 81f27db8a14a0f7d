package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestStatementsPerDialect(t *testing.T) {
	db := &sql.DB{} // never used: building statements does no I/O
	pg, err := New(db, Postgres, WithTablePrefix("app_"))
	if err != nil {
		t.Fatal(err)
	}
	lite, err := New(db, SQLite)
	if err != nil {
		t.Fatal(err)
	}
	const stmt = `UPDATE {t}x SET a = ?, b = {now} + ? WHERE c = ?`
	if got, want := pg.q(stmt), "UPDATE app_x SET a = $1, b = CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) + $2 WHERE c = $3"; got != want {
		t.Errorf("postgres:\n got %s\nwant %s", got, want)
	}
	if got := lite.q(stmt); !strings.HasPrefix(got, "UPDATE bbconnect_x SET a = ?, b = CAST((julianday('now')") || strings.Count(got, "?") != 3 {
		t.Errorf("sqlite: %s", got)
	}
	for _, st := range pg.schema() {
		if strings.Contains(st, "{") || strings.Contains(st, "AUTOINCREMENT") || strings.Contains(st, "BLOB") {
			t.Errorf("postgres schema statement not in its dialect: %s", st)
		}
	}
	for _, st := range lite.schema() {
		if strings.Contains(st, "BIGSERIAL") || strings.Contains(st, "BYTEA") {
			t.Errorf("sqlite schema statement not in its dialect: %s", st)
		}
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	for name, f := range map[string]func() (*Store, error){
		"nil db":       func() (*Store, error) { return New(nil, SQLite) },
		"dialect":      func() (*Store, error) { return New(&sql.DB{}, Dialect("mysql")) },
		"prefix quote": func() (*Store, error) { return New(&sql.DB{}, SQLite, WithTablePrefix(`x"; DROP TABLE y; --`)) },
		"prefix digit": func() (*Store, error) { return New(&sql.DB{}, SQLite, WithTablePrefix("1x")) },
		"prefix empty": func() (*Store, error) { return New(&sql.DB{}, SQLite, WithTablePrefix("")) },
		"prefix upper": func() (*Store, error) { return New(&sql.DB{}, SQLite, WithTablePrefix("App_")) },
	} {
		if _, err := f(); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	s, _ := New(&sql.DB{}, SQLite)
	if _, err := s.TokenStore(""); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("TokenStore(\"\"): %v", err)
	}
}

func TestBackoff(t *testing.T) {
	in := (&Store{}).Intake(IntakeOptions{MinBackoff: time.Second, MaxBackoff: 10 * time.Second})
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := in.backoff(i + 1); got != w {
			t.Errorf("backoff after failure %d = %v, want %v", i+1, got, w)
		}
	}
	if got := in.backoff(1000); got != 10*time.Second {
		t.Errorf("backoff(1000) = %v", got)
	}
}

func TestValuesNeverShowWhatTheyHold(t *testing.T) {
	s, _ := New(&sql.DB{}, Postgres)
	ts, _ := s.TokenStore("tenant-42")
	values := []any{s, ts, s.DeliveryStore(0, 0), s.StateStore(0), s.Intake(IntakeOptions{})}
	for _, v := range values {
		var logs strings.Builder
		slog.New(slog.NewTextHandler(&logs, nil)).Info("v", "v", v)
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%T: json: %v", v, err)
		}
		outs := []string{logs.String(), string(j)}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		for _, out := range outs {
			if !strings.Contains(out, "sqlstore.") || strings.Contains(out, "0x") {
				t.Errorf("%T shows more than its description: %s", v, out)
			}
		}
	}
}
