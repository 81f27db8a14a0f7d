package sqlstore

import (
	"context"
	"time"

	"github.com/bbconnect/bbconnect/auth"
)

// leaseLock is a lock shared by replicas through a row of the locks table. The holder keeps it for
// at most lease: a replica that dies holding it blocks the others no longer than that.
type leaseLock struct {
	s     *Store
	name  string
	lease time.Duration
}

// Polling bounds of leaseLock.lock: the first wait and the longest one.
const (
	lockPollMin = 5 * time.Millisecond
	lockPollMax = 100 * time.Millisecond
)

// tryLock takes the lock for holder with one upsert: a row that is absent or whose lease ran out
// is (re)written, a live one is left alone.
func (l *leaseLock) tryLock(ctx context.Context, holder string) (bool, error) {
	n, err := l.s.exec(ctx, "lock", l.s.q(`INSERT INTO {t}locks (name, holder, expires_at) VALUES (?, ?, {now} + ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE {t}locks.expires_at <= {now}`), l.name, holder, l.lease.Milliseconds())
	return n == 1, err
}

// lock blocks until the lock is held or ctx is done, and returns its release. A database error is
// returned at once.
func (l *leaseLock) lock(ctx context.Context) (func(), error) {
	holder, err := auth.NewState()
	if err != nil {
		return nil, err
	}
	wait := lockPollMin
	for {
		ok, err := l.tryLock(ctx, holder)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				_, _ = l.s.exec(ctx, "unlock", l.s.q(`DELETE FROM {t}locks WHERE name = ? AND holder = ?`), l.name, holder)
			}, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, lockPollMax)
	}
}
