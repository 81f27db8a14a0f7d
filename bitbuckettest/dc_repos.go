package bitbuckettest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// dcProjectJSON is a RestProject.
type dcProjectJSON struct {
	Key         string `json:"key"`
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Public      bool   `json:"public"`
	Type        string `json:"type"`
}

// dcRepoJSON is a RestRepository. links is writeOnly in the spec, yet real servers return it and
// clients read clone URLs from it.
type dcRepoJSON struct {
	Slug          string        `json:"slug"`
	ID            int           `json:"id"`
	Name          string        `json:"name"`
	Description   string        `json:"description,omitempty"`
	HierarchyID   string        `json:"hierarchyId"`
	ScmID         string        `json:"scmId"`
	State         string        `json:"state"`
	StatusMessage string        `json:"statusMessage"`
	Forkable      bool          `json:"forkable"`
	Project       dcProjectJSON `json:"project"`
	Public        bool          `json:"public"`
	Archived      bool          `json:"archived"`
	Links         dcRepoLinks   `json:"links"`
}

type dcRepoLinks struct {
	Clone []dcLink `json:"clone"`
	Self  []dcLink `json:"self"`
}

type dcLink struct {
	Href string `json:"href"`
	Name string `json:"name,omitempty"`
}

// dcProjectLocked renders ns as a RestProject.
func (s *Server) dcProjectLocked(ns *namespace) dcProjectJSON {
	p := dcProjectJSON{Key: ns.Key, ID: ns.id, Name: ns.Name, Public: ns.Public, Type: "NORMAL"}
	if ns.Personal {
		// A personal project is named after its owner; the spec forbids a name starting with "~".
		p.Type = "PERSONAL"
		if p.Name == "" || strings.HasPrefix(p.Name, "~") {
			owner := strings.TrimPrefix(ns.Key, "~")
			p.Name = owner
			if u := s.users[owner]; u != nil && u.DisplayName != "" {
				p.Name = u.DisplayName
			}
		}
	}
	if p.Name == "" {
		p.Name = ns.Key
	}
	return p
}

// dcRepoLocked renders r as a RestRepository.
func (s *Server) dcRepoLocked(r *repository) dcRepoJSON {
	ns := s.namespaces[r.Namespace]
	base := s.URL()
	scmPath := strings.ToLower(r.Namespace) + "/" + r.Slug + ".git"
	browse := base + "/projects/" + url.PathEscape(r.Namespace) + "/repos/" + url.PathEscape(r.Slug) + "/browse"
	if ns.Personal {
		browse = base + "/users/" + url.PathEscape(strings.TrimPrefix(r.Namespace, "~")) + "/repos/" +
			url.PathEscape(r.Slug) + "/browse"
	}
	host := strings.TrimPrefix(s.Origin(), "http://")
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	return dcRepoJSON{
		Slug: r.Slug, ID: r.id, Name: r.Name, Description: r.Description,
		HierarchyID: fmt.Sprintf("%020x", r.id),
		ScmID:       "git", State: "AVAILABLE", StatusMessage: "Available", Forkable: true,
		Project: s.dcProjectLocked(ns), Public: r.Public, Archived: r.Archived,
		Links: dcRepoLinks{
			Clone: []dcLink{
				{Href: base + "/scm/" + scmPath, Name: "http"},
				{Href: "ssh://git@" + host + ":7999/" + scmPath, Name: "ssh"},
			},
			Self: []dcLink{{Href: browse}},
		},
	}
}

// dcProjectVisibleLocked reports whether c may see ns: a public project, a grant on it or on one of
// its repositories, a public repository in it, or c's own personal project.
func (s *Server) dcProjectVisibleLocked(c dcCaller, ns *namespace) bool {
	if ns.Public {
		return true
	}
	if ns.Personal && !c.anonymous() && strings.EqualFold(strings.TrimPrefix(ns.Key, "~"), c.username) {
		return true
	}
	if s.perms[grantKey{c.username, bitbucket.RepoRef{Namespace: ns.Key}}] > bitbucket.PermissionNone && !c.anonymous() {
		return true
	}
	for ref := range s.repos {
		if ref.Namespace == ns.Key && s.dcEffectiveLocked(c, ref) >= bitbucket.PermissionRead {
			return true
		}
	}
	return false
}

