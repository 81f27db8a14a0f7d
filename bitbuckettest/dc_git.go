package bitbuckettest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// The Data Center fake's git routes: branches, the default branch, tags, commits, raw files at a
// ref, and build statuses (the repository builds resource from 7.4 and the build-status 1.0 root).

const (
	excNoSuchPath   = "com.atlassian.bitbucket.content.NoSuchPathException"
	excNoSuchCommit = "com.atlassian.bitbucket.commit.NoSuchCommitException"
)

// dcBranchJSON is a RestBranch as real servers send it: the default is marked isDefault.
type dcBranchJSON struct {
	ID              string `json:"id"`
	DisplayID       string `json:"displayId"`
	Type            string `json:"type"`
	LatestCommit    string `json:"latestCommit"`
	LatestChangeset string `json:"latestChangeset"`
	IsDefault       bool   `json:"isDefault"`
}

// dcTagJSON is a RestTag.
type dcTagJSON struct {
	ID              string `json:"id"`
	DisplayID       string `json:"displayId"`
	Type            string `json:"type"`
	LatestCommit    string `json:"latestCommit"`
	LatestChangeset string `json:"latestChangeset"`
	Hash            string `json:"hash"`
}

// dcGitRoutes registers the git routes: branches, tags, commits, raw files and build statuses
// (the legacy build-status root is outside /rest/api, so it goes on mux).
func (s *Server) dcGitRoutes(api dcRouter, mux *http.ServeMux) {
	api("GET", "/projects/{key}/repos/{slug}/branches", s.dcListBranches)
	api("GET", "/projects/{key}/repos/{slug}/branches/default", s.dcLegacyDefaultBranch)
	api("GET", "/projects/{key}/repos/{slug}/tags", s.dcListTags)
	api("GET", "/projects/{key}/repos/{slug}/commits/{commitId}", s.dcGetCommit)
	api("GET", "/projects/{key}/repos/{slug}/raw/{path...}", s.dcRawFile)
	api("POST", "/projects/{key}/repos/{slug}/commits/{commitId}/builds", s.dcAddBuild)
	for _, v := range []string{"1.0", "latest"} {
		mux.Handle("POST "+dcContextPath+"/rest/build-status/"+v+"/commits/{commitId}", s.dcAuth(s.dcAddLegacyBuild))
	}
}

// dcListBranches answers GET …/branches: the repository's branches by name, filtered by
// filterText (a case-insensitive substring).
func (s *Server) dcListBranches(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionRead)
	if !ok {
		return
	}
	g := s.gitLocked(repo)
	filter := strings.ToLower(r.URL.Query().Get("filterText"))
	names := make([]string, 0, len(g.branches))
	for name := range g.branches {
		if filter == "" || strings.Contains(strings.ToLower(name), filter) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := make([]dcBranchJSON, 0, len(names))
	for _, name := range names {
		out = append(out, dcBranchJSON{ID: "refs/heads/" + name, DisplayID: name, Type: "BRANCH",
			LatestCommit: g.branches[name], LatestChangeset: g.branches[name], IsDefault: name == repo.DefaultBranch})
	}
	if page, ok := dcPaginate(s, w, r, out); ok {
		writeJSON(w, http.StatusOK, page)
	}
}

// dcLegacyDefaultBranch answers the deprecated GET …/branches/default with the default RestBranch,
// or 204 with no body when the default branch does not exist (an empty repository).
func (s *Server) dcLegacyDefaultBranch(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionRead)
	if !ok {
		return
	}
	g := s.gitLocked(repo)
	head, ok := g.branches[repo.DefaultBranch]
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, dcBranchJSON{ID: "refs/heads/" + repo.DefaultBranch, DisplayID: repo.DefaultBranch,
		Type: "BRANCH", LatestCommit: head, LatestChangeset: head, IsDefault: true})
}

// dcListTags answers GET …/tags, filtered by filterText.
func (s *Server) dcListTags(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionRead)
	if !ok {
		return
	}
	g := s.gitLocked(repo)
	filter := strings.ToLower(r.URL.Query().Get("filterText"))
	var names []string
	for name := range g.tags {
		if filter == "" || strings.Contains(strings.ToLower(name), filter) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := make([]dcTagJSON, 0, len(names))
	for _, name := range names {
		c := g.tags[name]
		out = append(out, dcTagJSON{ID: "refs/tags/" + name, DisplayID: name, Type: "TAG", LatestCommit: c, LatestChangeset: c, Hash: c})
	}
	if page, ok := dcPaginate(s, w, r, out); ok {
		writeJSON(w, http.StatusOK, page)
	}
}

// dcCommitJSON is a RestCommit.
type dcCommitJSON struct {
	ID                 string            `json:"id"`
	DisplayID          string            `json:"displayId"`
	Message            string            `json:"message"`
	Author             dcPersonJSON      `json:"author"`
	AuthorTimestamp    any               `json:"authorTimestamp"` // epoch ms; an ISO string from 10.0
	Committer          dcPersonJSON      `json:"committer"`
	CommitterTimestamp any               `json:"committerTimestamp"`
	Parents            []dcMinimalCommit `json:"parents"`
}

type dcPersonJSON struct {
	Name         string `json:"name"`
	EmailAddress string `json:"emailAddress"`
}

type dcMinimalCommit struct {
	ID        string `json:"id"`
	DisplayID string `json:"displayId"`
}

