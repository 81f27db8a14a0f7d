package bitbuckettest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// AddBotToken makes tok a Data Center project or repository HTTP access token: it acts as a
// generated bot user holding p on scope (a whole project when scope.Slug is ""), and returns that
// user's name. The bot has no user record: GET users/{slug} answers 404 for it and the users list
// leaves it out, as the reference leaves open whether real servers answer for it.
func (s *Server) AddBotToken(tok string, scope bitbucket.RepoRef, p bitbucket.Permission) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	name := "bot-" + strings.ToLower(strings.Trim(scope.Namespace+"-"+scope.Slug, "-")) + "-" + itoa(s.nextID)
	s.tokens[tok] = &token{username: name}
	s.perms[grantKey{name, scope}] = p
	return name
}

// dcTokenRoutes registers the user search, where a bot token's user is found.
func (s *Server) dcTokenRoutes(api dcRouter) {
	api("GET", "/users", s.dcListUsers)
}

// dcListUsers answers GET users?filter=: the seeded users whose name, display name or email
// contains filter (case-insensitive), by name.
func (s *Server) dcListUsers(w http.ResponseWriter, r *http.Request, c dcCaller) {
	if c.anonymous() {
		s.writeError(w, http.StatusUnauthorized, msgNotPermitted, excAuthorisation)
		return
	}
	filter := strings.ToLower(r.URL.Query().Get("filter"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dcUserJSON
	for _, name := range sortedKeys(s.users) {
		u := s.users[name]
		if filter == "" || strings.Contains(strings.ToLower(u.Username+" "+u.DisplayName+" "+u.Email), filter) {
			out = append(out, dcUser(u))
		}
	}
	if page, ok := dcPaginate(s, w, r, out); ok {
		writeJSON(w, http.StatusOK, page)
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
