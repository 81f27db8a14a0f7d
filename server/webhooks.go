package server

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"strconv"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
	"github.com/bbconnect/bbconnect/internal/wiretime"
)

// Webhooks need REPO_ADMIN on the repository; without it Data Center answers 401 with an
// AuthorisationException, which matches bitbucket.ErrForbidden. The secret lives in the hook's
// configuration.secret: it is sent, and only its presence is ever read back (Webhook.HasSecret).

// wireWebhook is RestWebhook as the server returns it: the spec omits id and createdDate, which
// real responses carry. Dates are epoch milliseconds, or ISO strings on some 10.x servers.
type wireWebhook struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	CreatedDate   wiretime.Time  `json:"createdDate"`
	UpdatedDate   wiretime.Time  `json:"updatedDate"`
	Events        []string       `json:"events"`
	Configuration map[string]any `json:"configuration"`
	// Credentials (basic auth toward the receiver) are not managed here: an update sends back what
	// it read.
	Credentials map[string]any `json:"credentials"`
	URL         string         `json:"url"`
	Active      bool           `json:"active"`
	ScopeType   string         `json:"scopeType,omitempty"`
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
	Credentials             map[string]any `json:"credentials,omitempty"`
	SSLVerificationRequired *bool          `json:"sslVerificationRequired,omitempty"`
}

// toWebhook never copies the secret: HasSecret says only whether one is set.
func toWebhook(w *wireWebhook) *bitbucket.Webhook {
	h := &bitbucket.Webhook{
		ID:        strconv.FormatInt(w.ID, 10),
		URL:       w.URL,
		Active:    w.Active,
		HasSecret: hasSecret(w.Configuration),
		CreatedAt: w.CreatedDate.Time,
	}
	// A hook created without a description carries its URL as its name (Data Center needs a
	// name); that reads back as no description.
	if w.Name != w.URL {
		h.Description = w.Name
	}
	h.Events, h.NativeEvents = bitbucket.DecodeEvents(bitbucket.Server, w.Events)
	return h
}

func hasSecret(cfg map[string]any) bool {
	s, ok := cfg["secret"].(string)
	return ok && s != ""
}

// webhooksQuery is the page query of the webhook lists.
type webhooksQuery struct{ pageQuery }

// ListWebhooks returns every webhook of repo (findWebhooks_1), all pages read, within the
// client's list limits.
func (c *Client) ListWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	return c.gatherHooks(ctx, epListWebhooks, repoArgs(repo))
}

// ListInheritedWebhooks returns the project hooks that fire for repo (findWebhooks on its
// project). Reading them needs PROJECT_ADMIN: credentials without it get an error matching
// bitbucket.ErrForbidden.
func (c *Client) ListInheritedWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	// Data Center answers a missing permission with 401 AuthorisationException, which httpx
	// classifies as bitbucket.ErrForbidden.
	return c.gatherHooks(ctx, epListProjectHooks, []string{repo.Namespace})
}

// gatherHooks reads a whole webhook list.
func (c *Client) gatherHooks(ctx context.Context, ep endpoint, args []string) ([]*bitbucket.Webhook, error) {
	src := startsSource(c, ep, args, func(at paging.StartAt) any { return webhooksQuery{pageOf(at)} }, toWebhook)
	hooks, err := paging.Gather(ctx, paging.StartAt{Limit: maxPageLimit}, c.limits, src)
	if err != nil {
		return nil, err
	}
	if hooks == nil {
		hooks = []*bitbucket.Webhook{}
	}
	return hooks, nil
}

// CreateWebhook registers a webhook on repo (createWebhook_1). Events a server's version does
// not know are refused with bitbucket.ErrNotSupported before anything is written. Data Center
// needs a name: an empty Description sends the URL as the name, which reads back as no
// description. An answer without a hook id is an error: the hook could not be managed later.
func (c *Client) CreateWebhook(ctx context.Context, repo bitbucket.RepoRef, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	body, err := c.webhookRequest(ctx, repo, spec)
	if err != nil {
		return nil, err
	}
	if spec.Secret != "" {
		body.Configuration = map[string]any{"secret": spec.Secret}
	}
	var w wireWebhook
	resp, err := c.do(ctx, call{ep: epCreateWebhook, args: repoArgs(repo), body: body}, &w)
	if err != nil {
		return nil, err
	}
	return checkedWebhook(resp, epCreateWebhook, &w)
}

