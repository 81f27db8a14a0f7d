package webhooks

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestDeduperMarkSeen(t *testing.T) {
	d := NewDeduper(10, time.Hour)
	if d.Seen("a") {
		t.Fatal("new key seen")
	}
	d.Mark(t.Context(), "a")
	if !d.Seen("a") || d.Seen("b") {
		t.Fatal("Seen after Mark(a): a must be seen, b not")
	}
	d.Mark(t.Context(), "")
	if d.Seen("") || d.Len() != 1 {
		t.Errorf("the empty key must never be remembered; Len = %d", d.Len())
	}
}

func TestDeduperReserveProtocol(t *testing.T) {
	d := NewDeduper(10, time.Hour)
	if err := d.Reserve(t.Context(), "a"); err != nil {
		t.Fatalf("first Reserve = %v", err)
	}
	if d.Seen("a") {
		t.Error("a reserved key must not be seen as processed")
	}
	if err := d.Reserve(t.Context(), "a"); !errors.Is(err, ErrDeliveryInProgress) {
		t.Errorf("Reserve of a reserved key = %v, want ErrDeliveryInProgress", err)
	}
	d.Release(t.Context(), "a")
	if err := d.Reserve(t.Context(), "a"); err != nil {
		t.Fatalf("Reserve after Release = %v, want nil (a failed delivery is processed again)", err)
	}
	d.Mark(t.Context(), "a")
	if err := d.Reserve(t.Context(), "a"); !errors.Is(err, ErrDuplicateDelivery) {
		t.Errorf("Reserve of a marked key = %v, want ErrDuplicateDelivery", err)
	}
	d.Release(t.Context(), "a") // must not forget a processed key
	if !d.Seen("a") {
		t.Error("Release dropped a processed key")
	}
	if err := d.Reserve(t.Context(), ""); err != nil {
		t.Errorf("Reserve(\"\") = %v, want nil", err)
	}
}

func TestDeduperNilIsNoOp(t *testing.T) {
	var d *Deduper
	d.Mark(t.Context(), "a")
	d.Release(t.Context(), "a")
	if d.Seen("a") || d.Reserve(t.Context(), "a") != nil || d.Len() != 0 {
		t.Error("a nil Deduper must remember nothing")
	}
}

func TestDeduperTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDeduper(10, time.Minute)
		d.Mark(t.Context(), "a")
		time.Sleep(time.Minute - time.Nanosecond)
		if !d.Seen("a") {
			t.Fatal("forgotten before the TTL")
		}
		d.Mark(t.Context(), "b")
		time.Sleep(time.Nanosecond)
		if d.Seen("a") {
			t.Fatal("still seen at the TTL")
		}
		if !d.Seen("b") || d.Len() != 1 {
			t.Fatalf("b must be kept; Len = %d", d.Len())
		}
	})
}

func TestDeduperReservationLapses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDeduper(10, time.Minute)
		if err := d.Reserve(t.Context(), "a"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		if err := d.Reserve(t.Context(), "a"); err != nil {
			t.Fatalf("Reserve after an unsettled reservation lapsed = %v", err)
		}
	})
}

func TestDeduperMarkRefreshes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDeduper(10, time.Minute)
		d.Mark(t.Context(), "a")
		d.Mark(t.Context(), "b")
		time.Sleep(30 * time.Second)
		d.Mark(t.Context(), "a") // recorded again: its TTL restarts
		time.Sleep(45 * time.Second)
		if !d.Seen("a") || d.Seen("b") {
			t.Errorf("Seen a=%v b=%v, want true false", d.Seen("a"), d.Seen("b"))
		}
	})
}

func TestDeduperDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDeduper(0, -1)
		for i := range DefaultDedupeSize + 5 {
			d.Mark(t.Context(), strconv.Itoa(i))
		}
		if d.Len() != DefaultDedupeSize {
			t.Errorf("Len = %d, want the default size %d", d.Len(), DefaultDedupeSize)
		}
		time.Sleep(DefaultDedupeTTL - time.Second)
		if !d.Seen(strconv.Itoa(DefaultDedupeSize)) {
			t.Error("forgotten before the default TTL")
		}
		time.Sleep(time.Second)
		if d.Len() != 0 {
			t.Errorf("Len after the default TTL = %d, want 0", d.Len())
		}
	})
}

func TestDeduperSizeBound(t *testing.T) {
	d := NewDeduper(3, time.Hour)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		d.Mark(t.Context(), k)
	}
	if d.Len() != 3 {
		t.Fatalf("Len = %d, want 3", d.Len())
	}
	for k, want := range map[string]bool{"a": false, "b": false, "c": true, "d": true, "e": true} {
		if d.Seen(k) != want {
			t.Errorf("Seen(%s) = %v, want %v (oldest evicted first)", k, !want, want)
		}
	}
	// Reservations count toward the bound too.
	for i := range 10 {
		_ = d.Reserve(t.Context(), "r"+strconv.Itoa(i))
	}
	if d.Len() != 3 {
		t.Errorf("Len with reservations = %d, want 3", d.Len())
	}
}

func TestDeduperConcurrentReserve(t *testing.T) {
	d := NewDeduper(100, time.Hour)
	const workers = 32
	var granted atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range workers {
		wg.Go(func() {
			<-start
			if d.Reserve(t.Context(), "same") == nil {
				granted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if granted.Load() != 1 {
		t.Fatalf("%d goroutines reserved the same key, want exactly 1", granted.Load())
	}
}

func TestDeduperConcurrentUse(t *testing.T) {
	d := NewDeduper(50, time.Hour)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 200 {
				k := strconv.Itoa((w*7 + i) % 120)
				switch i % 4 {
				case 0:
					if d.Reserve(t.Context(), k) == nil {
						d.Release(t.Context(), k)
					}
				case 1:
					d.Mark(t.Context(), k)
				case 2:
					d.Seen(k)
				default:
					if n := d.Len(); n > 50 {
						t.Errorf("Len = %d over the bound", n)
					}
				}
			}
		})
	}
	wg.Wait()
	if d.Len() > 50 {
		t.Errorf("Len = %d over the bound", d.Len())
	}
}
