package sqlstore

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/webhooks"
)

// IntakeOptions configures an Intake. The zero value means the defaults.
type IntakeOptions struct {
	// Lease is how long a worker holds a delivery it claimed before another may claim it (the
	// first worker died or stalled). Longer than processing one delivery takes; default 1 minute.
	Lease time.Duration
	// MaxAttempts is how many times a delivery is tried before it is left as failed for an
	// operator (Stats counts them); default 10.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before a failed delivery is tried again: MinBackoff
	// after the first failure, doubling, at most MaxBackoff. Defaults 1 s and 10 minutes; a
	// MaxBackoff below MinBackoff means the default.
	MinBackoff, MaxBackoff time.Duration
	// Batch is how many deliveries one claim takes; default 10.
	Batch int
	// PollInterval is how long Work waits when nothing is due; default 1 s.
	PollInterval time.Duration
	// OnError, when set, is called by Work with each error it meets and goes on from: a database
	// call that failed, a processor that failed or panicked. It must not block for long.
	OnError func(error)
}

// Intake is a durable hand-off for webhook deliveries: the handler records each verified delivery
// in the database before it answers 200, and workers on any replica claim the pending ones,
// process them and retry failures with backoff. So a Data Center event, which Bitbucket never
// resends, survives a processor that fails, a replica that dies and a restart.
//
// A delivery is recorded once, by its key (webhooks.Event.DedupeKey): a resend is answered 200
// and not recorded again. It is safe for concurrent use.
type Intake struct {
	redacted
	s    *Store
	opts IntakeOptions
}

// Intake returns the intake of the store, configured by opts.
func (s *Store) Intake(opts IntakeOptions) *Intake {
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(10*time.Minute, opts.MinBackoff)
	}
	if opts.Batch <= 0 {
		opts.Batch = 10
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	name := fmt.Sprintf("sqlstore.Intake{lease %s, max attempts %d}", opts.Lease, opts.MaxAttempts)
	return &Intake{redacted: redacted(name), s: s, opts: opts}
}

// Handler returns webhooks.NewHandler with Record as its callback: a verified delivery is answered
// 200 once its row is written, 500 when the write fails (with opts.Dedupe set, 503 when the
// reservation cannot be made). Mount one on every replica; run Work on one or more of them.
func (in *Intake) Handler(opts webhooks.Options) http.Handler {
	return webhooks.NewHandler(opts, in.Record)
}

// Record writes ev as a pending delivery, in one INSERT that does nothing when a delivery with the
// same key is recorded already. A delivery with no id gets a key of its own. The error wraps
// ErrStore.
func (in *Intake) Record(ctx context.Context, ev *webhooks.Event) error {
	if ev == nil {
		return nil
	}
	key := ev.DedupeKey()
	if key == "" {
		id, err := auth.NewState()
		if err != nil {
			return err
		}
		key = "no-id\x00" + id
	}
	key = storedKey(key)
	_, err := in.s.exec(ctx, "record delivery", in.s.q(`INSERT INTO {t}intake
		(delivery_key, provider, event_key, delivery_id, hook_id, attempt, body, received_at,
		 status, attempts, next_at, lease_token, lease_until, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, {now}, 'pending', 0, {now}, '', 0, '')
		ON CONFLICT (delivery_key) DO NOTHING`),
		key, string(ev.Provider), ev.Key, ev.DeliveryID, ev.HookID, ev.Attempt, []byte(ev.Raw))
	return err
}

// IntakeStats counts the recorded deliveries by status.
type IntakeStats struct {
	Pending int64 // waiting, being processed, or waiting for a retry
	Done    int64 // processed
	Failed  int64 // given up after MaxAttempts, or undecodable
}

// Stats counts the recorded deliveries by status.
func (in *Intake) Stats(ctx context.Context) (IntakeStats, error) {
	rows, err := in.s.db.QueryContext(ctx, in.s.q(`SELECT status, COUNT(*) FROM {t}intake GROUP BY status`))
	if err != nil {
		return IntakeStats{}, storeErr("intake stats", err)
	}
	defer func() { _ = rows.Close() }()
	var st IntakeStats
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return IntakeStats{}, storeErr("intake stats", err)
		}
		switch status {
		case statusPending:
			st.Pending = n
		case statusDone:
			st.Done = n
		case statusFailed:
			st.Failed = n
		}
	}
	if err := rows.Err(); err != nil {
		return IntakeStats{}, storeErr("intake stats", err)
	}
	return st, nil
}

// The statuses of an intake row.
const (
	statusPending = "pending"
	statusDone    = "done"
	statusFailed  = "failed"
)

// backoff is the wait after the attempts-th failure.
func (in *Intake) backoff(attempts int) time.Duration {
	d := in.opts.MinBackoff
	for i := 1; i < attempts && d < in.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, in.opts.MaxBackoff)
}
