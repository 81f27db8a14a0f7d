package bitbuckettest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The Cloud fake's routes over the shared git model (git.go): branches and tags (refs/),
// commits, files at a commit (src/) and build statuses.

var refQueryFields = []string{"name", "target.hash"}

// cloudStates are the build states Cloud accepts.
var cloudStates = []string{"INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED"}

// maxStatusBody bounds a build-status request body.
const maxStatusBody = 16 << 10

// serveCloudGit routes the git routes under /repositories/{ws}/{slug}/; it reports false for a
// path that is none of them.
func (s *Server) serveCloudGit(w http.ResponseWriter, r *http.Request, c *caller, seg []string) bool {
	if len(seg) < 4 || seg[0] != "repositories" {
		return false
	}
	ws, slug := seg[1], seg[2]
	switch {
	case match(seg, "repositories", "*", "*", "refs", "branches"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) { s.cloudRefs(w, r, c, ws, slug, "branch", "") }, http.MethodGet)
	case match(seg, "repositories", "*", "*", "refs", "branches", "*"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) {
			s.cloudRefs(w, r, c, ws, slug, "branch", seg[5])
		}, http.MethodGet)
	case match(seg, "repositories", "*", "*", "refs", "tags"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) { s.cloudRefs(w, r, c, ws, slug, "tag", "") }, http.MethodGet)
	case match(seg, "repositories", "*", "*", "refs", "tags", "*"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) { s.cloudRefs(w, r, c, ws, slug, "tag", seg[5]) }, http.MethodGet)
	case match(seg, "repositories", "*", "*", "commit", "*"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) { s.cloudCommit(w, r, c, ws, slug, seg[4]) }, http.MethodGet)
	case match(seg, "repositories", "*", "*", "commit", "*", "statuses", "build"):
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) { s.cloudPostStatus(w, r, c, ws, slug, seg[4]) }, http.MethodPost)
	case len(seg) >= 6 && seg[3] == "src":
		s.onlyMethods(w, r, c, func(w http.ResponseWriter, r *http.Request, c *caller) {
			s.cloudSrc(w, r, c, ws, slug, seg[4], strings.Join(seg[5:], "/"))
		}, http.MethodGet)
	default:
		return false
	}
	return true
}

// gitRepoLocked checks the caller's scopes and sight of the repository and returns it with its
// git data.
func (s *Server) gitRepoLocked(c *caller, ws, slug string) (*repository, *gitData, *answer) {
	if a := c.scopeError(needRepo); a != nil {
		return nil, nil, a
	}
	repo, a := s.visibleRepoLocked(c, ws, slug)
	if a != nil {
		return nil, nil, a
	}
	return repo, s.gitLocked(repo), nil
}

// gitCommitJSON is a commit object of the git model.
func (s *Server) gitCommitJSON(repo *repository, g *gitData, commit string) map[string]any {
	api := s.URL() + "/repositories/" + esc(repo.Namespace) + "/" + esc(repo.Slug)
	author := g.authors[commit]
	if author == "" {
		author = "Fake Author"
	}
	parents := []any{}
	if p := g.parents[commit]; p != "" {
		parents = append(parents, map[string]any{"type": "commit", "hash": p, "links": map[string]any{"self": link(api + "/commit/" + p)}})
	}
	return map[string]any{
		"type":    "commit",
		"hash":    commit,
		"date":    cloudTime(g.times[commit]),
		"message": g.messages[commit],
		"author":  map[string]any{"type": "author", "raw": author + " <" + strings.ToLower(strings.ReplaceAll(author, " ", ".")) + "@example.com>"},
		"parents": parents,
		"links":   map[string]any{"self": link(api + "/commit/" + commit), "html": link(s.Origin() + "/" + esc(repo.Namespace) + "/" + esc(repo.Slug) + "/commits/" + commit)},
	}
}

// cloudRefJSON is a branch or tag object.
func (s *Server) cloudRefJSON(repo *repository, g *gitData, kind, name, commit string) map[string]any {
	api := s.URL() + "/repositories/" + esc(repo.Namespace) + "/" + esc(repo.Slug)
	coll := "branches"
	if kind == "tag" {
		coll = "tags"
	}
	return map[string]any{
		"type":   kind,
		"name":   name,
		"target": s.gitCommitJSON(repo, g, commit),
		"links": map[string]any{
			"self":    link(api + "/refs/" + coll + "/" + esc(name)),
			"commits": link(api + "/commits/" + esc(name)),
			"html":    link(s.Origin() + "/" + esc(repo.Namespace) + "/" + esc(repo.Slug) + "/src/" + esc(name)),
		},
	}
}