// dcRepoRoutes registers the project and repository routes.
func (s *Server) dcRepoRoutes(api dcRouter) {
	api("GET", "/projects", s.dcListProjects)
	api("GET", "/projects/{key}", s.dcGetProject)
	api("GET", "/projects/{key}/repos", s.dcListProjectRepos)
	api("GET", "/projects/{key}/repos/{slug}", s.dcGetRepo)
	api("GET", "/projects/{key}/repos/{slug}/default-branch", s.dcDefaultBranch)
	api("GET", "/repos", s.dcListRepos)
}

// dcListProjects answers GET projects: the projects c can see, filtered by name (a
// case-insensitive substring) and permission. Another user's personal project is never listed.
func (s *Server) dcListProjects(w http.ResponseWriter, r *http.Request, c dcCaller) {
	q := r.URL.Query()
	name := strings.ToLower(q.Get("name"))
	var need bitbucket.Permission
	switch q.Get("permission") {
	case "", "PROJECT_VIEW", "PROJECT_READ":
	case "PROJECT_WRITE":
		need = bitbucket.PermissionWrite
	case "PROJECT_ADMIN":
		need = bitbucket.PermissionAdmin
	default:
		s.writeError(w, http.StatusBadRequest, "The permission level is unknown or not related to projects.", excBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dcProjectJSON
	for _, key := range s.nsOrder {
		ns := s.namespaces[key]
		if ns.Personal && (c.anonymous() || !strings.EqualFold(strings.TrimPrefix(ns.Key, "~"), c.username)) {
			continue
		}
		if !s.dcProjectVisibleLocked(c, ns) {
			continue
		}
		if need > bitbucket.PermissionNone &&
			min(s.perms[grantKey{c.username, bitbucket.RepoRef{Namespace: ns.Key}}], c.cap) < need {
			continue
		}
		p := s.dcProjectLocked(ns)
		if name != "" && !strings.Contains(strings.ToLower(p.Name), name) {
			continue
		}
		out = append(out, p)
	}
	if page, ok := dcPaginate(s, w, r, out); ok {
		writeJSON(w, http.StatusOK, page)
	}
}

// dcGetProject answers GET projects/{key}.
func (s *Server) dcGetProject(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, ok := s.dcVisibleProjectLocked(w, r, c)
	if ok {
		writeJSON(w, http.StatusOK, s.dcProjectLocked(ns))
	}
}

// dcVisibleProjectLocked finds the project of the request's {key} and writes 404 when it does not
// exist or 401 when c may not see it.
func (s *Server) dcVisibleProjectLocked(w http.ResponseWriter, r *http.Request, c dcCaller) (*namespace, bool) {
	key := r.PathValue("key")
	ns := s.dcFindNamespaceLocked(key)
	if ns == nil {
		s.writeError(w, http.StatusNotFound, "Project "+key+" does not exist.", excNoSuchProject)
		return nil, false
	}
	if !s.dcProjectVisibleLocked(c, ns) {
		s.writeError(w, http.StatusUnauthorized, msgNotPermitted, excAuthorisation)
		return nil, false
	}
	return ns, true
}

// dcListProjectRepos answers GET projects/{key}/repos: the project's repositories c can read,
// archived ones included.
func (s *Server) dcListProjectRepos(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, ok := s.dcVisibleProjectLocked(w, r, c)
	if !ok {
		return
	}
	var out []dcRepoJSON
	for _, repo := range s.dcSortedReposLocked() {
		ref := bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}
		if repo.Namespace == ns.Key && s.dcEffectiveLocked(c, ref) >= bitbucket.PermissionRead {
			out = append(out, s.dcRepoLocked(repo))
		}
	}
	if page, ok := dcPaginate(s, w, r, out); ok {
		writeJSON(w, http.StatusOK, page)
	}
}

// dcRepoForLocked finds the repository of the request's {key} and {slug} and checks that c holds at
// least need on it. It writes 404 for a missing project or repository and 401
// (AuthorisationException) for one c may not use that way.
func (s *Server) dcRepoForLocked(w http.ResponseWriter, r *http.Request, c dcCaller, need bitbucket.Permission) (*repository, bool) {
	key, slug := r.PathValue("key"), r.PathValue("slug")
	ns, repo := s.dcFindRepoLocked(key, slug)
	switch {
	case ns == nil:
		s.writeError(w, http.StatusNotFound, "Project "+key+" does not exist.", excNoSuchProject)
		return nil, false
	case repo == nil:
		s.writeError(w, http.StatusNotFound, "Repository "+key+"/"+slug+" does not exist.", excNoSuchRepo)
		return nil, false
	case s.dcEffectiveLocked(c, bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}) < need:
		s.writeError(w, http.StatusUnauthorized, msgNotPermitted, excAuthorisation)
		return nil, false
	}
	return repo, true
}

