package integration

import "testing"

// TestMigrate runs Migrate from three replicas at once, then again: it is safe to re-run, and
// keeps the rows it finds.
func TestMigrate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		rs := migrated(t, b, 3)
		ts, err := rs[0].store.TokenStore("tenant")
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.Save(t.Context(), nil, expired("at-1", "rt-1")); err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if err := r.store.Migrate(t.Context()); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
		}
		tok, err := ts.Load(t.Context())
		if err != nil || tok.AccessToken != "at-1" {
			t.Fatalf("after re-running Migrate: %v, %v", tok, err)
		}
	})
}
