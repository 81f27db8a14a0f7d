package bitbucket

import "time"

// User is a Bitbucket account.
type User struct {
	// ID is the Cloud account uuid with its braces, or the Data Center numeric id in decimal.
	ID string
	// Username is the Cloud nickname or the Data Center user slug.
	Username    string
	DisplayName string
	// Email is filled when the service gives it.
	Email string
}

// Namespace is a Cloud workspace or a Data Center project.
type Namespace struct {
	Key      string // workspace slug or project key
	Name     string
	Personal bool // a Data Center personal project ("~user")
}

// Repository is a repository on either provider.
type Repository struct {
	Ref         RepoRef
	ID          string // Cloud uuid with braces; Data Center numeric id in decimal
	Name        string
	Description string
	Private     bool
	Archived    bool
	// DefaultBranch is the short name of the main branch, "" when the provider does not say.
	DefaultBranch string
	// Project is the project key, on both providers.
	Project   string
	WebURL    string
	CloneHTTP string
	CloneSSH  string
	UpdatedAt time.Time
}

// ConnectionInfo describes a working connection, as CheckConnection finds it.
type ConnectionInfo struct {
	Provider Provider
	BaseURL  string
	// Version is the Data Center version from application-properties; "" on Cloud.
	Version string
	// User is who the credentials act as; zero for a Cloud access token, which has no user.
	User User
	// Scopes are the granted scopes when the server says (Cloud X-OAuth-Scopes).
	Scopes []string
}