// cloudRefs answers GET refs/branches, refs/tags (sorted by name, q= on the name) and one ref.
func (s *Server) cloudRefs(w http.ResponseWriter, r *http.Request, c *caller, ws, slug, kind, name string) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		repo, g, a := s.gitRepoLocked(c, ws, slug)
		if a != nil {
			return *a
		}
		refs := g.branches
		if kind == "tag" {
			refs = g.tags
		}
		if name != "" {
			commit, ok := refs[name]
			if !ok {
				return errorAnswer(http.StatusNotFound, fmt.Sprintf("%s not found", name), "")
			}
			return okAnswer(s.cloudRefJSON(repo, g, kind, name, commit))
		}
		names := make([]string, 0, len(refs))
		for n := range refs {
			names = append(names, n)
		}
		sort.Strings(names)
		items := make([]map[string]any, len(names))
		for i, n := range names {
			items[i] = s.cloudRefJSON(repo, g, kind, n, refs[n])
		}
		q := r.URL.Query()
		items, err := filterItems(items, q.Get("q"), refQueryFields)
		if err != nil {
			return errorAnswer(http.StatusBadRequest, "Invalid query", err.Error())
		}
		return s.pageLocked(r, len(items), func(i int) any { return items[i] }, true)
	}())
}

// cloudCommit answers GET commit/{commit}: a hash, a branch or a tag.
func (s *Server) cloudCommit(w http.ResponseWriter, r *http.Request, c *caller, ws, slug, ref string) {
	respond(w, r, func() answer {
		s.mu.Lock()
		defer s.mu.Unlock()
		repo, g, a := s.gitRepoLocked(c, ws, slug)
		if a != nil {
			return *a
		}
		commit, ok := g.resolveLocked(ref)
		if !ok {
			return errorAnswer(http.StatusNotFound, fmt.Sprintf("Commit not found: %s", ref), "")
		}
		return okAnswer(s.gitCommitJSON(repo, g, commit))
	}())
}

// cloudSrc answers GET src/{commit}/{path}: the raw bytes of a file, 404 when the ref or the path
// is unknown.
func (s *Server) cloudSrc(w http.ResponseWriter, r *http.Request, c *caller, ws, slug, ref, path string) {
	s.mu.Lock()
	_, g, a := s.gitRepoLocked(c, ws, slug)
	var content []byte
	found := false
	if a == nil {
		if commit, ok := g.resolveLocked(ref); ok {
			content, found = g.trees[commit][path]
			content = slices.Clone(content)
		}
	}
	s.mu.Unlock()
	switch {
	case a != nil:
		respond(w, r, *a)
	case !found:
		respond(w, r, errorAnswer(http.StatusNotFound, "No such file or directory: "+path, ""))
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(content)
	}
}

// cloudPostStatus answers POST commit/{commit}/statuses/build: an upsert by key, 201 with the
// stored commitstatus.
func (s *Server) cloudPostStatus(w http.ResponseWriter, r *http.Request, c *caller, ws, slug, commitRef string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxStatusBody+1))
	if err != nil || len(body) > maxStatusBody {
		writeCloudError(w, http.StatusBadRequest, "Invalid request body", "")
		return
	}
	respond(w, r, func() answer {
		var in struct {
			Key, State, Name, Description, URL string
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return errorAnswer(http.StatusBadRequest, "Bad request", "the body is not a commitstatus object")
		}
		switch {
		case in.Key == "" || len(in.Key) > 255:
			return errorAnswer(http.StatusBadRequest, "Bad request", "key: required, at most 255 characters")
		case !slices.Contains(cloudStates, in.State):
			return errorAnswer(http.StatusBadRequest, "Bad request", "state: one of "+strings.Join(cloudStates, ", "))
		case in.URL == "":
			return errorAnswer(http.StatusBadRequest, "Bad request", "url: required")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		repo, g, a := s.gitRepoLocked(c, ws, slug)
		if a != nil {
			return *a
		}
		commit, ok := g.resolveLocked(commitRef)
		if !ok || commit != commitRef {
			return errorAnswer(http.StatusNotFound, "Commit not found: "+commitRef, "")
		}
		now := time.Now().UTC()
		st := StatusInfo{Key: in.Key, State: in.State, Name: in.Name, Description: in.Description, URL: in.URL, Updated: now}
		g.statuses[commit] = putStatusLocked(g.statuses[commit], st)
		api := s.URL() + "/repositories/" + esc(repo.Namespace) + "/" + esc(repo.Slug) + "/commit/" + commit
		return answer{status: http.StatusCreated, body: map[string]any{
			"type": "build", "key": st.Key, "state": st.State, "name": st.Name, "description": st.Description,
			"url": st.URL, "refname": "", "created_on": cloudTime(now), "updated_on": cloudTime(now),
			"links": map[string]any{"self": link(api + "/statuses/build/" + esc(st.Key)), "commit": link(api)},
		}}
	}())
}

// SetAdminRightsUnlisted makes GET /user/workspaces/{workspace}/permissions/repositories leave out
// the rights a workspace administrator holds only by administering the workspace (on = true), or
// list them (false, the default). Whether Bitbucket lists them is unconfirmed; a client must give
// the same answer either way.
func (s *Server) SetAdminRightsUnlisted(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cloud.adminsUnlisted = on
}
