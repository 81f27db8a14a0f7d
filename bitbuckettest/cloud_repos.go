package bitbuckettest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// serveCloudRepos routes the user, workspace, permission and repository resources; it reports
// false for a path that is none of them.
func (s *Server) serveCloudRepos(w http.ResponseWriter, r *http.Request, c *caller, seg []string) bool {
	switch {
	case match(seg, "user"):
		s.onlyMethods(w, r, c, s.cloudUser, http.MethodGet)
	case match(seg, "user", "emails"):
		s.onlyMethods(w, r, c, s.cloudUserEmails, http.MethodGet)
	case match(seg, "user", "workspaces"):
		s.onlyMethods(w, r, c, s.cloudUserWorkspaces, http.MethodGet)
	case match(seg, "user", "workspaces", "*", "permissions", "repositories"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) {
			s.cloudRepoPermissions(w, r, c, seg[2])
		}, http.MethodGet)
	case match(seg, "repositories", "*"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) {
			s.cloudListRepos(w, r, c, seg[1])
		}, http.MethodGet)
	case match(seg, "repositories", "*", "*"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) {
			s.cloudGetRepo(w, r, c, seg[1], seg[2])
		}, http.MethodGet)
	default:
		return false
	}
	return true
}

// Fields q= and sort= accept, per endpoint.
var (
	repoQueryFields = []string{"name", "full_name", "uuid", "description", "is_private", "scm", "language",
		"created_on", "updated_on", "size", "has_issues", "fork_policy", "mainbranch.name", "project.key",
		"project.name", "project.uuid", "workspace.slug", "workspace.uuid"}
	repoSortFields      = []string{"name", "full_name", "created_on", "updated_on", "size"}
	workspaceQueryField = []string{"workspace.slug", "workspace.uuid", "workspace.name", "administrator"}
	permQueryFields     = []string{"permission", "repository.full_name", "repository.name", "repository.uuid"}
	permSortFields      = []string{"repository.name", "repository.full_name", "permission"}
)

var errAccessTokenNoUser = "This API is only accessible with the following authentication types: apppassword, session, api_token, oauth"

// cloudUser answers GET /user.
func (s *Server) cloudUser(w http.ResponseWriter, r *http.Request, c *caller) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := s.userOnly(c, needAccount); a != nil {
			return *a
		}
		return okAnswer(s.userJSON(s.userLocked(c.username())))
	}())
}

// userOnly refuses anonymous callers (401), access tokens (403) and missing scopes (403).
func (s *Server) userOnly(c *caller, n need) *answer {
	var a answer
	switch {
	case c.anonymous():
		a = errorAnswer(http.StatusUnauthorized, "Authentication required", "")
	case c.accessToken():
		a = errorAnswer(http.StatusForbidden, errAccessTokenNoUser, "")
	default:
		return c.scopeError(n)
	}
	return &a
}

// cloudUserEmails answers GET /user/emails.
func (s *Server) cloudUserEmails(w http.ResponseWriter, r *http.Request, c *caller) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := s.userOnly(c, needEmail); a != nil {
			return *a
		}
		u := s.userLocked(c.username())
		var emails []any
		if u.Email != "" {
			emails = append(emails, map[string]any{"type": "email", "email": u.Email, "is_primary": true,
				"is_confirmed": true, "links": map[string]any{"self": link(s.URL() + "/user/emails/" + esc(u.Email))}})
		}
		return s.pageLocked(r, len(emails), func(i int) any { return emails[i] }, true)
	}())
}

// isAdminMemberLocked reports a workspace administrator.
func (s *Server) isAdminMemberLocked(username, ws string) bool {
	return s.cloud.members[memberKey{username, ws}]
}

// cloudUserWorkspaces answers GET /user/workspaces: workspaces where the caller is a member or
// holds any grant.
func (s *Server) cloudUserWorkspaces(w http.ResponseWriter, r *http.Request, c *caller) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := s.userOnly(c, needWorkspaces); a != nil {
			return *a
		}
		q := r.URL.Query()
		adminFilter := q.Get("administrator")
		if adminFilter != "" && adminFilter != "true" && adminFilter != "false" {
			return errorAnswer(http.StatusBadRequest, "Invalid administrator", "administrator must be true or false")
		}
		name := c.username()
		seen := map[string]bool{}
		for k := range s.cloud.members {
			if k.username == name {
				seen[k.workspace] = true
			}
		}
		for k, p := range s.perms {
			if k.username == name && p > bitbucket.PermissionNone {
				seen[k.repo.Namespace] = true
			}
		}
		var items []map[string]any
		for _, key := range s.nsOrder {
			ns := s.namespaces[key]
			if !seen[key] || ns == nil {
				continue
			}
			admin := s.isAdminMemberLocked(name, key)
			if adminFilter != "" && (adminFilter == "true") != admin {
				continue
			}
			items = append(items, map[string]any{"type": "workspace_access", "administrator": admin,
				"workspace": s.workspaceBaseJSON(ns)})
		}
		items, err := filterItems(items, q.Get("q"), workspaceQueryField)
		if err != nil {
			return errorAnswer(http.StatusBadRequest, "Invalid query", err.Error())
		}
		sortParam := q.Get("sort")
		if sortParam == "" {
			sortParam = "workspace.slug"
		} else if strings.TrimPrefix(sortParam, "-") == "slug" {
			sortParam = strings.Replace(sortParam, "slug", "workspace.slug", 1)
		}
		if err := sortItems(items, sortParam, []string{"workspace.slug"}); err != nil {
			return errorAnswer(http.StatusBadRequest, "Invalid sort", err.Error())
		}
		return s.pageLocked(r, len(items), func(i int) any { return items[i] }, q.Get("q") == "")
	}())
}

