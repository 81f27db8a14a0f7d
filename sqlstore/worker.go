package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/webhooks"
)

// Processor handles one recorded delivery. Its writes through tx commit in the same transaction
// that marks the delivery done, so they happen exactly once: when the processor fails, panics, or
// its worker loses the delivery's lease (it ran longer than IntakeOptions.Lease and another worker
// took over), tx is rolled back and the delivery tried again. Effects outside tx (an API call)
// happen at least once: make them idempotent, keyed on ev.DedupeKey(). ctx is the worker's.
type Processor func(ctx context.Context, tx *sql.Tx, ev *webhooks.Event) error

// ErrProcessorPanicked wraps the value of a Processor's panic, which the worker recovers from and
// counts as a failure.
var ErrProcessorPanicked = errors.New("sqlstore: processor panicked")

// maxWorkerBackoff bounds how long Work waits between claims while the database fails.
const maxWorkerBackoff = 30 * time.Second

// maxErrorText bounds the processor error kept in a row's last_error.
const maxErrorText = 1000

// claimed is one delivery a worker holds.
type claimed struct {
	id       int64
	attempts int
	ev       *webhooks.Event
	bad      error // the row could not be turned back into an Event
}

// claim takes up to Batch due deliveries for lease token in one UPDATE: pending, due, and not held
// under a live lease. On PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so concurrent
// workers take different rows without waiting for one another; on SQLite the statement runs under
// the database's single write lock, which gives the same guarantee.
func (in *Intake) claim(ctx context.Context, token string) ([]claimed, error) {
	skipLocked := ""
	if in.s.dialect == Postgres {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := in.s.db.QueryContext(ctx, in.s.q(`UPDATE {t}intake
		SET lease_token = ?, lease_until = {now} + ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM {t}intake
			WHERE status = 'pending' AND next_at <= {now} AND lease_until <= {now}
			ORDER BY next_at, id LIMIT ?`+skipLocked+`)
		RETURNING id, provider, event_key, delivery_id, hook_id, attempt, body, attempts`),
		token, in.opts.Lease.Milliseconds(), in.opts.Batch)
	if err != nil {
		return nil, storeErr("claim deliveries", err)
	}
	defer func() { _ = rows.Close() }()
	var out []claimed
	for rows.Next() {
		var c claimed
		var provider, key, deliveryID, hookID string
		var attempt int
		var body []byte
		if err := rows.Scan(&c.id, &provider, &key, &deliveryID, &hookID, &attempt, &body, &c.attempts); err != nil {
			return nil, storeErr("claim deliveries", err)
		}
		c.ev, c.bad = webhooks.ParsePayload(bitbucket.Provider(provider), key, body)
		if c.bad == nil {
			c.ev.DeliveryID, c.ev.HookID, c.ev.Attempt = deliveryID, hookID, attempt
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("claim deliveries", err)
	}
	return out, nil
}

// ProcessPending claims the deliveries that are due (at most IntakeOptions.Batch) and runs fn on
// each: done when fn succeeds, scheduled again after a backoff when it fails, failed for good
// after MaxAttempts. It returns how many it claimed, and the first error: a database call's
// (wrapping ErrStore) or a processor's. A claim that found nothing returns 0 and nil.
func (in *Intake) ProcessPending(ctx context.Context, fn Processor) (int, error) {
	token, err := auth.NewState()
	if err != nil {
		return 0, err
	}
	batch, err := in.claim(ctx, token)
	if err != nil {
		return 0, err
	}
	var first error
	for _, c := range batch {
		if err := in.process(ctx, token, c, fn); err != nil && first == nil {
			first = err
		}
	}
	return len(batch), first
}

// Work runs ProcessPending until ctx is done, then returns ctx's error. It waits PollInterval when
// nothing is due and backs off (up to 30 s) while the database fails, so that processing resumes
// on its own when the database comes back. Each error goes to IntakeOptions.OnError.
func (in *Intake) Work(ctx context.Context, fn Processor) error {
	wait := in.opts.PollInterval
	for {
		n, err := in.ProcessPending(ctx, fn)
		if err != nil && ctx.Err() == nil && in.opts.OnError != nil {
			in.opts.OnError(err)
		}
		switch {
		case errors.Is(err, ErrStore) && n == 0:
			wait = min(max(2*wait, in.opts.PollInterval), max(maxWorkerBackoff, in.opts.PollInterval))
		case n > 0:
			wait = 0 // more may be due at once
		default:
			wait = in.opts.PollInterval
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// process runs fn on one claimed delivery in a transaction that also marks it done, conditional
// on the worker still holding its lease.
func (in *Intake) process(ctx context.Context, token string, c claimed, fn Processor) error {
	if c.bad != nil {
		return in.fail(ctx, token, c, true, fmt.Errorf("sqlstore: recorded delivery %d does not decode: %w", c.id, c.bad))
	}
	tx, err := in.s.db.BeginTx(ctx, nil)
	if err != nil {
		return storeErr("begin delivery", err)
	}
	if err := runProcessor(ctx, tx, c.ev, fn); err != nil {
		_ = tx.Rollback()
		return in.fail(ctx, token, c, false, err)
	}
	res, err := tx.ExecContext(ctx, in.s.q(`UPDATE {t}intake
		SET status = 'done', done_at = {now}, lease_token = '', lease_until = 0, last_error = ''
		WHERE id = ? AND lease_token = ?`), c.id, token)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		_ = tx.Rollback()
		return storeErr("mark delivery done", err)
	}
	if n != 1 { // the lease ran out and another worker holds the delivery: its run counts
		_ = tx.Rollback()
		return nil
	}
	if err := tx.Commit(); err != nil {
		return storeErr("commit delivery", err)
	}
	return nil
}

// runProcessor calls fn, turning a panic into an error wrapping ErrProcessorPanicked.
func runProcessor(ctx context.Context, tx *sql.Tx, ev *webhooks.Event, fn Processor) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %v", ErrProcessorPanicked, v)
		}
	}()
	return fn(ctx, tx, ev)
}

// fail records a failed attempt: the delivery is due again after a backoff, or failed for good
// after MaxAttempts (at once when permanent). It returns cause, or the database's error.
func (in *Intake) fail(ctx context.Context, token string, c claimed, permanent bool, cause error) error {
	maxAttempts := in.opts.MaxAttempts
	if permanent {
		maxAttempts = 0
	}
	text := cause.Error()
	if len(text) > maxErrorText {
		text = text[:maxErrorText]
	}
	if _, err := in.s.exec(context.WithoutCancel(ctx), "reschedule delivery", in.s.q(`UPDATE {t}intake
		SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END,
		    next_at = {now} + ?, lease_token = '', lease_until = 0, last_error = ?
		WHERE id = ? AND lease_token = ?`),
		maxAttempts, in.backoff(c.attempts).Milliseconds(), text, c.id, token); err != nil {
		return err
	}
	return cause
}
