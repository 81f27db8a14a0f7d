package integration

import (
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/sqlstore"
)

// TestDeliveriesThreeReplicas sends 10,000 webhook requests from both fakes' deliveries (20% of
// them duplicates or retries) through a round-robin balancer to three replicas over one database,
// and kills one replica a third of the way through. Every distinct delivery is processed exactly
// once, as counted by the side effect rows its processor writes in the worker's transaction; none
// is lost, including those whose first processing failed (the worker retries them) and those the
// dead replica held. Throughput and acknowledgement latency are logged, not asserted.
func TestDeliveriesThreeReplicas(t *testing.T) {
	templates := fakeDeliveries(t, 40)
	forEachBackend(t, func(t *testing.T, b backend) {
		const distinct, repeats = 8000, 2000
		c := newCluster(t, b, 3, sqlstore.IntakeOptions{
			Lease: time.Second, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
			Batch: 50, PollInterval: 20 * time.Millisecond,
		})
		c.flaky = firstAttemptOf(everyTenth)
		posts, keys := workload(t, templates, distinct, repeats)

		killed := make(chan struct{})
		res := send(t.Context(), c.lb.URL, posts, 32, 30*time.Second, func(acked int) {
			if acked == len(posts)/3 {
				c.kill(2)
				close(killed)
			}
		})
		select {
		case <-killed:
		default:
			t.Fatalf("node 2 was never killed: %d of %d requests acknowledged", len(res.latencies), len(posts))
		}
		processStart := time.Now()
		st := c.waitDrained(0, 60*time.Second)
		drain := time.Since(processStart)

		if res.unacked != 0 {
			t.Errorf("%d of %d requests were never acknowledged", res.unacked, len(posts))
		}
		counts := c.effectCounts(c.nodes[0].db)
		missing, twice := 0, 0
		for _, k := range keys {
			switch n := counts[k]; {
			case n == 0:
				missing++
			case n > 1:
				twice++
			}
			delete(counts, k)
		}
		if missing != 0 || twice != 0 || len(counts) != 0 {
			t.Errorf("of %d distinct deliveries: %d never processed, %d processed more than once, %d unknown keys processed",
				distinct, missing, twice, len(counts))
		}
		if st.Done != distinct || st.Failed != 0 {
			t.Errorf("intake: %+v, want %d done and none failed", st, distinct)
		}
		if c.failed.Load() == 0 {
			t.Error("no processing attempt failed: the retry path was not exercised")
		}
		t.Logf("%s: %d requests (%d distinct deliveries, %d duplicates or retries), node 2 killed after %d acks",
			b.name, len(posts), distinct, repeats, len(posts)/3)
		t.Logf("%s: acknowledged in %v: %.0f requests/s; ack latency p50 %v, p99 %v, max %v; answers %v",
			b.name, res.elapsed.Round(time.Millisecond), float64(len(posts))/res.elapsed.Seconds(),
			percentile(res.latencies, 50).Round(time.Microsecond), percentile(res.latencies, 99).Round(time.Microsecond),
			percentile(res.latencies, 100).Round(time.Microsecond), res.statuses)
		t.Logf("%s: %d processing attempts failed and were retried by the workers; all processed %v after the last acknowledgement; worker errors %d",
			b.name, c.failed.Load(), drain.Round(time.Millisecond), c.errs.Load())
	})
}
