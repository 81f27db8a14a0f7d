package bitbuckettest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// serveCloudHooks routes the repository and workspace webhooks; it reports false for a path that
// is none of them.
func (s *Server) serveCloudHooks(w http.ResponseWriter, r *http.Request, c *caller, seg []string) bool {
	switch {
	case match(seg, "workspaces", "*", "hooks"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) {
			s.cloudWorkspaceHooks(w, r, c, seg[1])
		}, http.MethodGet)
	case match(seg, "repositories", "*", "*", "hooks"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) {
			s.cloudHooks(w, r, c, seg[1], seg[2], "")
		}, http.MethodGet, http.MethodPost)
	case match(seg, "repositories", "*", "*", "hooks", "*"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) {
			s.cloudHooks(w, r, c, seg[1], seg[2], seg[4])
		}, http.MethodGet, http.MethodPut, http.MethodDelete)
	default:
		return false
	}
	return true
}

// cloudHookEvents is the webhook_subscription.events enum of [CSPEC].
var cloudHookEvents = []string{"issue:comment_created", "issue:created", "issue:updated", "pipeline:span_created",
	"project:updated", "pullrequest:approved", "pullrequest:changes_request_created",
	"pullrequest:changes_request_removed", "pullrequest:comment_created", "pullrequest:comment_deleted",
	"pullrequest:comment_reopened", "pullrequest:comment_resolved", "pullrequest:comment_updated",
	"pullrequest:created", "pullrequest:fulfilled", "pullrequest:push", "pullrequest:rejected",
	"pullrequest:unapproved", "pullrequest:updated", "repo:commit_comment_created", "repo:commit_status_created",
	"repo:commit_status_updated", "repo:created", "repo:deleted", "repo:fork", "repo:imported", "repo:push",
	"repo:transfer", "repo:updated"}

// maxHookBody bounds a webhook request body.
const maxHookBody = 64 << 10

// cloudHooks serves /repositories/{ws}/{slug}/hooks and /hooks/{uid}; uid "" is the collection.
func (s *Server) cloudHooks(w http.ResponseWriter, r *http.Request, c *caller, wsID, slug, uid string) {
	n := needHookRead
	switch r.Method {
	case http.MethodPost, http.MethodPut:
		n = needHookWrite
	case http.MethodDelete:
		n = needHookDelete
	}
	var body []byte
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxHookBody+1))
		if err != nil || len(body) > maxHookBody {
			writeCloudError(w, http.StatusBadRequest, "Invalid request body", "")
			return
		}
	}
	if uid != "" && !strings.HasPrefix(uid, "{") {
		uid = "{" + uid + "}"
	}
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		if c.anonymous() {
			return errorAnswer(http.StatusUnauthorized, "Authentication required", "")
		}
		if a := c.scopeError(n); a != nil {
			return *a
		}
		repo, a := s.visibleRepoLocked(c, wsID, slug)
		if a != nil {
			return *a
		}
		ref := bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}
		if !s.mayAdminHooksLocked(c, repo) {
			return errorAnswer(http.StatusForbidden, "You must be an administrator of this repository to manage its webhooks.", "")
		}
		if uid == "" {
			if r.Method == http.MethodGet {
				hooks := s.hooks[ref]
				return s.pageLocked(r, len(hooks), func(i int) any { return s.hookJSON(repo, hooks[i]) }, true)
			}
			return s.createHookLocked(repo, body)
		}
		i := slices.IndexFunc(s.hooks[ref], func(h *hook) bool { return strings.EqualFold(h.id, uid) })
		if i < 0 {
			return errorAnswer(http.StatusNotFound, "Webhook not found", "")
		}
		h := s.hooks[ref][i]
		switch r.Method {
		case http.MethodGet:
			return okAnswer(s.hookJSON(repo, h))
		case http.MethodDelete:
			s.hooks[ref] = slices.Delete(slices.Clone(s.hooks[ref]), i, i+1)
			return answer{status: http.StatusNoContent}
		}
		f, a2 := parseHookBody(body, false)
		if a2 != nil {
			return *a2
		}
		nh := *h
		if f.url != nil {
			nh.url = *f.url
		}
		if f.description != nil {
			nh.description = *f.description
		}
		if f.active != nil {
			nh.active = *f.active
		}
		if f.events != nil {
			nh.events = f.events
		}
		if f.secretSet {
			nh.secret = f.secret
		}
		nh.updated = time.Now().UTC()
		hooks := slices.Clone(s.hooks[ref])
		hooks[i] = &nh
		s.hooks[ref] = hooks
		return okAnswer(s.hookJSON(repo, &nh))
	}())
}

// mayAdminHooksLocked reports whether the caller may manage the repository's webhooks: a user
// needs admin on it; an access token needs the repository in its scope (its webhook scope is
// checked with the other scopes).
func (s *Server) mayAdminHooksLocked(c *caller, repo *repository) bool {
	if c.accessToken() {
		return tokenReachesLocked(c.tok, repo)
	}
	_, exp := s.cloudPermsLocked(c, repo)
	return exp == bitbucket.PermissionAdmin
}

// hookFields is a decoded webhook_subscription request; nil means absent.
type hookFields struct {
	url, description *string
	active           *bool
	events           []string
	secret           string
	secretSet        bool // the secret field was present (null and "" clear it)
}

