package bitbuckettest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// dcWebhookEvents lists the repository webhook event keys the Data Center fake accepts, each with
// the first version (major, minor) that accepts it (reference §5: the core repo:* and pr:* keys from
// 5.4, pr:modified since 5.10, mirror:repo_synchronized since 6.5, pr:from_ref_updated since 7.0;
// keys it does not date are given 5.4). pr:reviewer:needs_work is the key servers accept;
// pr:reviewer:changes_requested and pr:to_ref_updated are refused, as a live server refused them.
// An unknown key is refused everywhere. diagnostics:ping is not a subscribable event: the "Test
// connection" button sends it to a hook whatever its events, and a create naming it gets 400.
var dcWebhookEvents = map[string][2]int{
	"repo:refs_changed":        {5, 4},
	"repo:modified":            {5, 4},
	"repo:forked":              {5, 4},
	"repo:comment:added":       {5, 4},
	"repo:comment:edited":      {5, 4},
	"repo:comment:deleted":     {5, 4},
	"pr:opened":                {5, 4},
	"pr:modified":              {5, 10},
	"pr:reviewer:updated":      {5, 4},
	"pr:reviewer:approved":     {5, 4},
	"pr:reviewer:unapproved":   {5, 4},
	"pr:reviewer:needs_work":   {5, 4},
	"pr:merged":                {5, 4},
	"pr:declined":              {5, 4},
	"pr:deleted":               {5, 4},
	"pr:comment:added":         {5, 4},
	"pr:comment:edited":        {5, 4},
	"pr:comment:deleted":       {5, 4},
	"mirror:repo_synchronized": {6, 5},
	"pr:from_ref_updated":      {7, 0},
	"repo:secret_detected":     {8, 3},
}

// dcEventKnownLocked reports whether the fake's version accepts key as a webhook event.
func (s *Server) dcEventKnownLocked(key string) bool {
	since, ok := dcWebhookEvents[key]
	return ok && s.dcVersionAtLeastLocked(since[0], since[1])
}

// dcHookJSON is a RestWebhook as real servers return it (with id and dates, which the spec's schema
// lacks). Data Center returns the secret in configuration.
type dcHookJSON struct {
	ID                      int                `json:"id"`
	Name                    string             `json:"name"`
	CreatedDate             any                `json:"createdDate"` // epoch ms; an ISO string from 10.0
	UpdatedDate             any                `json:"updatedDate"`
	Events                  []string           `json:"events"`
	Configuration           map[string]any     `json:"configuration"`
	Credentials             *dcHookCredentials `json:"credentials,omitempty"`
	URL                     string             `json:"url"`
	Active                  bool               `json:"active"`
	ScopeType               string             `json:"scopeType"`
	SSLVerificationRequired bool               `json:"sslVerificationRequired"`
}

// dcHookInput is the body of a webhook create or update; a nil field was absent.
type dcHookInput struct {
	Name                    *string            `json:"name"`
	URL                     *string            `json:"url"`
	Active                  *bool              `json:"active"`
	Events                  *[]string          `json:"events"`
	Configuration           *map[string]any    `json:"configuration"`
	Credentials             *dcHookCredentials `json:"credentials"`
	SSLVerificationRequired *bool              `json:"sslVerificationRequired"`
}

// dcHookCredentials is RestWebhookCredentials: basic auth the server sends to the receiver.
type dcHookCredentials struct {
	Username string `json:"username"`
	Password string `json:"password,omitempty"`
}

// dcHookExtras is what the fake keeps of a hook beyond the shared model: configuration keys
// other than the secret, and credentials.
type dcHookExtras struct {
	config      map[string]any
	credentials *dcHookCredentials
}

// dcDate renders t as the fake's version writes REST dates: epoch milliseconds, or from 10.0 an
// ISO-8601 string in the Data Center layout.
func (s *Server) dcDateLocked(t time.Time) any {
	if s.dcVersionAtLeastLocked(10, 0) {
		return t.UTC().Format("2006-01-02T15:04:05.000Z0700")
	}
	return t.UnixMilli()
}

func (s *Server) dcHookLocked(h *hook) dcHookJSON {
	conf := map[string]any{"createdBy": dcWebhookCreatedBy}
	extras := s.dc.hookExtras[h.id]
	for k, v := range extras.config {
		conf[k] = v
	}
	if h.secret != "" {
		conf["secret"] = h.secret
	}
	id, _ := strconv.Atoi(h.id)
	ssl, ok := s.dc.hookSSL[h.id]
	if !ok {
		ssl = true
	}
	return dcHookJSON{ID: id, Name: h.description, CreatedDate: s.dcDateLocked(h.created), UpdatedDate: s.dcDateLocked(h.updated),
		Events: slices.Clone(h.events), Configuration: conf, Credentials: extras.credentials, URL: h.url, Active: h.active,
		ScopeType: "repository", SSLVerificationRequired: ssl}
}

