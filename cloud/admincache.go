package cloud

import (
	"sync"
	"time"
)

// adminCacheTTL is how long the workspaces the caller administers, once read, answer again
// without a request. A repository picker asks for them on every page; an administrator flag
// that changed a minute ago shows in the next minute.
const adminCacheTTL = time.Minute

// adminCache remembers the workspaces the caller administers, from the last complete read of
// /user/workspaces (the administrator filter, or a workspace listing that fitted one page). It is
// shared by the copies WithNamespaceConcurrency makes.
type adminCache struct {
	mu  sync.Mutex
	now func() time.Time
	at  time.Time
	set map[string]bool
}

func newAdminCache() *adminCache { return &adminCache{now: time.Now} }

// get returns the administered workspaces when they were read within adminCacheTTL.
func (a *adminCache) get() (map[string]bool, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.set == nil || a.now().Sub(a.at) > adminCacheTTL {
		return nil, false
	}
	return a.set, true
}

// put records a complete set of administered workspaces.
func (a *adminCache) put(set map[string]bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.set, a.at = set, a.now()
}
