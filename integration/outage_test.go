package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/sqlstore"
)

// TestDatabaseGone takes the database away from every replica mid-run: deliveries are answered
// 503 (never acknowledged, never processed unreserved), nothing is marked processed or done that
// was not, the workers' errors are reported, and once the database is back the pending deliveries
// are processed and the refused ones, sent again, are accepted; each exactly once.
func TestDatabaseGone(t *testing.T) {
	templates := fakeDeliveries(t, 10)
	forEachBackend(t, func(t *testing.T, b backend) {
		c := newCluster(t, b, 2, sqlstore.IntakeOptions{
			Lease: time.Second, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
			Batch: 50, PollInterval: 20 * time.Millisecond,
		})
		observer := openReplica(t, b) // outside the outage: what the database really holds
		posts, keys := workload(t, templates, 500, 0)
		first, pending, refused := posts[:200], posts[200:400], posts[400:]

		// Normal running.
		if res := send(t.Context(), c.lb.URL, first, 8, 5*time.Second, nil); res.unacked != 0 {
			t.Fatalf("before the outage: %d unacknowledged", res.unacked)
		}
		c.waitDrained(0, 30*time.Second)
		// Workers stopped (a deploy, say): deliveries are recorded, not processed yet.
		for _, nd := range c.nodes {
			nd.stopWorker()
			<-nd.workerDone
		}
		if res := send(t.Context(), c.lb.URL, pending, 8, 5*time.Second, nil); res.unacked != 0 {
			t.Fatalf("recording with workers stopped: %d unacknowledged", res.unacked)
		}

		// The database goes away; workers start and fail; deliveries are refused with 503.
		for _, nd := range c.nodes {
			nd.down.Store(true)
			c.startWorker(nd)
		}
		res := send(t.Context(), c.lb.URL, refused, 8, time.Millisecond, nil)
		if res.unacked != len(refused) || res.statuses[http.StatusServiceUnavailable] != len(refused) {
			t.Fatalf("with the database gone: %d unacknowledged, answers %v; want all %d answered 503", res.unacked, res.statuses, len(refused))
		}
		time.Sleep(200 * time.Millisecond)
		if c.errs.Load() == 0 {
			t.Error("the workers reported no error while the database was gone")
		}
		if n := len(c.effectCounts(observer.db)); n != len(first) {
			t.Errorf("during the outage %d deliveries have side effects, want the %d processed before", n, len(first))
		}
		var marked int
		if err := observer.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+b.prefix+"deliveries WHERE state = 'done'").Scan(&marked); err != nil {
			t.Fatal(err)
		}
		if marked != len(first)+len(pending) {
			t.Errorf("%d deliveries marked processed, want %d (none of those refused)", marked, len(first)+len(pending))
		}
		st, err := observer.store.Intake(sqlstore.IntakeOptions{}).Stats(t.Context())
		if err != nil || st.Done != int64(len(first)) || st.Pending != int64(len(pending)) {
			t.Errorf("intake during the outage: %+v, %v; want %d done, %d pending", st, err, len(first), len(pending))
		}

		// The database is back: the workers resume, and Bitbucket's resends are accepted.
		for _, nd := range c.nodes {
			nd.down.Store(false)
		}
		if res := send(t.Context(), c.lb.URL, refused, 8, 10*time.Second, nil); res.unacked != 0 {
			t.Fatalf("after the outage: %d unacknowledged, answers %v", res.unacked, res.statuses)
		}
		st = c.waitDrained(0, 60*time.Second)
		counts := c.effectCounts(observer.db)
		for _, k := range keys {
			if counts[k] != 1 {
				t.Fatalf("delivery %s processed %d times, want once", k, counts[k])
			}
		}
		if st.Done != int64(len(keys)) || len(counts) != len(keys) {
			t.Errorf("after the outage: %+v and %d side effects, want %d of each", st, len(counts), len(keys))
		}
		t.Logf("%s: %d worker errors reported during the outage; all %d deliveries processed once after it", b.name, c.errs.Load(), len(keys))
	})
}
