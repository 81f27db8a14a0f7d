package bitbucket

import (
	"context"
	"iter"
)

// Connector is the provider-agnostic interface over one Bitbucket connection. cloud.Client and
// server.Client implement it. Helpers such as CanAdmin, EnsureWebhook and Collect are functions
// over it.
type Connector interface {
	// Provider reports which product this connector talks to.
	Provider() Provider
	// CheckConnection verifies that the service is reachable and the credentials work: the
	// "Test connection" button of a product's settings page.
	CheckConnection(ctx context.Context) (*ConnectionInfo, error)
	// CurrentUser returns the user the credentials act as.
	CurrentUser(ctx context.Context) (*User, error)
	// ListNamespaces iterates over the workspaces or projects the caller can see.
	ListNamespaces(ctx context.Context, opts ListNamespacesOptions) iter.Seq2[*Namespace, error]
	// ListNamespacesPage returns one page of namespaces.
	ListNamespacesPage(ctx context.Context, opts ListNamespacesOptions) (Page[*Namespace], error)
	// ListRepositories iterates over the repositories that opts select.
	ListRepositories(ctx context.Context, opts ListRepositoriesOptions) iter.Seq2[*Repository, error]
	// ListRepositoriesPage returns one page of repositories.
	ListRepositoriesPage(ctx context.Context, opts ListRepositoriesOptions) (Page[*Repository], error)
	// GetRepository returns one repository.
	GetRepository(ctx context.Context, repo RepoRef) (*Repository, error)
	// RepositoryPermission returns what the credentials may do on repo. A repository the caller
	// cannot see is PermissionNone with a nil error.
	RepositoryPermission(ctx context.Context, repo RepoRef) (Permission, error)
	// ListWebhooks returns every webhook of repo.
	ListWebhooks(ctx context.Context, repo RepoRef) ([]*Webhook, error)
	// CreateWebhook registers a webhook on repo.
	CreateWebhook(ctx context.Context, repo RepoRef, spec WebhookSpec) (*Webhook, error)
	// UpdateWebhook replaces the settings of webhook id. An empty spec.Secret leaves the secret
	// as it is.
	UpdateWebhook(ctx context.Context, repo RepoRef, id string, spec WebhookSpec) (*Webhook, error)
	// DeleteWebhook removes webhook id.
	DeleteWebhook(ctx context.Context, repo RepoRef, id string) error
}
