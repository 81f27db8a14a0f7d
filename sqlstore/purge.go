package sqlstore

import (
	"context"
	"time"
)

// Purge deletes what no store needs any more: delivery keys past their retention and lapsed
// reservations, expired OAuth states, lapsed locks, and intake deliveries processed more than
// doneOlderThan ago (failed ones are kept for an operator). Run it now and then, from any
// replica. It returns how many rows it deleted.
func (s *Store) Purge(ctx context.Context, doneOlderThan time.Duration) (int64, error) {
	stmts := []struct {
		op, stmt string
		args     []any
	}{
		{"purge deliveries", `DELETE FROM {t}deliveries WHERE expires_at <= {now}`, nil},
		{"purge states", `DELETE FROM {t}oauth_states WHERE expires_at <= {now}`, nil},
		{"purge locks", `DELETE FROM {t}locks WHERE expires_at <= {now}`, nil},
		{"purge intake", `DELETE FROM {t}intake WHERE status = 'done' AND done_at <= {now} - ?`, []any{doneOlderThan.Milliseconds()}},
	}
	var total int64
	for _, st := range stmts {
		n, err := s.exec(ctx, st.op, s.q(st.stmt), st.args...)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
