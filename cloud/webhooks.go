package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
	"github.com/bbconnect/bbconnect/internal/wiretime"
)

// wireHookRequest is the body of a create or update. Secret is omitted when nil, which on update
// leaves the stored secret unchanged.
type wireHookRequest struct {
	Description string   `json:"description"`
	URL         string   `json:"url"`
	Active      bool     `json:"active"`
	Events      []string `json:"events"`
	Secret      *string  `json:"secret,omitempty"`
}

// wireHook is a webhook_subscription, of a repository or a workspace.
type wireHook struct {
	UUID        string        `json:"uuid"`
	URL         string        `json:"url"`
	Description string        `json:"description"`
	Active      bool          `json:"active"`
	Events      []string      `json:"events"`
	SecretSet   bool          `json:"secret_set"`
	CreatedAt   wiretime.Time `json:"created_at"`
}

func toWebhook(w *wireHook) *bitbucket.Webhook {
	events, native := bitbucket.DecodeEvents(bitbucket.Cloud, w.Events)
	return &bitbucket.Webhook{
		ID:           w.UUID,
		URL:          w.URL,
		Description:  w.Description,
		Events:       events,
		NativeEvents: native,
		Active:       w.Active,
		HasSecret:    w.SecretSet,
		CreatedAt:    w.CreatedAt.Time,
	}
}

// ListWebhooks returns every webhook of repo (GET /repositories/{workspace}/{repo_slug}/hooks,
// all pages). An error on any page fails the whole call: the list is never silently partial. The
// listing's page and item caps hold, and so does the guard on empty pages that claim more.
func (c *Client) ListWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	return c.gatherHooks(ctx, epListHooks, repo.Namespace, repo.Slug)
}

// ListInheritedWebhooks returns the workspace webhooks that repo inherits
// (GET /workspaces/{workspace}/hooks). Only workspace administrators may read them: other
// credentials get an error matching bitbucket.ErrForbidden.
func (c *Client) ListInheritedWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	hooks, err := c.gatherHooks(ctx, epListWorkspaceHooks, repo.Namespace)
	if st := statusOf(err); st == http.StatusUnauthorized || st == http.StatusNotFound {
		// Bitbucket answers a non-administrator with 401 or 404 as well as 403.
		if !errors.Is(err, bitbucket.ErrForbidden) {
			err = fmt.Errorf("%w: workspace webhooks of %s are for its administrators: %w", bitbucket.ErrForbidden, repo.Namespace, err)
		}
	}
	return hooks, err
}

// gatherHooks reads a whole webhook list; on error it returns nothing.
func (c *Client) gatherHooks(ctx context.Context, ep endpoint, args ...string) ([]*bitbucket.Webhook, error) {
	src := paging.NextLinks(listPages[wireHook](c, ep, args, pageQuery{PageLen: maxPageLen}, maxPageLen), toWebhook)
	hooks, err := paging.Gather(ctx, "", c.limits, src)
	if err != nil {
		return nil, err
	}
	return hooks, nil
}

// CreateWebhook creates a webhook on repo (POST .../hooks, 201). The secret travels in the JSON
// body, never in the URL. EventPing is left out (Cloud sends no ping);
// a spec with no other event is ErrInvalidInput.
func (c *Client) CreateWebhook(ctx context.Context, repo bitbucket.RepoRef, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	body, err := hookBody(repo, spec)
	if err != nil {
		return nil, err
	}
	var w wireHook
	resp, err := c.do(ctx, epCreateHook, []string{repo.Namespace, repo.Slug}, nil, body, &w)
	if err != nil {
		return nil, err
	}
	if w.UUID == "" {
		// The hook may exist, but nothing could update or delete it: fail rather than return it.
		return nil, c.answerError(resp, epCreateHook, "the created webhook has no uuid")
	}
	h := toWebhook(&w)
	h.HasSecret = h.HasSecret || spec.Secret != ""
	return h, nil
}

// UpdateWebhook replaces the settings of webhook id on repo (PUT .../hooks/{uuid}). The id is the
// hook's uuid, with or without braces. An empty spec.Secret leaves the stored secret unchanged; to
// remove a secret, delete and recreate the hook.
func (c *Client) UpdateWebhook(ctx context.Context, repo bitbucket.RepoRef, id string, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	uid, err := hookID(id)
	if err != nil {
		return nil, err
	}
	body, err := hookBody(repo, spec)
	if err != nil {
		return nil, err
	}
	var w wireHook
	if _, err := c.do(ctx, epUpdateHook, []string{repo.Namespace, repo.Slug, uid}, nil, body, &w); err != nil {
		return nil, err
	}
	h := toWebhook(&w)
	h.HasSecret = h.HasSecret || spec.Secret != ""
	return h, nil
}

// DeleteWebhook deletes webhook id from repo (DELETE .../hooks/{uuid}, 204).
func (c *Client) DeleteWebhook(ctx context.Context, repo bitbucket.RepoRef, id string) error {
	if err := repo.Validate(); err != nil {
		return err
	}
	uid, err := hookID(id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, epDeleteHook, []string{repo.Namespace, repo.Slug, uid}, nil, nil, nil)
	return err
}

// hookBody validates repo and spec and builds the request body.
func hookBody(repo bitbucket.RepoRef, spec bitbucket.WebhookSpec) (*wireHookRequest, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	events, err := bitbucket.EncodeEvents(bitbucket.Cloud, spec.Events, spec.NativeEvents)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if e == "" || strings.ContainsFunc(e, unicode.IsSpace) {
			return nil, fmt.Errorf("%w: event key %q", bitbucket.ErrInvalidInput, e)
		}
	}
	if len(spec.Secret) > 128 {
		return nil, fmt.Errorf("%w: Bitbucket Cloud webhook secrets are at most 128 characters", bitbucket.ErrInvalidInput)
	}
	b := &wireHookRequest{Description: spec.Description, URL: spec.URL, Active: !spec.Disabled, Events: events}
	if spec.Secret != "" {
		s := spec.Secret
		b.Secret = &s
	}
	return b, nil
}

// hookID normalises a webhook uuid to its braced form, "{...}".
func hookID(id string) (string, error) {
	s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "{"), "}")
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
	}) {
		return "", fmt.Errorf("%w: webhook id %q is not a uuid", bitbucket.ErrInvalidInput, id)
	}
	return "{" + s + "}", nil
}