// dcGetCommit answers GET …/commits/{commitId}, where commitId is a hash, branch or tag.
func (s *Server) dcGetCommit(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionRead)
	if !ok {
		return
	}
	g := s.gitLocked(repo)
	id, ok := g.resolveLocked(r.PathValue("commitId"))
	if !ok {
		s.writeError(w, http.StatusNotFound, "Commit '"+r.PathValue("commitId")+"' does not exist in repository '"+repo.Slug+"'.", excNoSuchCommit)
		return
	}
	author := dcPersonJSON{Name: "Fake Author", EmailAddress: "author@example.com"}
	if u := s.users[g.authors[id]]; u != nil {
		author = dcPersonJSON{Name: u.Username, EmailAddress: u.Email}
	}
	at := s.dcDateLocked(g.times[id])
	body := dcCommitJSON{ID: id, DisplayID: id[:11], Message: g.messages[id], Author: author, AuthorTimestamp: at,
		Committer: author, CommitterTimestamp: at, Parents: []dcMinimalCommit{}}
	if p := g.parents[id]; p != "" {
		body.Parents = append(body.Parents, dcMinimalCommit{ID: p, DisplayID: p[:11]})
	}
	writeJSON(w, http.StatusOK, body)
}

// dcRawFile answers GET …/raw/{path}?at={ref}: the file's bytes at ref (the default branch when
// at is absent), 404 NoSuchPathException when the file or the ref does not exist.
func (s *Server) dcRawFile(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionRead)
	if !ok {
		return
	}
	g := s.gitLocked(repo)
	at := r.URL.Query().Get("at")
	if at == "" {
		at = repo.DefaultBranch
	}
	path := r.PathValue("path")
	commit, ok := g.resolveLocked(at)
	content, found := g.trees[commit][path]
	if !ok || !found {
		s.writeError(w, http.StatusNotFound, "The path \""+path+"\" does not exist at revision \""+at+"\"", excNoSuchPath)
		return
	}
	w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(content)
}

// dcBuildInput is RestBuildStatusSetRequest (the legacy root takes the same fields).
type dcBuildInput struct {
	Key         string `json:"key"`
	State       string `json:"state"`
	URL         string `json:"url"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// dcDecodeBuildLocked reads and validates a build status body: key, state and url are required,
// and the state must be one the fake's version knows (CANCELLED from 9.2). It writes a 400 and
// returns false when the body is unusable.
func (s *Server) dcDecodeBuildLocked(w http.ResponseWriter, r *http.Request) (StatusInfo, bool) {
	var in dcBuildInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		s.writeError(w, http.StatusBadRequest, "The request body could not be read as a build status.", excBadRequest)
		return StatusInfo{}, false
	}
	states := []string{"INPROGRESS", "SUCCESSFUL", "FAILED"}
	if s.dcVersionAtLeastLocked(9, 2) {
		states = append(states, "CANCELLED", "UNKNOWN")
	}
	switch {
	case in.Key == "" || len(in.Key) > 255:
		dcWriteValidationError(w, "key", "A build key of at most 255 characters is required.")
		return StatusInfo{}, false
	case in.URL == "":
		dcWriteValidationError(w, "url", "A build URL is required.")
		return StatusInfo{}, false
	case !slices.Contains(states, in.State):
		dcWriteValidationError(w, "state", "The build state '"+in.State+"' is not valid.")
		return StatusInfo{}, false
	}
	return StatusInfo{Key: in.Key, State: in.State, Name: in.Name, Description: in.Description, URL: in.URL,
		Updated: time.Now().Truncate(time.Millisecond)}, true
}

// dcAddBuild answers POST …/commits/{commitId}/builds (7.4 and later; REPO_READ): an upsert by
// key on a commit of the repository, 204.
func (s *Server) dcAddBuild(w http.ResponseWriter, r *http.Request, c dcCaller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dcVersionAtLeastLocked(7, 4) {
		s.writeError(w, http.StatusNotFound, "The requested resource does not exist.", excNoSuchResource)
		return
	}
	repo, ok := s.dcRepoForLocked(w, r, c, bitbucket.PermissionRead)
	if !ok {
		return
	}
	g := s.gitLocked(repo)
	commit := r.PathValue("commitId")
	if _, ok := g.trees[commit]; !ok {
		s.writeError(w, http.StatusNotFound, "Commit '"+commit+"' does not exist in repository '"+repo.Slug+"'.", excNoSuchCommit)
		return
	}
	st, ok := s.dcDecodeBuildLocked(w, r)
	if !ok {
		return
	}
	g.statuses[commit] = putStatusLocked(g.statuses[commit], st)
	w.WriteHeader(http.StatusNoContent)
}

// dcAddLegacyBuild answers POST /rest/build-status/1.0/commits/{commitId}: the root that names no
// repository, every version; any authenticated user, 204.
func (s *Server) dcAddLegacyBuild(w http.ResponseWriter, r *http.Request, c dcCaller) {
	if c.anonymous() {
		s.writeError(w, http.StatusUnauthorized, msgNotPermitted, excAuthorisation)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.dcDecodeBuildLocked(w, r)
	if !ok {
		return
	}
	st.Legacy = true
	commit := r.PathValue("commitId")
	s.legacyStatuses[commit] = putStatusLocked(s.legacyStatuses[commit], st)
	w.WriteHeader(http.StatusNoContent)
}