// dcWriteValidationError writes Data Center's 400 for an invalid field.
func dcWriteValidationError(w http.ResponseWriter, field, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]any{{
		"context": field, "message": message, "exceptionName": excValidation}}})
}

// dcWebhookRoutes registers the repository and project webhook routes.
func (s *Server) dcWebhookRoutes(api dcRouter) {
	api("GET", "/projects/{key}/webhooks", s.dcListProjectHooks)
	api("GET", "/projects/{key}/repos/{slug}/webhooks", s.dcListHooks)
	api("POST", "/projects/{key}/repos/{slug}/webhooks", s.dcCreateHook)
	api("GET", "/projects/{key}/repos/{slug}/webhooks/{id}", s.dcGetHook)
	api("PUT", "/projects/{key}/repos/{slug}/webhooks/{id}", s.dcUpdateHook)
	api("DELETE", "/projects/{key}/repos/{slug}/webhooks/{id}", s.dcDeleteHook)
}

// dcListHooks answers GET .../webhooks (REPO_ADMIN): the repository's hooks, paged, optionally
// only those subscribed to ?event=.
func (s *Server) dcListHooks(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionAdmin)
	if !ok {
		return
	}
	event := r.URL.Query().Get("event")
	var out []dcHookJSON
	for _, h := range s.hooks[bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}] {
		if event == "" || slices.Contains(h.events, event) {
			out = append(out, s.dcHookLocked(h))
		}
	}
	if page, ok := dcPaginate(s, w, r, out); ok {
		writeJSON(w, http.StatusOK, page)
	}
}

// dcDecodeHookInput reads a webhook body, writing a 400 when it is not a JSON object.
func dcDecodeHookInput(w http.ResponseWriter, r *http.Request) (dcHookInput, bool) {
	var in dcHookInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]any{{
			"context": nil, "message": "The request body could not be read as a webhook.", "exceptionName": excBadRequest}}})
		return in, false
	}
	return in, true
}

// dcApplyHookInputLocked validates in and copies the fields it has onto h (with ssl, its
// sslVerificationRequired). It writes a 400 and returns false on the first invalid field.
func (s *Server) dcApplyHookInputLocked(w http.ResponseWriter, in dcHookInput, h *hook, ssl *bool, extras *dcHookExtras) bool {
	if in.Name != nil {
		h.description = *in.Name
	}
	if strings.TrimSpace(h.description) == "" {
		dcWriteValidationError(w, "name", "A webhook name is required.")
		return false
	}
	if in.URL != nil {
		h.url = *in.URL
	}
	if u, err := url.Parse(h.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		dcWriteValidationError(w, "url", "The webhook URL must be an absolute http or https URL.")
		return false
	}
	if in.Events != nil {
		var evs []string
		for _, e := range *in.Events {
			if !s.dcEventKnownLocked(e) {
				dcWriteValidationError(w, "events", "Webhook event '"+e+"' is not a valid event.")
				return false
			}
			if !slices.Contains(evs, e) {
				evs = append(evs, e)
			}
		}
		h.events = evs
	}
	if len(h.events) == 0 {
		dcWriteValidationError(w, "events", "At least one event is required.")
		return false
	}
	if in.Active != nil {
		h.active = *in.Active
	}
	if in.Configuration != nil {
		switch v := (*in.Configuration)["secret"].(type) {
		case nil:
			h.secret = ""
		case string:
			h.secret = v
		default:
			dcWriteValidationError(w, "configuration", "The webhook secret must be a string.")
			return false
		}
		// A configuration given replaces the whole configuration, as on a real server.
		extras.config = map[string]any{}
		for k, v := range *in.Configuration {
			if k != "secret" && k != "createdBy" {
				extras.config[k] = v
			}
		}
	}
	if in.Credentials != nil {
		extras.credentials = in.Credentials
		if in.Credentials.Username == "" {
			extras.credentials = nil
		}
	}
	if in.SSLVerificationRequired != nil {
		*ssl = *in.SSLVerificationRequired
	}
	return true
}

// dcCreateHook answers POST .../webhooks (REPO_ADMIN) with 200 and the created RestWebhook, as the
// spec lists. name, url and at least one event the server's version knows are required; active
// defaults to true; configuration.secret sets the signing secret.
func (s *Server) dcCreateHook(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionAdmin)
	if !ok {
		return
	}
	in, ok := dcDecodeHookInput(w, r)
	if !ok {
		return
	}
	now := time.Now().Truncate(time.Millisecond)
	h := &hook{active: true, created: now, updated: now}
	ssl := true
	var extras dcHookExtras
	if !s.dcApplyHookInputLocked(w, in, h, &ssl, &extras) {
		return
	}
	s.dc.nextHookID++
	h.id = itoa(s.dc.nextHookID)
	s.dc.hookSSL[h.id] = ssl
	s.dc.hookExtras[h.id] = extras
	ref := bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}
	s.hooks[ref] = append(s.hooks[ref], h)
	writeJSON(w, http.StatusOK, s.dcHookLocked(h))
}

