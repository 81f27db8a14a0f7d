package server

// Wire types: the JSON shapes of Bitbucket Data Center REST 1.0, as its OpenAPI document and the
// project's reference describe them. They stay unexported; converters in convert.go turn them into
// the neutral types of package bitbucket.

// wirePage is the paged envelope of every Data Center list endpoint.
type wirePage[T any] struct {
	Size       int  `json:"size"`
	Limit      int  `json:"limit"`
	Start      int  `json:"start"`
	IsLastPage bool `json:"isLastPage"`
	// NextPageStart is present only when IsLastPage is false.
	NextPageStart *int `json:"nextPageStart"`
	Values        []T  `json:"values"`
}

// wireApplicationProperties is RestApplicationProperties.
type wireApplicationProperties struct {
	Version     string `json:"version"`
	BuildNumber string `json:"buildNumber"`
	BuildDate   string `json:"buildDate"`
	DisplayName string `json:"displayName"`
}

// wireUser is RestDetailedUser (and the smaller RestApplicationUser).
type wireUser struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Slug         string `json:"slug"`
	DisplayName  string `json:"displayName"`
	EmailAddress string `json:"emailAddress"`
	Active       bool   `json:"active"`
	Type         string `json:"type"` // NORMAL | SERVICE
}

// wireProject is RestProject.
type wireProject struct {
	ID          int64  `json:"id"`
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Public      bool   `json:"public"`
	Type        string `json:"type"` // NORMAL | PERSONAL
	Links       struct {
		Self []wireLink `json:"self"`
	} `json:"links"`
}

// wireLink is one entry of a links list; Name is "http" or "ssh" among clone links.
type wireLink struct {
	Href string `json:"href"`
	Name string `json:"name"`
}

// wireRepository is RestRepository.
type wireRepository struct {
	ID            int64       `json:"id"`
	Slug          string      `json:"slug"`
	Name          string      `json:"name"`
	Description   string      `json:"description"`
	ScmID         string      `json:"scmId"`
	State         string      `json:"state"`
	Forkable      bool        `json:"forkable"`
	Public        bool        `json:"public"`
	Archived      bool        `json:"archived"`
	DefaultBranch string      `json:"defaultBranch"` // write-only in the spec; used when a server sends it
	Project       wireProject `json:"project"`
	Links         struct {
		Clone []wireLink `json:"clone"`
		Self  []wireLink `json:"self"`
	} `json:"links"`
}

// wireWebhook is RestWebhook as the server returns it: the spec omits id and createdDate, which
// real responses carry.
type wireWebhook struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	CreatedDate   int64          `json:"createdDate"`
	UpdatedDate   int64          `json:"updatedDate"`
	Events        []string       `json:"events"`
	Configuration map[string]any `json:"configuration"`
	URL           string         `json:"url"`
	Active        bool           `json:"active"`
	ScopeType     string         `json:"scopeType,omitempty"`
	// SSLVerificationRequired is kept as the server sent it, so an update does not change it.
	SSLVerificationRequired *bool `json:"sslVerificationRequired,omitempty"`
}

// wireWebhookRequest is the body of a webhook create or update.
type wireWebhookRequest struct {
	Name                    string         `json:"name"`
	URL                     string         `json:"url"`
	Active                  bool           `json:"active"`
	Events                  []string       `json:"events"`
	Configuration           map[string]any `json:"configuration,omitempty"`
	SSLVerificationRequired *bool          `json:"sslVerificationRequired,omitempty"`
}