// parseHookBody validates a POST (create) or PUT body.
func parseHookBody(body []byte, create bool) (hookFields, *answer) {
	bad := func(format string, args ...any) (hookFields, *answer) {
		a := errorAnswer(http.StatusBadRequest, "Bad request", fmt.Sprintf(format, args...))
		return hookFields{}, &a
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return bad("the body must be a JSON object")
	}
	var f hookFields
	if v, ok := raw["url"]; ok {
		var u string
		if json.Unmarshal(v, &u) != nil {
			return bad("url must be a string")
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return bad("url: %q is not a valid http or https URL", u)
		}
		f.url = &u
	} else if create {
		return bad("url: this field is required")
	}
	if v, ok := raw["description"]; ok {
		var d string
		if json.Unmarshal(v, &d) != nil {
			return bad("description must be a string")
		}
		f.description = &d
	}
	if v, ok := raw["active"]; ok {
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return bad("active must be a boolean")
		}
		f.active = &b
	}
	if v, ok := raw["events"]; ok {
		var ev []string
		if json.Unmarshal(v, &ev) != nil {
			return bad("events must be a list of strings")
		}
		if len(ev) == 0 {
			return bad("events: at least one event is required")
		}
		for i, e := range ev {
			if !slices.Contains(cloudHookEvents, e) {
				return bad("events: %q is not a valid event", e)
			}
			if slices.Contains(ev[:i], e) {
				return bad("events: %q is listed twice", e)
			}
		}
		f.events = ev
	} else if create {
		return bad("events: this field is required")
	}
	if v, ok := raw["secret"]; ok {
		f.secretSet = true
		if string(bytes.TrimSpace(v)) != "null" {
			if json.Unmarshal(v, &f.secret) != nil {
				return bad("secret must be a string or null")
			}
			if utf8.RuneCountInString(f.secret) > 128 {
				return bad("secret: at most 128 characters")
			}
		}
	}
	return f, nil
}

// createHookLocked answers POST /hooks with 201 and a Location header.
func (s *Server) createHookLocked(repo *repository, body []byte) answer {
	f, a := parseHookBody(body, true)
	if a != nil {
		return *a
	}
	s.nextID++
	now := time.Now().UTC()
	h := &hook{id: fakeUUID(s.nextID), url: *f.url, events: f.events, active: true, secret: f.secret,
		created: now, updated: now}
	if f.description != nil {
		h.description = *f.description
	}
	if f.active != nil {
		h.active = *f.active
	}
	ref := bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}
	s.hooks[ref] = append(slices.Clone(s.hooks[ref]), h)
	return answer{status: http.StatusCreated, body: s.hookJSON(repo, h), location: s.hookURL(repo, h)}
}

func (s *Server) hookURL(repo *repository, h *hook) string {
	return s.URL() + "/repositories/" + esc(repo.Namespace) + "/" + esc(repo.Slug) + "/hooks/" + url.PathEscape(h.id)
}

// hookJSON is a repository's webhook_subscription.
func (s *Server) hookJSON(repo *repository, h *hook) map[string]any {
	return subscriptionJSON(h, "repository", s.repoShortJSON(repo), s.hookURL(repo, h))
}

// subscriptionJSON is the webhook_subscription object of h on its subject (a repository or a
// workspace), whose own address is self; the secret itself is never shown.
func subscriptionJSON(h *hook, subjectType string, subject any, self string) map[string]any {
	events := make([]any, len(h.events))
	for i, e := range h.events {
		events[i] = e
	}
	return map[string]any{
		"type":         "webhook_subscription",
		"uuid":         h.id,
		"url":          h.url,
		"description":  h.description,
		"subject_type": subjectType,
		"subject":      subject,
		"active":       h.active,
		"created_at":   cloudTime(h.created),
		"events":       events,
		"secret_set":   h.secret != "",
		"links":        map[string]any{"self": link(self)},
	}
}

// cloudWorkspaceHooks answers GET /workspaces/{workspace}/hooks: the hooks every repository of the
// workspace inherits, for its administrators only.
func (s *Server) cloudWorkspaceHooks(w http.ResponseWriter, r *http.Request, c *caller, ws string) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		if c.anonymous() {
			return errorAnswer(http.StatusUnauthorized, "Authentication required", "")
		}
		if a := c.scopeError(needHookRead); a != nil {
			return *a
		}
		ns := s.findWorkspaceLocked(ws)
		if ns == nil {
			return errorAnswer(http.StatusNotFound, fmt.Sprintf("No workspace with identifier '%s'.", ws), "")
		}
		if c.accessToken() || !s.isAdminMemberLocked(c.username(), ns.Key) {
			return errorAnswer(http.StatusForbidden, "You must be an administrator of this workspace to manage its webhooks.", "")
		}
		hooks := s.nsHooks[ns.Key]
		return s.pageLocked(r, len(hooks), func(i int) any { return s.workspaceHookJSON(ns.Key, hooks[i]) }, true)
	}())
}

// workspaceHookJSON is a workspace's webhook_subscription.
func (s *Server) workspaceHookJSON(ws string, h *hook) map[string]any {
	return subscriptionJSON(h, "workspace", map[string]any{"type": "workspace", "slug": ws, "uuid": hashUUID("workspace", ws)},
		s.URL()+"/workspaces/"+esc(ws)+"/hooks/"+esc(h.id))
}
