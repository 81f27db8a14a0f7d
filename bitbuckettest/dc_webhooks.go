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
// the first version (major, minor) that accepts it. Atlassian does not date most of them (reference
// §2.4); what the table must get right is that pr:from_ref_updated is refused before 7.0, as older
// servers refuse it, and that an unknown key is refused everywhere. diagnostics:ping is not a
// subscribable event: the "Test connection" button sends it to a hook whatever its events.
var dcWebhookEvents = map[string][2]int{
	"repo:refs_changed":             {5, 0},
	"repo:modified":                 {5, 0},
	"repo:forked":                   {5, 0},
	"repo:comment:added":            {5, 0},
	"repo:comment:edited":           {5, 0},
	"repo:comment:deleted":          {5, 0},
	"pr:opened":                     {5, 0},
	"pr:modified":                   {5, 0},
	"pr:reviewer:updated":           {5, 0},
	"pr:reviewer:approved":          {5, 0},
	"pr:reviewer:unapproved":        {5, 0},
	"pr:reviewer:needs_work":        {5, 0},
	"pr:merged":                     {5, 0},
	"pr:declined":                   {5, 0},
	"pr:deleted":                    {5, 0},
	"pr:comment:added":              {5, 0},
	"pr:comment:edited":             {5, 0},
	"pr:comment:deleted":            {5, 0},
	"mirror:repo_synchronized":      {6, 0},
	"pr:from_ref_updated":           {7, 0},
	"pr:reviewer:changes_requested": {7, 0},
	"repo:secret_detected":          {8, 3},
}

// dcEventKnownLocked reports whether the fake's version accepts key as a webhook event.
func (s *Server) dcEventKnownLocked(key string) bool {
	since, ok := dcWebhookEvents[key]
	return ok && s.dcVersionAtLeastLocked(since[0], since[1])
}

// dcHookJSON is a RestWebhook as real servers return it (with id and dates, which the spec's schema
// lacks). Data Center returns the secret in configuration.
type dcHookJSON struct {
	ID                      int               `json:"id"`
	Name                    string            `json:"name"`
	CreatedDate             int64             `json:"createdDate"`
	UpdatedDate             int64             `json:"updatedDate"`
	Events                  []string          `json:"events"`
	Configuration           map[string]string `json:"configuration"`
	URL                     string            `json:"url"`
	Active                  bool              `json:"active"`
	ScopeType               string            `json:"scopeType"`
	SSLVerificationRequired bool              `json:"sslVerificationRequired"`
}

// dcHookInput is the body of a webhook create or update; a nil field was absent.
type dcHookInput struct {
	Name                    *string         `json:"name"`
	URL                     *string         `json:"url"`
	Active                  *bool           `json:"active"`
	Events                  *[]string       `json:"events"`
	Configuration           *map[string]any `json:"configuration"`
	SSLVerificationRequired *bool           `json:"sslVerificationRequired"`
}

func (s *Server) dcHookLocked(h *hook) dcHookJSON {
	conf := map[string]string{"createdBy": dcWebhookCreatedBy}
	if h.secret != "" {
		conf["secret"] = h.secret
	}
	id, _ := strconv.Atoi(h.id)
	ssl, ok := s.dc.hookSSL[h.id]
	if !ok {
		ssl = true
	}
	return dcHookJSON{ID: id, Name: h.description, CreatedDate: h.created.UnixMilli(), UpdatedDate: h.updated.UnixMilli(),
		Events: slices.Clone(h.events), Configuration: conf, URL: h.url, Active: h.active, ScopeType: "repository",
		SSLVerificationRequired: ssl}
}

// dcWriteValidationError writes Data Center's 400 for an invalid field.
func dcWriteValidationError(w http.ResponseWriter, field, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]any{{
		"context": field, "message": message, "exceptionName": excValidation}}})
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
func (s *Server) dcApplyHookInputLocked(w http.ResponseWriter, in dcHookInput, h *hook, ssl *bool) bool {
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
	if !s.dcApplyHookInputLocked(w, in, h, &ssl) {
		return
	}
	s.dc.nextHookID++
	h.id = itoa(s.dc.nextHookID)
	s.dc.hookSSL[h.id] = ssl
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
	if !s.dcApplyHookInputLocked(w, in, &next, &ssl) {
		return
	}
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
	s.hooks[ref] = slices.Delete(s.hooks[ref], i, i+1)
	w.WriteHeader(http.StatusNoContent)
}
