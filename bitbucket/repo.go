package bitbucket

import (
	"fmt"
	"strings"
	"unicode"
)

// Provider names a Bitbucket product.
type Provider string

// The providers bbconnect supports.
const (
	Cloud  Provider = "cloud"  // Bitbucket Cloud, REST 2.0
	Server Provider = "server" // Bitbucket Server and Data Center, REST 1.0
)

// RepoRef names a repository.
type RepoRef struct {
	// Namespace is the Cloud workspace slug (or its {uuid}), or the Data Center project key
	// ("~user" for a personal repository).
	Namespace string
	// Slug is the repository slug.
	Slug string
}

// ParseRepoRef parses "namespace/slug". Empty parts, more than one slash, white space and control
// characters are refused with an error that wraps ErrInvalidInput.
func ParseRepoRef(s string) (RepoRef, error) {
	ns, slug, ok := strings.Cut(s, "/")
	switch {
	case !ok:
		return RepoRef{}, fmt.Errorf("%w: repository %q: want namespace/slug", ErrInvalidInput, s)
	case ns == "" || slug == "":
		return RepoRef{}, fmt.Errorf("%w: repository %q: empty namespace or slug", ErrInvalidInput, s)
	case strings.Contains(slug, "/"):
		return RepoRef{}, fmt.Errorf("%w: repository %q: more than one slash", ErrInvalidInput, s)
	case strings.ContainsFunc(s, unicode.IsSpace):
		return RepoRef{}, fmt.Errorf("%w: repository %q: contains white space", ErrInvalidInput, s)
	case strings.ContainsFunc(s, unicode.IsControl):
		return RepoRef{}, fmt.Errorf("%w: repository %q: contains control characters", ErrInvalidInput, s)
	case isDotSegment(ns) || isDotSegment(slug):
		return RepoRef{}, fmt.Errorf("%w: repository %q: . and .. are not names", ErrInvalidInput, s)
	}
	return RepoRef{Namespace: ns, Slug: slug}, nil
}

// String returns "namespace/slug".
func (r RepoRef) String() string { return r.Namespace + "/" + r.Slug }

// Validate reports, wrapping ErrInvalidInput, a reference that names no repository: an empty part,
// a slash inside a part, or white space or control characters anywhere.
func (r RepoRef) Validate() error {
	_, err := ParseRepoRef(r.String())
	return err
}

// Permission is what the caller may do on a repository. The values are ordered: a higher one
// includes the lower ones.
type Permission int

// The permission levels.
const (
	PermissionNone Permission = iota
	PermissionRead
	PermissionWrite
	PermissionAdmin
)

// String returns "none", "read", "write" or "admin".
func (p Permission) String() string {
	switch p {
	case PermissionNone:
		return "none"
	case PermissionRead:
		return "read"
	case PermissionWrite:
		return "write"
	case PermissionAdmin:
		return "admin"
	}
	return fmt.Sprintf("Permission(%d)", int(p))
}

// isDotSegment reports whether s is a path segment that a URL resolver would remove or climb
// with: "." or "..", also when percent-encoded.
func isDotSegment(s string) bool {
	s = strings.ReplaceAll(strings.ToLower(s), "%2e", ".")
	return s == "." || s == ".."
}
