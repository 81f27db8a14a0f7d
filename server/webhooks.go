package server

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// Webhooks need REPO_ADMIN on the repository; without it Data Center answers 401 with an
// AuthorisationException, which matches bitbucket.ErrForbidden. The secret lives in the hook's
// configuration.secret: it is sent, and only its presence is ever read back (Webhook.HasSecret).

// ListWebhooks returns every webhook of repo, all pages read.
func (c *Client) ListWebhooks(ctx context.Context, repo bitbucket.RepoRef) ([]*bitbucket.Webhook, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	path := webhooksPath(repo)
	seq := paging.Seq(ctx, "", func(ctx context.Context, cursor string) (bitbucket.Page[*bitbucket.Webhook], error) {
		var out bitbucket.Page[*bitbucket.Webhook]
		start := 0
		if cursor != "" {
			var err error
			if start, err = strconv.Atoi(cursor); err != nil {
				return out, err // our own cursor: cannot happen
			}
		}
		page, err := getPage[wireWebhook](ctx, c, path, nil, start, maxPageLimit)
		if err != nil {
			return out, err
		}
		for _, w := range page.values {
			out.Items = append(out.Items, convertWebhook(w))
		}
		if page.more {
			out.Next = strconv.Itoa(page.next)
		}
		return out, nil
	})
	hooks, err := bitbucket.Collect(seq)
	if err != nil {
		return nil, err
	}
	if hooks == nil {
		hooks = []*bitbucket.Webhook{}
	}
	return hooks, nil
}

// CreateWebhook registers a webhook on repo (POST .../webhooks). Events a server's version does
// not know are refused with bitbucket.ErrNotSupported before anything is written. Data Center
// needs a name: an empty Description sends the URL as the name, which reads back as no
// description.
func (c *Client) CreateWebhook(ctx context.Context, repo bitbucket.RepoRef, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	body, err := c.webhookRequest(ctx, repo, spec)
	if err != nil {
		return nil, err
	}
	if spec.Secret != "" {
		body.Configuration = map[string]any{"secret": spec.Secret}
	}
	var w wireWebhook
	if _, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPost, Path: webhooksPath(repo), Body: body}, &w); err != nil {
		return nil, err
	}
	return convertWebhook(w), nil
}

// UpdateWebhook replaces the settings of webhook id (PUT .../webhooks/{id}). It reads the hook
// first and sends its configuration back, so that an empty spec.Secret keeps the secret (and any
// other setting this package does not manage) as it is; a non-empty one replaces it.
func (c *Client) UpdateWebhook(ctx context.Context, repo bitbucket.RepoRef, id string, spec bitbucket.WebhookSpec) (*bitbucket.Webhook, error) {
	n, err := parseHookID(id)
	if err != nil {
		return nil, err
	}
	body, err := c.webhookRequest(ctx, repo, spec)
	if err != nil {
		return nil, err
	}
	var cur wireWebhook
	if _, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: webhookPath(repo, n)}, &cur); err != nil {
		return nil, err
	}
	body.Configuration = maps.Clone(cur.Configuration)
	if spec.Secret != "" {
		if body.Configuration == nil {
			body.Configuration = map[string]any{}
		}
		body.Configuration["secret"] = spec.Secret
	}
	body.SSLVerificationRequired = cur.SSLVerificationRequired
	var w wireWebhook
	if _, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPut, Path: webhookPath(repo, n), Body: body}, &w); err != nil {
		return nil, err
	}
	return convertWebhook(w), nil
}

// DeleteWebhook removes webhook id (DELETE .../webhooks/{id}).
func (c *Client) DeleteWebhook(ctx context.Context, repo bitbucket.RepoRef, id string) error {
	if err := repo.Validate(); err != nil {
		return err
	}
	n, err := parseHookID(id)
	if err != nil {
		return err
	}
	_, err = c.http.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: webhookPath(repo, n)}, nil)
	return err
}

// webhookRequest validates repo and spec, checks the events against the server's version, and
// builds the body of a create or update, configuration aside.
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
