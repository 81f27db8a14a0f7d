package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/webhooks"
)

// Defaults of DeliveryStore.
const (
	// DefaultDeliveryLease is how long a reservation holds when it is never marked or released
	// (the replica died mid-delivery): longer than processing a delivery takes.
	DefaultDeliveryLease = time.Minute
	// DefaultDeliveryRetention is how long a processed delivery key is remembered; Bitbucket
	// resends within seconds, an operator's manual redelivery within days.
	DefaultDeliveryRetention = 7 * 24 * time.Hour
)

// DeliveryStore is a webhooks.DeliveryStore in the database, shared by every replica: a delivery
// Bitbucket sends again, to whichever replica, is processed once. Reserve is one INSERT … ON
// CONFLICT that takes a key which is absent or whose lease ran out, so a reservation made by a
// replica that died lapses after the lease. It is safe for concurrent use.
type DeliveryStore struct {
	redacted
	s                *Store
	lease, retention time.Duration

	mu   sync.Mutex
	held map[string]string // key → holder of the reservations this value made
}

var _ webhooks.DeliveryStore = (*DeliveryStore)(nil)

// DeliveryStore returns the store of delivery keys, whose reservations last lease and processed
// keys retention (DefaultDeliveryLease and DefaultDeliveryRetention when zero or negative).
func (s *Store) DeliveryStore(lease, retention time.Duration) *DeliveryStore {
	if lease <= 0 {
		lease = DefaultDeliveryLease
	}
	if retention <= 0 {
		retention = DefaultDeliveryRetention
	}
	name := fmt.Sprintf("sqlstore.DeliveryStore{lease %s, retention %s}", lease, retention)
	return &DeliveryStore{redacted: redacted(name), s: s, lease: lease, retention: retention, held: map[string]string{}}
}

// Reserve claims key: nil when this caller now holds it, webhooks.ErrDuplicateDelivery when it was
// processed, webhooks.ErrDeliveryInProgress when a live reservation holds it, or an error wrapping
// ErrStore. The empty key is granted and not stored.
func (d *DeliveryStore) Reserve(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	key = storedKey(key)
	holder, err := auth.NewState()
	if err != nil {
		return err
	}
	n, err := d.s.exec(ctx, "reserve delivery", d.s.q(`INSERT INTO {t}deliveries (delivery_key, state, holder, expires_at)
		VALUES (?, 'reserved', ?, {now} + ?)
		ON CONFLICT (delivery_key) DO UPDATE SET state = 'reserved', holder = excluded.holder, expires_at = excluded.expires_at
		WHERE {t}deliveries.expires_at <= {now}`), key, holder, d.lease.Milliseconds())
	if err != nil {
		return err
	}
	if n == 1 {
		d.mu.Lock()
		d.held[key] = holder
		d.mu.Unlock()
		return nil
	}
	var state string
	err = d.s.db.QueryRowContext(ctx, d.s.q(`SELECT state FROM {t}deliveries WHERE delivery_key = ?`), key).Scan(&state)
	switch {
	case err == nil && state == "done":
		return webhooks.ErrDuplicateDelivery
	case err == nil, errors.Is(err, sql.ErrNoRows): // released a moment ago: retrying is safe
		return webhooks.ErrDeliveryInProgress
	}
	return storeErr("reserve delivery", err)
}

// Mark records key as processed, for the retention, whether or not its reservation still held.
func (d *DeliveryStore) Mark(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	key = storedKey(key)
	d.forget(key)
	_, err := d.s.exec(ctx, "mark delivery", d.s.q(`INSERT INTO {t}deliveries (delivery_key, state, holder, expires_at)
		VALUES (?, 'done', '', {now} + ?)
		ON CONFLICT (delivery_key) DO UPDATE SET state = 'done', holder = '', expires_at = excluded.expires_at`),
		key, d.retention.Milliseconds())
	return err
}

// Release drops this value's reservation of key, so that the next delivery of key is processed.
// A reservation another replica took over (after this one's lease ran out) and a processed key
// are left alone.
func (d *DeliveryStore) Release(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	key = storedKey(key)
	holder, ok := d.forget(key)
	if !ok {
		return nil
	}
	_, err := d.s.exec(ctx, "release delivery", d.s.q(`DELETE FROM {t}deliveries
		WHERE delivery_key = ? AND state = 'reserved' AND holder = ?`), key, holder)
	return err
}

func (d *DeliveryStore) forget(key string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h, ok := d.held[key]
	delete(d.held, key)
	return h, ok
}

// storedKey is what the tables keep of a delivery key: its SHA-256 in hex. Keys hold NUL bytes
// (webhooks.Event.DedupeKey separates its parts with them), which PostgreSQL's TEXT refuses, and
// may be long; the digest is neither.
func storedKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
