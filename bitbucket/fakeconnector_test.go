package bitbucket_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// memConnector is an in-memory Connector for the helpers' tests. It keeps the webhooks of every
// repository and records each call, writes apart, so that a test can assert what was written.
type memConnector struct {
	provider bitbucket.Provider

	mu     sync.Mutex
	hooks  map[bitbucket.RepoRef][]*bitbucket.Webhook
	perms  map[bitbucket.RepoRef]bitbucket.Permission
	nextID int
	calls  []string // every call, "ListWebhooks acme/widgets" and so on
	writes []string // the calls that change something

	// Errors to fail with, by method name.
	fail map[string]error
}

var _ bitbucket.Connector = (*memConnector)(nil)

func newMemConnector(p bitbucket.Provider) *memConnector {
	return &memConnector{
		provider: p,
		hooks:    map[bitbucket.RepoRef][]*bitbucket.Webhook{},
		perms:    map[bitbucket.RepoRef]bitbucket.Permission{},
		fail:     map[string]error{},
	}
}

// addHook seeds a webhook, as if created earlier.
func (m *memConnector) addHook(repo bitbucket.RepoRef, h bitbucket.Webhook) *bitbucket.Webhook {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h.ID == "" {
		m.nextID++
		h.ID = fmt.Sprint(m.nextID)
	}
	m.hooks[repo] = append(m.hooks[repo], &h)
	return cloneHook(&h)
}

func (m *memConnector) record(write bool, format string, args ...any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	call := fmt.Sprintf(format, args...)
	m.calls = append(m.calls, call)
	if write {
		m.writes = append(m.writes, call)
	}
	method, _, _ := strings.Cut(call, " ")
	return m.fail[method]
}

func (m *memConnector) Writes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.writes)
}

func (m *memConnector) Calls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

func (m *memConnector) Hooks(repo bitbucket.RepoRef) []*bitbucket.Webhook {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*bitbucket.Webhook
	for _, h := range m.hooks[repo] {
		out = append(out, cloneHook(h))
	}
	return out
}

func cloneHook(h *bitbucket.Webhook) *bitbucket.Webhook {
	c := *h
	c.Events = slices.Clone(h.Events)
	c.NativeEvents = slices.Clone(h.NativeEvents)
	return &c
}

// fromSpec builds the hook a provider would store for spec: events go through the provider's
// key encoding, as the real connectors do.
func (m *memConnector) fromSpec(id string, spec bitbucket.WebhookSpec, hadSecret bool, created time.Time) (*bitbucket.Webhook, error) {
	keys, err := bitbucket.EncodeEvents(m.provider, spec.Events, spec.NativeEvents)
	if err != nil {
		return nil, err
	}
	events, native := bitbucket.DecodeEvents(m.provider, keys)
	return &bitbucket.Webhook{
		ID: id, URL: spec.URL, Description: spec.Description, Events: events, NativeEvents: native,
		Active: !spec.Disabled, HasSecret: hadSecret || spec.Secret != "", CreatedAt: created,
	}, nil
}

func (m *memConnector) Provider() bitbucket.Provider { return m.provider }

func (m *memConnector) CheckConnection(ctx context.Context) (*bitbucket.ConnectionInfo, error) {
	if err := m.record(false, "CheckConnection"); err != nil {
		return nil, err
	}
	return &bitbucket.ConnectionInfo{Provider: m.provider}, nil
}

func (m *memConnector) CurrentUser(ctx context.Context) (*bitbucket.User, error) {
	if err := m.record(false, "CurrentUser"); err != nil {
		return nil, err
	}
	return &bitbucket.User{ID: "1", Username: "alice"}, nil
}

func (m *memConnector) ListNamespaces(ctx context.Context, opts bitbucket.ListNamespacesOptions) iter.Seq2[*bitbucket.Namespace, error] {
	return func(func(*bitbucket.Namespace, error) bool) { _ = m.record(false, "ListNamespaces") }
}

func (m *memConnector) ListNamespacesPage(ctx context.Context, opts bitbucket.ListNamespacesOptions) (bitbucket.Page[*bitbucket.Namespace], error) {
	return bitbucket.Page[*bitbucket.Namespace]{}, m.record(false, "ListNamespacesPage")
}

func (m *memConnector) ListRepositories(ctx context.Context, opts bitbucket.ListRepositoriesOptions) iter.Seq2[*bitbucket.Repository, error] {
	return func(func(*bitbucket.Repository, error) bool) { _ = m.record(false, "ListRepositories") }
}

func (m *memConnector) ListRepositoriesPage(ctx context.Context, opts bitbucket.ListRepositoriesOptions) (bitbucket.Page[*bitbucket.Repository], error) {
	return bitbucket.Page[*bitbucket.Repository]{}, m.record(false, "ListRepositoriesPage")
}

func (m *memConnector) GetRepository(ctx context.Context, repo bitbucket.RepoRef) (*bitbucket.Repository, error) {
	if err := m.record(false, "GetRepository %s", repo); err != nil {
		return nil, err
	}
	return &bitbucket.Repository{Ref: repo, Name: repo.Slug}, nil
}

func (m *memConnector) RepositoryPermission(ctx context.Context, repo bitbucket.RepoRef) (bitbucket.Permission, error) {
	if err := m.record(false, "RepositoryPermission %s", repo); err != nil {
		return bitbucket.PermissionNone, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.perms[repo], nil
}

func (m *memConnector) ListWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	if err := m.record(false, "ListWebhooks %s", repo); err != nil {
		return nil, err
	}
	return m.Hooks(repo), nil
}

func (m *memConnector) CreateWebhook(ctx context.Context, repo bitbucket.RepoRef, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	if err := m.record(true, "CreateWebhook %s %s", repo, spec.URL); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	h, err := m.fromSpec(fmt.Sprint(m.nextID), spec, false, time.Date(2026, 1, 1, 0, 0, m.nextID, 0, time.UTC))
	if err != nil {
		return nil, err
	}
	m.hooks[repo] = append(m.hooks[repo], h)
	return cloneHook(h), nil
}

func (m *memConnector) UpdateWebhook(ctx context.Context, repo bitbucket.RepoRef, id string, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	if err := m.record(true, "UpdateWebhook %s %s", repo, id); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, old := range m.hooks[repo] {
		if old.ID == id {
			h, err := m.fromSpec(id, spec, old.HasSecret, old.CreatedAt)
			if err != nil {
				return nil, err
			}
			m.hooks[repo][i] = h
			return cloneHook(h), nil
		}
	}
	return nil, &bitbucket.APIError{Provider: m.provider, StatusCode: 404, Method: "PUT"}
}

func (m *memConnector) DeleteWebhook(ctx context.Context, repo bitbucket.RepoRef, id string) error {
	if err := m.record(true, "DeleteWebhook %s %s", repo, id); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hooks[repo] = slices.DeleteFunc(m.hooks[repo], func(h *bitbucket.Webhook) bool { return h.ID == id })
	return nil
}
