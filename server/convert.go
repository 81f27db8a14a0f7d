package server

import (
	"strconv"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Converters from wire types to the neutral types of package bitbucket.

func convertUser(w wireUser) *bitbucket.User {
	u := &bitbucket.User{Username: w.Slug, DisplayName: w.DisplayName, Email: w.EmailAddress}
	if u.Username == "" {
		u.Username = w.Name
	}
	if w.ID != 0 {
		u.ID = strconv.FormatInt(w.ID, 10)
	}
	return u
}

func convertProject(w wireProject) *bitbucket.Namespace {
	return &bitbucket.Namespace{Key: w.Key, Name: w.Name, Personal: w.Type == "PERSONAL"}
}

// convertRepository fills what a repository record holds. DefaultBranch stays "" unless the
// server sent it: reading it would cost a request per repository. UpdatedAt is not in the record.
func convertRepository(w wireRepository) *bitbucket.Repository {
	r := &bitbucket.Repository{
		Ref:           bitbucket.RepoRef{Namespace: w.Project.Key, Slug: w.Slug},
		Name:          w.Name,
		Description:   w.Description,
		Private:       !w.Public,
		Archived:      w.Archived,
		DefaultBranch: w.DefaultBranch,
		Project:       w.Project.Key,
	}
	if w.ID != 0 {
		r.ID = strconv.FormatInt(w.ID, 10)
	}
	if len(w.Links.Self) > 0 {
		r.WebURL = w.Links.Self[0].Href
	}
	for _, l := range w.Links.Clone {
		switch l.Name {
		case "http", "https":
			if r.CloneHTTP == "" {
				r.CloneHTTP = l.Href
			}
		case "ssh":
			if r.CloneSSH == "" {
				r.CloneSSH = l.Href
			}
		}
	}
	return r
}

// convertWebhook never copies the secret: HasSecret says only whether one is set.
func convertWebhook(w wireWebhook) *bitbucket.Webhook {
	h := &bitbucket.Webhook{
		ID:        strconv.FormatInt(w.ID, 10),
		URL:       w.URL,
		Active:    w.Active,
		HasSecret: hasSecret(w.Configuration),
	}
	// A hook created without a description carries its URL as its name (Data Center needs a
	// name); that reads back as no description.
	if w.Name != w.URL {
		h.Description = w.Name
	}
	h.Events, h.NativeEvents = bitbucket.DecodeEvents(bitbucket.Server, w.Events)
	if w.CreatedDate > 0 {
		h.CreatedAt = time.UnixMilli(w.CreatedDate).UTC()
	}
	return h
}

func hasSecret(cfg map[string]any) bool {
	s, ok := cfg["secret"].(string)
	return ok && s != ""
}
