package bitbuckettest

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// answer is a Cloud response computed under the lock and written after it is released.
type answer struct {
	status   int
	body     any // nil: no body
	location string
}

func errorAnswer(status int, message, detail string) answer {
	e := map[string]any{"message": message}
	if detail != "" {
		e["detail"] = detail
	}
	return answer{status: status, body: map[string]any{"type": "error", "error": e}}
}

func okAnswer(body any) answer { return answer{status: http.StatusOK, body: body} }

// respond writes a, trimming the body by the request's fields parameter on success.
func respond(w http.ResponseWriter, r *http.Request, a answer) {
	if a.location != "" {
		w.Header().Set("Location", a.location)
	}
	if a.body == nil {
		w.WriteHeader(a.status)
		return
	}
	if a.status < 300 {
		if f := r.URL.Query().Get("fields"); f != "" {
			a.body = applyFields(a.body, f)
		}
	}
	writeJSON(w, a.status, a.body)
}

// cloudTime formats t the way Cloud does.
func cloudTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000-07:00") }

func link(href string) map[string]any { return map[string]any{"href": href} }

// hashUUID is a stable brace-wrapped UUID for things the fake does not number (projects, emails).
func hashUUID(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	v := h.Sum64()
	return fmt.Sprintf("{%08x-%04x-4%03x-8000-%012x}", uint32(v>>32), uint16(v>>16), uint16(v)&0xfff, v&0xffffffffffff)
}

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }

// userLocked returns the seeded account, or a stand-in for a username only named by a token.
func (s *Server) userLocked(username string) *user {
	if u, ok := s.users[username]; ok {
		return u
	}
	return &user{User: User{Username: username, DisplayName: username}, uuid: hashUUID("user", username)}
}

func (s *Server) userJSON(u *user) map[string]any {
	display := u.DisplayName
	if display == "" {
		display = u.Username
	}
	api := s.URL()
	return map[string]any{
		"type":            "user",
		"uuid":            u.uuid,
		"account_id":      "557058:" + strings.Trim(u.uuid, "{}"),
		"nickname":        u.Username,
		"display_name":    display,
		"account_status":  "active",
		"has_2fa_enabled": false,
		"is_staff":        false,
		"created_on":      cloudTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
		"links": map[string]any{
			"self":         link(api + "/users/" + esc(u.uuid)),
			"html":         link(s.Origin() + "/" + esc(u.uuid) + "/"),
			"avatar":       link(s.Origin() + "/account/" + esc(u.Username) + "/avatar/"),
			"repositories": link(api + "/repositories/" + esc(u.uuid)),
		},
	}
}

func (s *Server) workspaceBaseJSON(ns *namespace) map[string]any {
	return map[string]any{
		"type": "workspace_base",
		"uuid": ns.uuid,
		"slug": ns.Key,
		"name": nsName(ns),
		"links": map[string]any{
			"self":   link(s.URL() + "/workspaces/" + esc(ns.Key)),
			"avatar": link(s.Origin() + "/workspaces/" + esc(ns.Key) + "/avatar/"),
		},
	}
}

func nsName(ns *namespace) string {
	if ns.Name != "" {
		return ns.Name
	}
	return ns.Key
}

// cloudPublic reports a repository everyone may read.
func (s *Server) cloudPublic(r *repository) bool {
	ns := s.namespaces[r.Namespace]
	return r.Public || (ns != nil && ns.Public)
}

// repoJSON is the full repository object.
func (s *Server) repoJSON(r *repository) map[string]any {
	ns := s.namespaces[r.Namespace]
	full := r.Namespace + "/" + r.Slug
	api := s.URL() + "/repositories/" + esc(r.Namespace) + "/" + esc(r.Slug)
	web := s.Origin() + "/" + esc(r.Namespace) + "/" + esc(r.Slug)
	host, _, err := net.SplitHostPort(s.ts.Listener.Addr().String())
	if err != nil {
		host = "localhost"
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return map[string]any{
		"type":        "repository",
		"uuid":        r.uuid,
		"full_name":   full,
		"name":        r.Name,
		"description": r.Description,
		"is_private":  !s.cloudPublic(r),
		"scm":         "git",
		"mainbranch":  map[string]any{"type": "branch", "name": r.DefaultBranch},
		"project": map[string]any{
			"type": "project",
			"key":  r.Project,
			"uuid": hashUUID("project", r.Namespace, r.Project),
			"name": r.Project,
			"links": map[string]any{
				"html":   link(s.Origin() + "/" + esc(r.Namespace) + "/workspace/projects/" + esc(r.Project)),
				"avatar": link(s.Origin() + "/account/user/" + esc(r.Namespace) + "/projects/" + esc(r.Project) + "/avatar/32"),
			},
		},
		"owner": map[string]any{
			"type":         "team",
			"uuid":         ns.uuid,
			"username":     ns.Key,
			"display_name": nsName(ns),
			"links": map[string]any{
				"self":   link(s.URL() + "/workspaces/" + esc(ns.Key)),
				"html":   link(s.Origin() + "/" + esc(ns.Key) + "/"),
				"avatar": link(s.Origin() + "/workspaces/" + esc(ns.Key) + "/avatar/"),
			},
		},
		"workspace": map[string]any{
			"type": "workspace",
			"uuid": ns.uuid,
			"slug": ns.Key,
			"name": nsName(ns),
			"links": map[string]any{
				"self":   link(s.URL() + "/workspaces/" + esc(ns.Key)),
				"html":   link(s.Origin() + "/" + esc(ns.Key) + "/"),
				"avatar": link(s.Origin() + "/workspaces/" + esc(ns.Key) + "/avatar/"),
			},
		},
		"links": map[string]any{
			"self":   link(api),
			"html":   link(web),
			"avatar": link(s.Origin() + "/" + esc(r.Namespace) + "/" + esc(r.Slug) + "/avatar/32/"),
			"hooks":  link(api + "/hooks"),
			"clone": []any{
				map[string]any{"name": "https", "href": web + ".git"},
				map[string]any{"name": "ssh", "href": "ssh://git@" + host + "/" + esc(r.Namespace) + "/" + esc(r.Slug) + ".git"},
			},
		},
		"created_on":  cloudTime(r.created),
		"updated_on":  cloudTime(r.updated),
		"language":    "",
		"size":        int64(1024 * (r.id%50 + 1)),
		"has_issues":  false,
		"has_wiki":    false,
		"fork_policy": "allow_forks",
	}
}

// repoShortJSON is the short repository object found inside permissions, hooks and payloads.
func (s *Server) repoShortJSON(r *repository) map[string]any {
	api := s.URL() + "/repositories/" + esc(r.Namespace) + "/" + esc(r.Slug)
	return map[string]any{
		"type":      "repository",
		"uuid":      r.uuid,
		"full_name": r.Namespace + "/" + r.Slug,
		"name":      r.Name,
		"links": map[string]any{
			"self":   link(api),
			"html":   link(s.Origin() + "/" + esc(r.Namespace) + "/" + esc(r.Slug)),
			"avatar": link(s.Origin() + "/" + esc(r.Namespace) + "/" + esc(r.Slug) + "/avatar/32/"),
		},
	}
}
