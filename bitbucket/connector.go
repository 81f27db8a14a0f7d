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

	// After connecting: what a CI/CD product does with the repository.

	// RepositoryPermissions answers RepositoryPermission for many repositories in the fewest
	// requests the provider allows. Every asked repository has an entry.
	RepositoryPermissions(ctx context.Context, repos []RepoRef) (map[RepoRef]Permission, error)
	// ListBranches iterates over the branches of repo.
	ListBranches(ctx context.Context, repo RepoRef, opts ListBranchesOptions) iter.Seq2[*Branch, error]
	// ListBranchesPage returns one page of branches.
	ListBranchesPage(ctx context.Context, repo RepoRef, opts ListBranchesOptions) (Page[*Branch], error)
	// GetFile returns the raw bytes of path at ref (a branch, tag or commit hash). A missing path
	// is ErrNotFound; a file over the size cap is an error wrapping ErrInvalidInput.
	GetFile(ctx context.Context, repo RepoRef, ref, path string) ([]byte, error)
	// SetCommitStatus reports a build on commit; a later status with the same Key replaces it.
	SetCommitStatus(ctx context.Context, repo RepoRef, commit string, status CommitStatus) error
	// GitCredentials returns the username and password for git over HTTPS with these credentials.
	GitCredentials(ctx context.Context) (GitCredentials, error)
}
