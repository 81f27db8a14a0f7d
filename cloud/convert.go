package cloud

import (
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// parseTime reads a Cloud timestamp ("2026-01-02T15:04:05.123456+00:00"); anything else is zero.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func toUser(w *wireUser) *bitbucket.User {
	name := w.Nickname
	if name == "" {
		name = w.Username
	}
	return &bitbucket.User{ID: w.UUID, Username: name, DisplayName: w.DisplayName}
}

// toRepository converts a repository. Cloud repositories carry no slug: it is the part of
// full_name after the slash, and the workspace the part before.
func toRepository(w *wireRepository) *bitbucket.Repository {
	ns, slug, _ := strings.Cut(w.FullName, "/")
	r := &bitbucket.Repository{
		Ref:         bitbucket.RepoRef{Namespace: ns, Slug: slug},
		ID:          w.UUID,
		Name:        w.Name,
		Description: w.Description,
		Private:     w.IsPrivate,
		WebURL:      w.Links.HTML.Href,
		UpdatedAt:   parseTime(w.UpdatedOn),
	}
	if w.Mainbranch != nil {
		r.DefaultBranch = w.Mainbranch.Name
	}
	if w.Project != nil {
		r.Project = w.Project.Key
	}
	for _, l := range w.Links.Clone {
		switch strings.ToLower(l.Name) {
		case "https":
			r.CloneHTTP = l.Href
		case "ssh":
			r.CloneSSH = l.Href
		}
	}
	return r
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
		CreatedAt:    parseTime(w.CreatedAt),
	}
}

// toPermission maps a repository_permission value.
func toPermission(s string) bitbucket.Permission {
	switch strings.ToLower(s) {
	case "admin", "owner":
		return bitbucket.PermissionAdmin
	case "write":
		return bitbucket.PermissionWrite
	case "read":
		return bitbucket.PermissionRead
	}
	return bitbucket.PermissionNone
}
