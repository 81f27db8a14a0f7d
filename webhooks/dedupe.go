package webhooks

import (
	"container/list"
	"sync"
	"time"
)

// Default Deduper bounds, used by NewDeduper for a size or ttl that is zero or negative.
const (
	DefaultDedupeSize = 10000
	DefaultDedupeTTL  = time.Hour
)

// Deduper remembers delivery ids so that a delivery Bitbucket sends again (a retry after a
// timeout or a 5xx) is processed once. It holds at most size ids, forgetting the oldest first,
// and forgets an id ttl after it was recorded. It is safe for concurrent use.
//
// A delivery goes through two phases. Reserve claims its id before processing; then Mark records
// it as processed after success, or Release drops the claim after failure, so that Bitbucket's
// retry is processed again. Seen only reports processed ids. NewHandler follows this protocol; a
// program that calls Parse itself checks duplicates through Options.Dedupe and calls Mark (or
// Reserve, Mark and Release) with Event.DedupeKey.
type Deduper struct {
	size int
	ttl  time.Duration

	mu    sync.Mutex
	order *list.List // of *dedupeEntry, oldest first
	byKey map[string]*list.Element
}

type dedupeEntry struct {
	key     string
	at      time.Time
	pending bool
}

// NewDeduper returns a Deduper that keeps at most size ids, each for ttl. A size of zero or less
// means DefaultDedupeSize (10000) and a ttl of zero or less means DefaultDedupeTTL (one hour).
func NewDeduper(size int, ttl time.Duration) *Deduper {
	if size <= 0 {
		size = DefaultDedupeSize
	}
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	return &Deduper{size: size, ttl: ttl, order: list.New(), byKey: make(map[string]*list.Element)}
}

// Seen reports whether key was marked as processed less than ttl ago. A reserved key that is not
// marked yet is not seen. The empty key is never seen.
func (d *Deduper) Seen(key string) bool {
	if d == nil || key == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(time.Now())
	el, ok := d.byKey[key]
	return ok && !el.Value.(*dedupeEntry).pending
}

// Reserve claims key for processing. It returns ErrDuplicateDelivery when key was already
// processed and ErrDeliveryInProgress when another delivery holds it; otherwise the caller must
// later call Mark or Release. A reservation that is never settled lapses after ttl. The empty key
// is always granted and never remembered.
func (d *Deduper) Reserve(key string) error {
	if d == nil || key == "" {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	d.expire(now)
	if el, ok := d.byKey[key]; ok {
		if el.Value.(*dedupeEntry).pending {
			return ErrDeliveryInProgress
		}
		return ErrDuplicateDelivery
	}
	d.insert(&dedupeEntry{key: key, at: now, pending: true})
	return nil
}

// Mark records key as processed now, whether or not it was reserved.
func (d *Deduper) Mark(key string) {
	if d == nil || key == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	d.expire(now)
	if el, ok := d.byKey[key]; ok {
		e := el.Value.(*dedupeEntry)
		e.at, e.pending = now, false
		d.order.MoveToBack(el)
		return
	}
	d.insert(&dedupeEntry{key: key, at: now})
}

// Release drops a reservation made by Reserve without marking key as processed. It does nothing
// for a key that is already marked.
func (d *Deduper) Release(key string) {
	if d == nil || key == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.byKey[key]; ok && el.Value.(*dedupeEntry).pending {
		d.order.Remove(el)
		delete(d.byKey, key)
	}
}

// Len returns how many ids (processed or reserved, not yet expired) the Deduper holds.
func (d *Deduper) Len() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(time.Now())
	return len(d.byKey)
}

// insert adds e as the newest entry, evicting the oldest when full. d.mu is held.
func (d *Deduper) insert(e *dedupeEntry) {
	for len(d.byKey) >= d.size {
		d.removeOldest()
	}
	d.byKey[e.key] = d.order.PushBack(e)
}

// expire drops the entries recorded ttl or more before now. Entries are kept in the order they
// were last recorded, so the expired ones are at the front. d.mu is held.
func (d *Deduper) expire(now time.Time) {
	for {
		front := d.order.Front()
		if front == nil || now.Sub(front.Value.(*dedupeEntry).at) < d.ttl {
			return
		}
		d.removeOldest()
	}
}

func (d *Deduper) removeOldest() {
	front := d.order.Front()
	if front == nil {
		return
	}
	d.order.Remove(front)
	delete(d.byKey, front.Value.(*dedupeEntry).key)
}