// dcGetRepo answers GET projects/{key}/repos/{slug}.
func (s *Server) dcGetRepo(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionRead); ok {
		writeJSON(w, http.StatusOK, s.dcRepoLocked(repo))
	}
}

// dcDefaultBranch answers GET projects/{key}/repos/{slug}/default-branch with a RestMinimalRef
// (7.0 and later; older servers do not have the resource).
func (s *Server) dcDefaultBranch(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dcVersionAtLeastLocked(7, 0) {
		s.writeError(w, http.StatusNotFound, "The requested resource does not exist.", excNoSuchResource)
		return
	}
	if repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionRead); ok {
		writeJSON(w, http.StatusOK, map[string]string{
			"id": "refs/heads/" + repo.DefaultBranch, "displayId": repo.DefaultBranch, "type": "BRANCH"})
	}
}

// dcListRepos answers GET repos with its filters: name and projectname (case-insensitive
// substrings), projectkey, permission, visibility, state and archived (ACTIVE by default). Before
// 8.0, projectkey and archived are ignored, as those servers do not know them.
func (s *Server) dcListRepos(w http.ResponseWriter, r *http.Request, c dcCaller) {
	q := r.URL.Query()
	need := bitbucket.PermissionRead
	switch q.Get("permission") {
	case "", "REPO_READ":
	case "REPO_WRITE":
		need = bitbucket.PermissionWrite
	case "REPO_ADMIN":
		need = bitbucket.PermissionAdmin
	default:
		s.writeError(w, http.StatusBadRequest, "The permission level is unknown or not related to repositories.", excBadRequest)
		return
	}
	visibility := q.Get("visibility")
	if visibility != "" && visibility != "public" && visibility != "private" {
		s.writeError(w, http.StatusBadRequest, "The visibility parameter contains an invalid value.", excBadRequest)
		return
	}
	state := q.Get("state")
	if state != "" && state != "AVAILABLE" && state != "INITIALISING" && state != "INITIALISATION_FAILED" {
		s.writeError(w, http.StatusBadRequest, "The state parameter contains an invalid value.", excBadRequest)
		return
	}
	name := strings.ToLower(q.Get("name"))
	projectName := strings.ToLower(q.Get("projectname"))
	s.mu.Lock()
	defer s.mu.Unlock()
	projectKey, archived := "", "ALL"
	if s.dcVersionAtLeastLocked(8, 0) {
		projectKey = q.Get("projectkey")
		archived = strings.ToUpper(q.Get("archived"))
		switch archived {
		case "":
			archived = "ACTIVE"
		case "ACTIVE", "ARCHIVED", "ALL":
		default:
			s.writeError(w, http.StatusBadRequest, "The archived parameter contains an invalid value.", excBadRequest)
			return
		}
	}
	explicitRead := q.Get("permission") != ""
	var out []dcRepoJSON
	for _, repo := range s.dcSortedReposLocked() {
		ref := bitbucket.RepoRef{Namespace: repo.Namespace, Slug: repo.Slug}
		ns := s.namespaces[repo.Namespace]
		public := repo.Public || ns.Public
		switch {
		case c.anonymous() && explicitRead, // anonymous callers asking for a permission get nothing
			explicitRead && s.dcOwnerLocked(c, ref) < need,
			!explicitRead && s.dcEffectiveLocked(c, ref) < need,
			name != "" && !strings.Contains(strings.ToLower(repo.Name), name),
			projectName != "" && !strings.Contains(strings.ToLower(s.dcProjectLocked(ns).Name), projectName),
			projectKey != "" && !strings.EqualFold(projectKey, repo.Namespace),
			visibility == "public" && !public,
			visibility == "private" && public,
			state != "" && state != "AVAILABLE",
			archived == "ACTIVE" && repo.Archived,
			archived == "ARCHIVED" && !repo.Archived:
			continue
		}
		out = append(out, s.dcRepoLocked(repo))
	}
	if page, ok := dcPaginate(s, w, r, out); ok {
		writeJSON(w, http.StatusOK, page)
	}
}
