package cloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// ListWebhooks returns every webhook of repo (GET /repositories/{ws}/{slug}/hooks, all pages).
// An error on any page fails the whole call: the list is never silently partial.
func (c *Client) ListWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	req := httpx.Request{Method: http.MethodGet, Path: c.hooksPath(repo), Query: url.Values{"pagelen": {"100"}}}
	seen := map[string]bool{}
	var out []*bitbucket.Webhook
	for {
		var page wireHookPage
		if _, err := c.do(ctx, req, &page); err != nil {
			return nil, err
		}
		for i := range page.Values {
			out = append(out, toWebhook(&page.Values[i]))
		}
		if page.Next == "" {
			return out, nil
		}
		if seen[page.Next] || page.Next == req.URL {
			return nil, stalled("webhook")
		}
		seen[page.Next] = true
		if err := c.checkLink(page.Next); err != nil {
			return nil, err
		}
		req = httpx.Request{Method: http.MethodGet, URL: page.Next}
	}
}

// CreateWebhook creates a webhook on repo (POST .../hooks, 201). The secret travels in the JSON
// body, never in the URL. EventPing does not exist on Cloud: ErrNotSupported.
func (c *Client) CreateWebhook(ctx context.Context, repo bitbucket.RepoRef, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	body, err := hookBody(repo, spec)
	if err != nil {
		return nil, err
	}
	var w wireHook
	if _, err := c.do(ctx, httpx.Request{Method: http.MethodPost, Path: c.hooksPath(repo), Body: body}, &w); err != nil {
		return nil, err
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
	if _, err := c.do(ctx, httpx.Request{Method: http.MethodPut, Path: c.hooksPath(repo) + httpx.Path(uid), Body: body}, &w); err != nil {
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
	_, err = c.do(ctx, httpx.Request{Method: http.MethodDelete, Path: c.hooksPath(repo) + httpx.Path(uid)}, nil)
	return err
}

func (c *Client) hooksPath(repo bitbucket.RepoRef) string {
	return httpx.Path("repositories", repo.Namespace, repo.Slug, "hooks")
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