// sortItems sorts items by one field, "-field" for descending.
func sortItems(items []map[string]any, param string, allowed []string) error {
	if param == "" {
		return nil
	}
	field, desc := strings.CutPrefix(param, "-")
	if !slices.Contains(allowed, field) {
		return fmt.Errorf("'%s' is not a field that can be sorted on", field)
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, _ := lookup(items[i], field)
		b, _ := lookup(items[j], field)
		c, err := compare(field, a, b)
		if err != nil || c == incomparable {
			return false
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
	return nil
}

// findWorkspaceLocked finds a workspace by slug or {uuid}.
func (s *Server) findWorkspaceLocked(id string) *namespace {
	if ns, ok := s.namespaces[id]; ok {
		return ns
	}
	if strings.HasPrefix(id, "{") {
		for _, ns := range s.namespaces {
			if ns.uuid == id {
				return ns
			}
		}
	}
	return nil
}

// findRepoLocked finds a repository by workspace and slug, either of which may be a {uuid}.
func (s *Server) findRepoLocked(wsID, slug string) *repository {
	ns := s.findWorkspaceLocked(wsID)
	if ns == nil {
		return nil
	}
	if r, ok := s.repos[bitbucket.RepoRef{Namespace: ns.Key, Slug: slug}]; ok {
		return r
	}
	if strings.HasPrefix(slug, "{") {
		for ref, r := range s.repos {
			if ref.Namespace == ns.Key && r.uuid == slug {
				return r
			}
		}
	}
	return nil
}

// tokenReachesLocked reports whether an access token's scope covers repository r.
func tokenReachesLocked(t *token, r *repository) bool {
	switch t.kind {
	case credRepo:
		return t.repo.Namespace == r.Namespace && t.repo.Slug == r.Slug
	case credProject:
		return t.repo.Namespace == r.Namespace && (t.repo.Slug == "" || t.repo.Slug == r.Project)
	case credWorkspace:
		return t.ns == r.Namespace
	}
	return false
}

// cloudPermsLocked returns the caller's effective permission on r and the part of it that comes
// from explicit access (grants, workspace administration, an access token's scope), which is what
// the role filter and the permission endpoints look at.
func (s *Server) cloudPermsLocked(c *caller, r *repository) (effective, explicit bitbucket.Permission) {
	switch {
	case c.anonymous():
	case c.accessToken():
		if tokenReachesLocked(c.tok, r) {
			explicit = bitbucket.PermissionRead
			held := c.scopes()
			if slices.Contains(held, "repository:write") || slices.Contains(held, "pullrequest:write") {
				explicit = bitbucket.PermissionWrite
			}
			if slices.Contains(held, "repository:admin") {
				explicit = bitbucket.PermissionAdmin
			}
		}
	default:
		name := c.username()
		ref := bitbucket.RepoRef{Namespace: r.Namespace, Slug: r.Slug}
		explicit = max(s.perms[grantKey{name, ref}], s.perms[grantKey{name, bitbucket.RepoRef{Namespace: r.Namespace}}])
		if s.isAdminMemberLocked(name, r.Namespace) {
			explicit = bitbucket.PermissionAdmin
		}
	}
	effective = explicit
	if s.cloudPublic(r) {
		effective = max(effective, bitbucket.PermissionRead)
	}
	return effective, explicit
}

// cloudListRepos answers GET /repositories/{workspace}.
func (s *Server) cloudListRepos(w http.ResponseWriter, r *http.Request, c *caller, wsID string) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := c.scopeError(needRepo); a != nil {
			return *a
		}
		ns := s.findWorkspaceLocked(wsID)
		if ns == nil {
			return errorAnswer(http.StatusNotFound, fmt.Sprintf("No workspace with identifier '%s'.", wsID), "")
		}
		if c.accessToken() && c.tok.ns != ns.Key {
			return errorAnswer(http.StatusForbidden, "Access token is not valid for this workspace", "")
		}
		q := r.URL.Query()
		var minRole bitbucket.Permission
		switch q.Get("role") {
		case "":
		case "member":
			minRole = bitbucket.PermissionRead
		case "contributor":
			minRole = bitbucket.PermissionWrite
		case "admin", "owner":
			minRole = bitbucket.PermissionAdmin
		default:
			return errorAnswer(http.StatusBadRequest, "Invalid role", "role must be one of member, contributor, admin, owner")
		}
		if minRole > 0 && c.anonymous() {
			return errorAnswer(http.StatusUnauthorized, "Authentication required", "")
		}
		var repos []*repository
		for ref, repo := range s.repos {
			if ref.Namespace != ns.Key {
				continue
			}
			eff, exp := s.cloudPermsLocked(c, repo)
			if eff == bitbucket.PermissionNone || (minRole > 0 && exp < minRole) {
				continue
			}
			if q.Get("role") == "owner" && !s.isAdminMemberLocked(c.username(), ns.Key) && !c.accessToken() {
				continue
			}
			repos = append(repos, repo)
		}
		sort.Slice(repos, func(i, j int) bool { return repos[i].Slug < repos[j].Slug })
		query, sortParam := q.Get("q"), q.Get("sort")
		if query == "" && sortParam == "" {
			return s.pageLocked(r, len(repos), func(i int) any { return s.repoJSON(repos[i]) }, true)
		}
		items := make([]map[string]any, len(repos))
		for i, repo := range repos {
			items[i] = s.repoJSON(repo)
		}
		items, err := filterItems(items, query, repoQueryFields)
		if err != nil {
			return errorAnswer(http.StatusBadRequest, "Invalid query", err.Error())
		}
		if err := sortItems(items, sortParam, repoSortFields); err != nil {
			return errorAnswer(http.StatusBadRequest, "Invalid sort", err.Error())
		}
		return s.pageLocked(r, len(items), func(i int) any { return items[i] }, query == "")
	}())
}

