package integration

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/auth"
)

// TestOAuthStateAcrossReplicas issues a state on one replica and sends 50 callbacks carrying it
// at once, spread over the other two: exactly one is accepted. Unknown and expired states are
// refused, and the table holds no state in clear.
func TestOAuthStateAcrossReplicas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		rs := migrated(t, b, 3)
		var stores []auth.StateStore
		for _, r := range rs {
			stores = append(stores, r.store.StateStore(time.Minute))
		}
		state, err := stores[0].Issue(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var accepted, replayed atomic.Int32
		for i := range 50 {
			wg.Go(func() {
				switch err := stores[1+i%2].ConsumeOnce(t.Context(), state); {
				case err == nil:
					accepted.Add(1)
				case errors.Is(err, auth.ErrInvalidState) && strings.Contains(err.Error(), "already used"):
					replayed.Add(1)
				default:
					t.Errorf("ConsumeOnce: %v", err)
				}
			})
		}
		wg.Wait()
		if accepted.Load() != 1 || replayed.Load() != 49 {
			t.Fatalf("%d callbacks accepted, %d refused as replays; want 1 and 49", accepted.Load(), replayed.Load())
		}

		for name, st := range map[string]string{"missing": "", "forged": "forged-state"} {
			if err := stores[2].ConsumeOnce(t.Context(), st); !errors.Is(err, auth.ErrInvalidState) {
				t.Errorf("%s state: %v, want ErrInvalidState", name, err)
			}
		}
		short := rs[0].store.StateStore(50 * time.Millisecond)
		old, err := short.Issue(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		if err := stores[1].ConsumeOnce(t.Context(), old); !errors.Is(err, auth.ErrInvalidState) || !strings.Contains(err.Error(), "expired") {
			t.Errorf("expired state: %v, want ErrInvalidState (expired)", err)
		}

		var inClear int
		if err := rs[0].db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+b.prefix+"oauth_states WHERE state_hash = '"+state+"'").Scan(&inClear); err != nil {
			t.Fatal(err)
		}
		if inClear != 0 {
			t.Error("a state is stored in clear")
		}
		if n, err := rs[0].store.Purge(t.Context(), time.Hour); err != nil || n < 1 {
			t.Errorf("Purge = %d, %v; want the expired state deleted", n, err)
		}
	})
}