// UpdateWebhook replaces the settings of webhook id (updateWebhook_1). It reads the hook first
// (getWebhook_1) and sends back what this package does not manage (configuration keys besides
// the secret, credentials, sslVerificationRequired), so that an empty spec.Secret keeps the
// secret as it is; a non-empty one replaces it.
func (c *Client) UpdateWebhook(ctx context.Context, repo bitbucket.RepoRef, id string, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	n, err := parseHookID(id)
	if err != nil {
		return nil, err
	}
	body, err := c.webhookRequest(ctx, repo, spec)
	if err != nil {
		return nil, err
	}
	args := repoArgs(repo, strconv.FormatInt(n, 10))
	var cur wireWebhook
	if _, err := c.do(ctx, call{ep: epGetWebhook, args: args}, &cur); err != nil {
		return nil, err
	}
	body.Configuration = maps.Clone(cur.Configuration)
	if spec.Secret != "" {
		if body.Configuration == nil {
			body.Configuration = map[string]any{}
		}
		body.Configuration["secret"] = spec.Secret
	}
	body.Credentials = cur.Credentials
	body.SSLVerificationRequired = cur.SSLVerificationRequired
	var w wireWebhook
	resp, err := c.do(ctx, call{ep: epUpdateWebhook, args: args, body: body}, &w)
	if err != nil {
		return nil, err
	}
	return checkedWebhook(resp, epUpdateWebhook, &w)
}

// checkedWebhook converts the answer of a create or update, which must name the hook: one
// without an id (a redirected POST answered as a GET, a proxy's page) is an *bitbucket.APIError.
func checkedWebhook(resp *httpx.Response, ep endpoint, w *wireWebhook) (*bitbucket.Webhook, error) {
	if w.ID <= 0 {
		return nil, &bitbucket.APIError{Provider: bitbucket.Server, StatusCode: resp.StatusCode, Method: ep.method,
			Attempts: resp.Attempts, Message: "the answer names no webhook id; the webhook's state is unknown"}
	}
	return toWebhook(w), nil
}

// DeleteWebhook removes webhook id (deleteWebhook_1).
func (c *Client) DeleteWebhook(ctx context.Context, repo bitbucket.RepoRef, id string) error {
	if err := repo.Validate(); err != nil {
		return err
	}
	n, err := parseHookID(id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{ep: epDeleteWebhook, args: repoArgs(repo, strconv.FormatInt(n, 10))}, nil)
	return err
}

// webhookRequest validates repo and spec, checks the events against the server's version, and
// builds the body of a create or update, configuration aside. bitbucket.EncodeEvents leaves the
// ping out: a server refuses diagnostics:ping as a subscription.
func (c *Client) webhookRequest(ctx context.Context, repo bitbucket.RepoRef, spec bitbucket.WebhookSpec) (*wireWebhookRequest, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	keys, err := bitbucket.EncodeEvents(bitbucket.Server, spec.Events, spec.NativeEvents)
	if err != nil {
		return nil, err
	}
	v, err := c.parsedVersion(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkEvents(v, keys); err != nil {
		return nil, err
	}
	name := spec.Description
	if name == "" {
		name = spec.URL
	}
	return &wireWebhookRequest{Name: name, URL: spec.URL, Active: !spec.Disabled, Events: keys}, nil
}

// parseHookID reads a Data Center webhook id: a positive decimal number.
func parseHookID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: webhook id %q is not a Data Center webhook id (a positive number)", bitbucket.ErrInvalidInput, url.PathEscape(id))
	}
	return n, nil
}