// visibleRepoLocked finds a repository the caller may read, or the 404 Cloud sends for hidden
// and missing repositories alike.
func (s *Server) visibleRepoLocked(c *caller, wsID, slug string) (*repository, *answer) {
	repo := s.findRepoLocked(wsID, slug)
	if repo != nil {
		if eff, _ := s.cloudPermsLocked(c, repo); eff > bitbucket.PermissionNone {
			return repo, nil
		}
	}
	a := errorAnswer(http.StatusNotFound, fmt.Sprintf("Repository %s/%s not found", wsID, slug), "")
	return nil, &a
}

// cloudGetRepo answers GET /repositories/{workspace}/{repo_slug}.
func (s *Server) cloudGetRepo(w http.ResponseWriter, r *http.Request, c *caller, wsID, slug string) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := c.scopeError(needRepo); a != nil {
			return *a
		}
		repo, a := s.visibleRepoLocked(c, wsID, slug)
		if a != nil {
			return *a
		}
		return okAnswer(s.repoJSON(repo))
	}())
}

// cloudRepoPermissions answers GET /user/workspaces/{workspace}/permissions/repositories: the
// caller's permission on each repository it has explicit access to.
func (s *Server) cloudRepoPermissions(w http.ResponseWriter, r *http.Request, c *caller, wsID string) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := s.userOnly(c, needPerms); a != nil {
			return *a
		}
		ns := s.findWorkspaceLocked(wsID)
		if ns == nil {
			return errorAnswer(http.StatusNotFound, fmt.Sprintf("No workspace with identifier '%s'.", wsID), "")
		}
		u := s.userJSON(s.userLocked(c.username()))
		var repos []*repository
		for ref, repo := range s.repos {
			if ref.Namespace == ns.Key {
				repos = append(repos, repo)
			}
		}
		sort.Slice(repos, func(i, j int) bool { return repos[i].Slug < repos[j].Slug })
		var items []map[string]any
		for _, repo := range repos {
			_, exp := s.cloudPermsLocked(c, repo)
			if s.cloud.adminsUnlisted && !c.accessToken() && s.isAdminMemberLocked(c.username(), repo.Namespace) {
				ref := bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}
				name := c.username()
				exp = max(s.perms[grantKey{name, ref}], s.perms[grantKey{name, bitbucket.RepoRef{Namespace: repo.Namespace}}])
			}
			if exp == bitbucket.PermissionNone {
				continue
			}
			items = append(items, map[string]any{"type": "repository_permission", "permission": exp.String(),
				"user": u, "repository": s.repoShortJSON(repo)})
		}
		q := r.URL.Query()
		items, err := filterItems(items, q.Get("q"), permQueryFields)
		if err != nil {
			return errorAnswer(http.StatusBadRequest, "Invalid query", err.Error())
		}
		if err := sortItems(items, q.Get("sort"), permSortFields); err != nil {
			return errorAnswer(http.StatusBadRequest, "Invalid sort", err.Error())
		}
		return s.pageLocked(r, len(items), func(i int) any { return items[i] }, q.Get("q") == "")
	}())
}
