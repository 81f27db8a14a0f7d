package cloud

import (
	"testing"
	"time"
)

func TestAdminCacheExpires(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a := &adminCache{now: func() time.Time { return now }}
	if _, ok := a.get(); ok {
		t.Fatal("an empty cache answered")
	}
	a.put(map[string]bool{"acme": true})
	if set, ok := a.get(); !ok || !set["acme"] {
		t.Fatalf("fresh cache: %v, %v", set, ok)
	}
	now = now.Add(adminCacheTTL + time.Second)
	if _, ok := a.get(); ok {
		t.Fatal("a cache older than its TTL answered")
	}
}
