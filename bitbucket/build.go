package bitbucket

import (
	"fmt"
	"log/slog"
)

// Branch is a branch of a repository.
type Branch struct {
	Name    string // short name: "main", "feature/x"
	Commit  string // the head commit's full hash
	Default bool   // the repository's default branch; exactly one branch of a listing has it
}

// ListBranchesOptions selects branches. The zero value lists every branch, a page of the
// provider's maximum size at a time.
type ListBranchesOptions struct {
	Query    string // case-insensitive substring of the branch name
	PageSize int    // 0: the provider's maximum
	Cursor   string // resume from Page.Next
}

// BuildState is the neutral state of a build reported on a commit.
type BuildState string

// The build states. Each maps onto the provider's own (Cloud INPROGRESS, SUCCESSFUL, FAILED,
// STOPPED; Data Center INPROGRESS, SUCCESSFUL, FAILED, and CANCELLED where the version has it).
const (
	BuildInProgress BuildState = "in_progress"
	BuildSuccessful BuildState = "successful"
	BuildFailed     BuildState = "failed"
	BuildStopped    BuildState = "stopped" // Data Center versions without a stopped state get failed
)

// Valid reports whether s is one of the build states.
func (s BuildState) Valid() bool {
	switch s {
	case BuildInProgress, BuildSuccessful, BuildFailed, BuildStopped:
		return true
	}
	return false
}

// CommitStatus is the status of one build on a commit, as SetCommitStatus reports it.
type CommitStatus struct {
	// Key identifies the build; a later status with the same key replaces it.
	Key         string
	State       BuildState
	Name        string
	Description string
	URL         string // where the build's page is
}

// Validate reports what makes s unusable, as an error wrapping ErrInvalidInput.
func (s CommitStatus) Validate() error {
	switch {
	case s.Key == "":
		return fmt.Errorf("%w: commit status has no Key", ErrInvalidInput)
	case len(s.Key) > 255:
		return fmt.Errorf("%w: commit status Key is longer than 255 bytes", ErrInvalidInput)
	case !s.State.Valid():
		return fmt.Errorf("%w: commit status State %q is not a build state", ErrInvalidInput, s.State)
	case s.URL == "":
		return fmt.Errorf("%w: commit status has no URL (both providers require one)", ErrInvalidInput)
	}
	return nil
}

// GitCredentials are the username and password for git over HTTPS (clone, fetch) with a
// connection's credentials. Password is a secret: String, GoString, every fmt verb, slog and
// JSON show the username only.
type GitCredentials struct {
	Username string
	Password string
}

// String shows the username and hides the password.
func (g GitCredentials) String() string {
	return fmt.Sprintf("bitbucket.GitCredentials{Username: %q, Password: REDACTED}", g.Username)
}

// GoString is String, so that %#v hides the password too.
func (g GitCredentials) GoString() string { return g.String() }

// Format prints String whatever the verb.
func (g GitCredentials) Format(f fmt.State, _ rune) { fmt.Fprint(f, g.String()) }

// LogValue shows the username only.
func (g GitCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", g.Username), slog.String("password", "REDACTED"))
}

// MarshalJSON writes the username only.
func (g GitCredentials) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"username":%q,"password":"REDACTED"}`, g.Username), nil
}
