package integration

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/sqlstore"
	"github.com/bbconnect/bbconnect/webhooks"
)

// TestDeliveryStoreAcrossReplicas checks the reservation protocol over one database: one
// reservation among many concurrent ones, a reservation of a replica that died lapses after the
// lease, a processed key is a duplicate everywhere, and Release frees a key only for the
// reservation it made.
func TestDeliveryStoreAcrossReplicas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		rs := migrated(t, b, 3)
		const lease = 300 * time.Millisecond
		var ds []*sqlstore.DeliveryStore
		for _, r := range rs {
			ds = append(ds, r.store.DeliveryStore(lease, time.Hour))
		}
		ctx := t.Context()

		var wg sync.WaitGroup
		var granted, busy atomic.Int32
		for i := range 30 {
			wg.Go(func() {
				switch err := ds[i%3].Reserve(ctx, "k1"); {
				case err == nil:
					granted.Add(1)
				case errors.Is(err, webhooks.ErrDeliveryInProgress):
					busy.Add(1)
				default:
					t.Errorf("Reserve: %v", err)
				}
			})
		}
		wg.Wait()
		if granted.Load() != 1 || busy.Load() != 29 {
			t.Fatalf("%d reservations granted, %d in progress; want 1 and 29", granted.Load(), busy.Load())
		}
		// Whoever holds k1 dies: after the lease, another replica takes it over.
		time.Sleep(lease + 100*time.Millisecond)
		if err := ds[1].Reserve(ctx, "k1"); err != nil {
			t.Fatalf("Reserve after the lease ran out: %v", err)
		}
		// A Release from a replica that does not hold it changes nothing.
		if err := ds[2].Release(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if err := ds[0].Reserve(ctx, "k1"); !errors.Is(err, webhooks.ErrDeliveryInProgress) {
			t.Fatalf("after a foreign Release: %v, want ErrDeliveryInProgress", err)
		}
		if err := ds[1].Mark(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if err := d.Reserve(ctx, "k1"); !errors.Is(err, webhooks.ErrDuplicateDelivery) {
				t.Fatalf("processed key: %v, want ErrDuplicateDelivery", err)
			}
		}
		// A released key can be reserved again at once.
		if err := ds[0].Reserve(ctx, "k2"); err != nil {
			t.Fatal(err)
		}
		if err := ds[0].Release(ctx, "k2"); err != nil {
			t.Fatal(err)
		}
		if err := ds[2].Reserve(ctx, "k2"); err != nil {
			t.Fatalf("after Release: %v", err)
		}
		// The empty key is granted and never stored.
		if err := ds[0].Reserve(ctx, ""); err != nil {
			t.Fatal(err)
		}
		// A database that is gone is an error wrapping ErrStore, never a verdict.
		rs[0].down.Store(true)
		defer rs[0].down.Store(false)
		if err := ds[0].Reserve(ctx, "k3"); !errors.Is(err, sqlstore.ErrStore) {
			t.Fatalf("Reserve with the database gone: %v, want ErrStore", err)
		}
	})
}
