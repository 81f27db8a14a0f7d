package bitbucket

import (
	"context"
	"sync"
)

// ensureKey names what EnsureWebhook serializes on: one URL on one repository of one provider.
type ensureKey struct {
	provider Provider
	repo     RepoRef
	url      string // normalised
}

// keyedLocks is a set of mutexes made on demand, one per key, each dropped when nobody holds or
// waits for it. Waiting honours ctx.
type keyedLocks struct {
	mu    sync.Mutex
	locks map[ensureKey]*keyedLock
}

type keyedLock struct {
	ch    chan struct{} // holds one token while the lock is held
	users int           // holders and waiters
}

var ensureLocks = &keyedLocks{locks: map[ensureKey]*keyedLock{}}

// lock waits for the lock of k and returns its release, or ctx's error when ctx ends first.
func (l *keyedLocks) lock(ctx context.Context, k ensureKey) (func(), error) {
	l.mu.Lock()
	kl := l.locks[k]
	if kl == nil {
		kl = &keyedLock{ch: make(chan struct{}, 1)}
		l.locks[k] = kl
	}
	kl.users++
	l.mu.Unlock()

	select {
	case kl.ch <- struct{}{}:
		return func() { <-kl.ch; l.done(k, kl) }, nil
	case <-ctx.Done():
		l.done(k, kl)
		return nil, ctx.Err()
	}
}

// done drops one user of kl, and kl itself when it was the last.
func (l *keyedLocks) done(k ensureKey, kl *keyedLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if kl.users--; kl.users == 0 {
		delete(l.locks, k)
	}
}
