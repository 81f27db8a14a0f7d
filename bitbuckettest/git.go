package bitbuckettest

import (
	"crypto/sha1"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// This file is the fakes' model of a repository's git data, shared by both providers: branches
// with head commits, tags, files at commits, and the build statuses reported on commits. Every
// repository starts with its default branch at one initial commit holding no files.

// gitData is the git side of one repository.
type gitData struct {
	branches map[string]string            // branch name -> head commit
	tags     map[string]string            // tag name -> commit
	trees    map[string]map[string][]byte // commit -> path -> content
	statuses map[string][]StatusInfo      // commit -> statuses, in order of first report
	messages map[string]string            // commit -> message
	times    map[string]time.Time         // commit -> author time
	parents  map[string]string            // commit -> parent ("" for the first)
	authors  map[string]string            // commit -> author username
}

// StatusInfo is a build status stored on a fake commit, as a client reported it.
type StatusInfo struct {
	Key         string
	State       string // the provider's own state: INPROGRESS, SUCCESSFUL, FAILED, STOPPED, CANCELLED
	Name        string
	Description string
	URL         string
	// Legacy is true for a Data Center status reported through the build-status 1.0 root, which
	// names no repository.
	Legacy  bool
	Updated time.Time
}

// fakeCommit returns a deterministic 40-hex commit hash for seed.
func fakeCommit(seed string) string {
	sum := sha1.Sum([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// gitLocked returns the git data of repo, creating its default branch on first use.
func (s *Server) gitLocked(r *repository) *gitData {
	if r.git == nil {
		ref := r.Namespace + "/" + r.Slug
		head := fakeCommit(ref + "@initial")
		r.git = &gitData{
			branches: map[string]string{r.DefaultBranch: head},
			tags:     map[string]string{},
			trees:    map[string]map[string][]byte{head: {}},
			statuses: map[string][]StatusInfo{},
			messages: map[string]string{head: "Initial commit"},
			times:    map[string]time.Time{head: r.created},
			parents:  map[string]string{head: ""},
			authors:  map[string]string{head: ""},
		}
	}
	return r.git
}

// resolveLocked finds the commit a ref names: a branch (short or refs/heads/ name), a tag, or a
// full commit hash. ok is false when it names nothing.
func (g *gitData) resolveLocked(ref string) (commit string, ok bool) {
	if c, ok := g.branches[strings.TrimPrefix(ref, "refs/heads/")]; ok {
		return c, true
	}
	if c, ok := g.tags[strings.TrimPrefix(ref, "refs/tags/")]; ok {
		return c, true
	}
	if _, ok := g.trees[ref]; ok {
		return ref, true
	}
	return "", false
}

// commitLocked adds a commit on branch with tree, moving the branch's head, and returns it.
func (g *gitData) commitLocked(branch string, tree map[string][]byte, message string, at time.Time) string {
	parent := g.branches[branch]
	c := fakeCommit(parent + "/" + branch + "/" + message + "/" + at.String())
	g.trees[c] = tree
	g.messages[c] = message
	g.times[c] = at
	g.parents[c] = parent
	g.branches[branch] = c
	return c
}

// AddBranch creates branch in repo at the head of from ("" for the default branch) and returns its
// head commit. An existing branch is left where it is.
func (s *Server) AddBranch(repo bitbucket.RepoRef, name, from string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepoLocked(repo)
	g := s.gitLocked(r)
	if c, ok := g.branches[name]; ok {
		return c
	}
	if from == "" {
		from = r.DefaultBranch
	}
	c, ok := g.resolveLocked(from)
	if !ok {
		panic("bitbuckettest: AddBranch: unknown ref " + from)
	}
	g.branches[name] = c
	return c
}

// AddBranches creates n branches named prefix-00001, prefix-00002, … at the default branch.
func (s *Server) AddBranches(repo bitbucket.RepoRef, prefix string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepoLocked(repo)
	g := s.gitLocked(r)
	head := g.branches[r.DefaultBranch]
	for i := 1; i <= n; i++ {
		g.branches[prefix+"-"+pad5(i)] = head
	}
}

// AddTag creates tag name at the commit that ref names, and returns that commit.
func (s *Server) AddTag(repo bitbucket.RepoRef, name, ref string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gitLocked(s.mustRepoLocked(repo))
	c, ok := g.resolveLocked(ref)
	if !ok {
		panic("bitbuckettest: AddTag: unknown ref " + ref)
	}
	g.tags[name] = c
	return c
}

// PutFile commits content at path on branch (created at the default branch when missing) and
// returns the new head commit. Earlier commits keep their files.
func (s *Server) PutFile(repo bitbucket.RepoRef, branch, path string, content []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepoLocked(repo)
	g := s.gitLocked(r)
	head, ok := g.branches[branch]
	if !ok {
		head = g.branches[r.DefaultBranch]
	}
	tree := maps.Clone(g.trees[head])
	tree[strings.TrimPrefix(path, "/")] = slices.Clone(content)
	s.nextID++
	at := r.created.Add(time.Duration(s.nextID) * time.Second)
	if _, ok := g.branches[branch]; !ok {
		g.branches[branch] = head
	}
	return g.commitLocked(branch, tree, "Update "+path, at)
}

// Head returns the head commit of branch in repo, "" when there is no such branch.
func (s *Server) Head(repo bitbucket.RepoRef, branch string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gitLocked(s.mustRepoLocked(repo)).branches[branch]
}

// Statuses returns the build statuses stored on commit of repo, in the order first reported; Data
// Center statuses reported through the legacy build-status root (which names no repository) are
// included with Legacy set.
func (s *Server) Statuses(repo bitbucket.RepoRef, commit string) []StatusInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.gitLocked(s.mustRepoLocked(repo)).statuses[commit])
	return append(out, s.legacyStatuses[commit]...)
}

// putStatusLocked stores st on commit in list, replacing the status with the same key.
func putStatusLocked(list []StatusInfo, st StatusInfo) []StatusInfo {
	for i := range list {
		if list[i].Key == st.Key {
			list[i] = st
			return list
		}
	}
	return append(list, st)
}

// mustRepoLocked is the seeded repository ref; a test that names an unseeded one is wrong.
func (s *Server) mustRepoLocked(ref bitbucket.RepoRef) *repository {
	r, ok := s.repos[ref]
	if !ok {
		panic("bitbuckettest: repository " + ref.String() + " is not seeded")
	}
	return r
}

// AddLimitedToken makes tok authenticate as username with at most permission max, whatever the
// user holds: a Data Center HTTP access token created with fewer rights than its owner, or a Cloud
// token with narrower scopes. The Data Center fake answers pessimistically: its repository
// listings filtered by permission answer for the owner, while endpoints that need a permission
// (listing a repository's webhooks) check the token's own.
func (s *Server) AddLimitedToken(tok, username string, max bitbucket.Permission, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = &token{username: username, scopes: scopes, limited: true, maxPerm: max}
}

// AddNamespaceHook stores a webhook on a whole namespace (a Data Center project hook or a Cloud
// workspace hook), which fires for every repository in it, and returns its id.
func (s *Server) AddNamespaceHook(ns string, h HookInfo) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := h.ID
	if id == "" {
		id = itoa(s.nextID)
		if s.provider == bitbucket.Cloud {
			id = fakeUUID(s.nextID)
		}
	}
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.nextID) * time.Minute)
	s.nsHooks[ns] = append(s.nsHooks[ns], &hook{id: id, url: h.URL, description: h.Description,
		events: slices.Clone(h.Events), active: h.Active, secret: h.Secret, created: t, updated: t})
	return id
}

// NamespaceHooks returns the webhooks stored on namespace ns, in the order they were created.
func (s *Server) NamespaceHooks(ns string) []HookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]HookInfo, 0, len(s.nsHooks[ns]))
	for _, h := range s.nsHooks[ns] {
		out = append(out, HookInfo{ID: h.id, URL: h.url, Description: h.description,
			Events: slices.Clone(h.events), Active: h.active, Secret: h.secret})
	}
	return out
}
