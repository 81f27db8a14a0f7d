package app

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/webhooks"
)

// maxDeliveries is how many deliveries a connection remembers.
const maxDeliveries = 200

// connection is one connected Bitbucket account or server. Its webhook secret never leaves the
// process except to Bitbucket, when a hook is created.
type connection struct {
	id        string
	session   string // guarded by App.mu
	connector bitbucket.Connector
	info      bitbucket.ConnectionInfo
	secret    []byte                // the webhooks' secret, generated for this connection
	handler   http.Handler          // webhooks.NewHandler verifying with secret
	fake      *bitbuckettest.Server // the demo fake this connection talks to, nil otherwise

	mu         sync.Mutex
	hooks      map[bitbucket.RepoRef]hookState
	deliveries []delivery // oldest first
}

// hookState is the webhook ensured on one repository.
type hookState struct {
	Hook   bitbucket.Webhook
	Result bitbucket.EnsureResult
	At     time.Time
}

// delivery is one verified webhook delivery, as the deliveries page shows it.
type delivery struct {
	Received   time.Time
	Key        string
	Type       bitbucket.Event
	DeliveryID string
	Repo       bitbucket.RepoRef
	Actor      string
	Changes    []string
}

// newConnection returns a connection over c with a fresh webhook secret and its handler.
func (a *App) newConnection(c bitbucket.Connector, info bitbucket.ConnectionInfo, fake *bitbuckettest.Server) *connection {
	conn := &connection{
		id:        randomToken(12),
		connector: c,
		info:      info,
		secret:    []byte(randomToken(32)),
		fake:      fake,
		hooks:     map[bitbucket.RepoRef]hookState{},
	}
	conn.handler = webhooks.NewHandler(webhooks.Options{Secret: conn.secret, Dedupe: a.dedupe},
		func(_ context.Context, ev *webhooks.Event) error {
			conn.record(ev)
			a.log.Info("webhook delivery", "connection", conn.id, "key", ev.Key, "repo", ev.Repo.String(), "delivery", ev.DeliveryID)
			return nil
		})
	return conn
}

// record keeps a verified delivery.
func (c *connection) record(ev *webhooks.Event) {
	d := delivery{Received: time.Now(), Key: ev.Key, Type: ev.Type, DeliveryID: ev.DeliveryID, Repo: ev.Repo,
		Actor: ev.Actor.DisplayName}
	if d.Actor == "" {
		d.Actor = ev.Actor.Username
	}
	if ev.Push != nil {
		for _, ch := range ev.Push.Changes {
			d.Changes = append(d.Changes, describeChange(ch))
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deliveries = append(c.deliveries, d)
	if len(c.deliveries) > maxDeliveries {
		c.deliveries = slices.Delete(c.deliveries, 0, len(c.deliveries)-maxDeliveries)
	}
}

func describeChange(ch webhooks.RefChange) string {
	kind := ch.Kind
	if kind == "" {
		kind = "ref"
	}
	switch {
	case ch.Created:
		return kind + " " + ch.Name + " created at " + short(ch.New)
	case ch.Deleted:
		return kind + " " + ch.Name + " deleted (was " + short(ch.Old) + ")"
	default:
		s := kind + " " + ch.Name + " " + short(ch.Old) + " → " + short(ch.New)
		if ch.Forced {
			s += " (forced)"
		}
		return s
	}
}

func short(hash string) string {
	if len(hash) > 10 {
		return hash[:10]
	}
	return hash
}

// recentDeliveries returns the deliveries, newest first.
func (c *connection) recentDeliveries() []delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.deliveries)
	slices.Reverse(out)
	return out
}

// hook returns the webhook ensured on repo, if any.
func (c *connection) hook(repo bitbucket.RepoRef) (hookState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.hooks[repo]
	return h, ok
}

func (c *connection) setHook(repo bitbucket.RepoRef, h hookState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks[repo] = h
}

// label names the connection for people: provider and where.
func (c *connection) label() string {
	if c.info.Provider == bitbucket.Cloud {
		return "Bitbucket Cloud"
	}
	return "Bitbucket Data Center at " + c.info.BaseURL
}

// user names who the connection acts as.
func (c *connection) user() string {
	u := c.info.User
	switch {
	case u.DisplayName != "" && u.Username != "":
		return u.DisplayName + " (" + u.Username + ")"
	case u.DisplayName != "":
		return u.DisplayName
	case u.Username != "":
		return u.Username
	}
	return "an access token"
}
