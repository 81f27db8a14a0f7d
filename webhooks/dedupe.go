package webhooks

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// DeliveryStore records which deliveries are being processed and which are done, so that a
// delivery Bitbucket sends again is processed once. *Deduper is the in-memory one, for a single
// process; sqlstore has one on database/sql, shared by every replica of a product.
//
// A delivery goes through two phases. Reserve claims its key (Event.DedupeKey) before processing;
// then Mark records it as processed after success, or Release drops the claim after failure, so
// that a later delivery of the same key is processed again. Reserve returns nil when the caller
// now holds the key, ErrDuplicateDelivery when the key was already processed,
// ErrDeliveryInProgress when another caller holds it, or any other error when the store cannot
// tell (a database that is down): the caller must then not process the delivery, because it cannot
// know whether another replica did. A reservation that is never settled (a replica that died)
// lapses after a while, so that the key can be reserved again. Implementations are safe for
// concurrent use; the empty key is never stored, and NewHandler does not ask for it.
type DeliveryStore interface {
	Reserve(ctx context.Context, key string) error
	Mark(ctx context.Context, key string) error
	Release(ctx context.Context, key string) error
}

var _ DeliveryStore = (*Deduper)(nil)

// seen reports whether store knows key as processed without reserving it. Only stores that can
// answer from memory (a *Deduper, or any store with a Seen(key string) bool method) are asked;
// for the others the answer is false, and Reserve is where a duplicate shows.
func seen(store DeliveryStore, key string) bool {
	s, ok := store.(interface{ Seen(string) bool })
	return ok && s.Seen(key)
}

// Default Deduper bounds, used by NewDeduper for a size or ttl that is zero or negative.
const (
	DefaultDedupeSize = 10000
	DefaultDedupeTTL  = time.Hour
)

// Deduper remembers delivery ids so that a delivery Bitbucket sends again (a retry after a
// timeout or a 5xx) is processed once. It holds at most size ids, forgetting the oldest first,
// and forgets an id ttl after it was recorded. It is safe for concurrent use.
//
// It is the in-memory DeliveryStore: Reserve claims an id before processing; then Mark records it
// as processed after success, or Release drops the claim after failure, so that Bitbucket's retry
// is processed again. Seen only reports processed ids. NewHandler follows this protocol; a program
// that calls Parse itself gets ErrDuplicateDelivery from Parse for a processed id, and calls
// Reserve, Mark and Release with Event.DedupeKey. A Deduper serves one process: replicas behind a
// load balancer share a database-backed DeliveryStore instead (package sqlstore).
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
// is always granted and never remembered. The only other error is ctx's, when it is done.
func (d *Deduper) Reserve(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
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

// Mark records key as processed now, whether or not it was reserved. It never fails: the error
// is always nil, and ctx is not consulted, so that a success is never lost to a cancellation.
func (d *Deduper) Mark(_ context.Context, key string) error {
	if d == nil || key == "" {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	d.expire(now)
	if el, ok := d.byKey[key]; ok {
		e := el.Value.(*dedupeEntry)
		e.at, e.pending = now, false
		d.order.MoveToBack(el)
		return nil
	}
	d.insert(&dedupeEntry{key: key, at: now})
	return nil
}

// Release drops a reservation made by Reserve without marking key as processed. It does nothing
// for a key that is already marked. Like Mark, it never fails and does not consult ctx.
func (d *Deduper) Release(_ context.Context, key string) error {
	if d == nil || key == "" {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.byKey[key]; ok && el.Value.(*dedupeEntry).pending {
		d.order.Remove(el)
		delete(d.byKey, key)
	}
	return nil
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
