package bitbucket

import "time"

// Event is a webhook event in the neutral vocabulary shared by both providers.
type Event string

// The neutral events. Each maps onto one or more provider event keys; see NativeEventKeys.
const (
	EventPush                Event = "push"
	EventPullRequestOpened   Event = "pull_request.opened"
	EventPullRequestUpdated  Event = "pull_request.updated" // new commits on the source, or an edit
	EventPullRequestMerged   Event = "pull_request.merged"
	EventPullRequestDeclined Event = "pull_request.declined"
	EventPullRequestComment  Event = "pull_request.comment"
	EventPing                Event = "ping" // Data Center "Test connection"
)

// WebhookSpec is the webhook a caller wants. It is input only.
type WebhookSpec struct {
	URL         string
	Description string
	Events      []Event
	// NativeEvents are provider event keys with no neutral name, passed through as they are.
	NativeEvents []string
	// Secret is write-only: sent to the provider, never read back. No printing of a spec shows it.
	Secret   string
	Disabled bool
	// AllowLoopbackURL lets URL target loopback, link-local or unspecified addresses (localhost
	// included), for a receiver on the same machine as Bitbucket, such as a test fake. Cloud
	// metadata addresses stay refused.
	AllowLoopbackURL bool
}

// Webhook is a webhook registered on a repository.
type Webhook struct {
	ID          string
	URL         string
	Description string
	Events      []Event
	// NativeEvents are the provider event keys that have no neutral name.
	NativeEvents []string
	Active       bool
	// HasSecret reports whether deliveries are signed; the secret itself is never returned.
	HasSecret bool
	CreatedAt time.Time
}