// dcHookForLocked finds the request's {id} among the hooks of the repository, which c must
// administer. It writes the error and returns false when there is none.
func (s *Server) dcHookForLocked(w http.ResponseWriter, r *http.Request, c dcCaller) (bitbucket.RepoRef, int, bool) {
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionAdmin)
	if !ok {
		return bitbucket.RepoRef{}, 0, false
	}
	ref := bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}
	id := r.PathValue("id")
	for i, h := range s.hooks[ref] {
		if h.id == id {
			return ref, i, true
		}
	}
	s.writeError(w, http.StatusNotFound, "Webhook "+id+" does not exist in this repository.", excNoSuchWebhook)
	return ref, 0, false
}

// dcGetHook answers GET .../webhooks/{id} (REPO_ADMIN).
func (s *Server) dcGetHook(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref, i, ok := s.dcHookForLocked(w, r, c); ok {
		writeJSON(w, http.StatusOK, s.dcHookLocked(s.hooks[ref][i]))
	}
}

// dcUpdateHook answers PUT .../webhooks/{id} (REPO_ADMIN). Fields absent from the body keep their
// value; a configuration object given replaces the secret (one without "secret" removes it).
func (s *Server) dcUpdateHook(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, i, ok := s.dcHookForLocked(w, r, c)
	if !ok {
		return
	}
	in, ok := dcDecodeHookInput(w, r)
	if !ok {
		return
	}
	cur := s.hooks[ref][i]
	next := *cur
	next.events = slices.Clone(cur.events)
	ssl, had := s.dc.hookSSL[cur.id]
	if !had {
		ssl = true
	}
	extras := s.dc.hookExtras[cur.id]
	if !s.dcApplyHookInputLocked(w, in, &next, &ssl, &extras) {
		return
	}
	s.dc.hookExtras[cur.id] = extras
	next.updated = time.Now().Truncate(time.Millisecond)
	if !next.updated.After(cur.updated) {
		next.updated = cur.updated.Add(time.Millisecond)
	}
	*cur = next
	s.dc.hookSSL[cur.id] = ssl
	writeJSON(w, http.StatusOK, s.dcHookLocked(cur))
}

// dcDeleteHook answers DELETE .../webhooks/{id} (REPO_ADMIN) with 204.
func (s *Server) dcDeleteHook(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, i, ok := s.dcHookForLocked(w, r, c)
	if !ok {
		return
	}
	delete(s.dc.hookSSL, s.hooks[ref][i].id)
	delete(s.dc.hookExtras, s.hooks[ref][i].id)
	s.hooks[ref] = slices.Delete(s.hooks[ref], i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

// dcListProjectHooks answers GET projects/{key}/webhooks (PROJECT_ADMIN): the project's hooks,
// which fire for every repository in it. Without PROJECT_ADMIN the answer is 401
// AuthorisationException.
func (s *Server) dcListProjectHooks(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, ok := s.dcVisibleProjectLocked(w, r, c)
	if !ok {
		return
	}
	if c.anonymous() || min(s.perms[grantKey{c.username, bitbucket.RepoRef{Namespace: ns.Key}}], c.cap, c.limit) < bitbucket.PermissionAdmin {
		s.writeError(w, http.StatusUnauthorized, msgNotPermitted, excAuthorisation)
		return
	}
	var out []dcHookJSON
	for _, h := range s.nsHooks[ns.Key] {
		j := s.dcHookLocked(h)
		j.ScopeType = "project"
		out = append(out, j)
	}
	if page, ok := dcPaginate(s, w, r, out); ok {
		writeJSON(w, http.StatusOK, page)
	}
}

// SetHookCredentials stores basic-auth credentials on Data Center webhook id of repo, as a user
// who configured them in the UI would, so that a test can check a client keeps them.
func (s *Server) SetHookCredentials(id, username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.dc.hookExtras[id]
	e.credentials = &dcHookCredentials{Username: username, Password: password}
	s.dc.hookExtras[id] = e
}

// SetHookConfig stores configuration key = value on Data Center webhook id (a setting a client
// does not manage).
func (s *Server) SetHookConfig(id, key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.dc.hookExtras[id]
	if e.config == nil {
		e.config = map[string]any{}
	}
	e.config[key] = value
	s.dc.hookExtras[id] = e
}

// HookExtras returns the credentials username and password and the other configuration keys
// stored on Data Center webhook id.
func (s *Server) HookExtras(id string) (username, password string, config map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.dc.hookExtras[id]
	config = map[string]string{}
	for k, v := range e.config {
		if str, ok := v.(string); ok {
			config[k] = str
		}
	}
	if e.credentials != nil {
		username, password = e.credentials.Username, e.credentials.Password
	}
	return username, password, config
}
