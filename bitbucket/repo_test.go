package bitbucket_test

import (
	"errors"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestParseRepoRef(t *testing.T) {
	t.Parallel()
	valid := []struct {
		in   string
		want bitbucket.RepoRef
	}{
		{"acme/widgets", bitbucket.RepoRef{Namespace: "acme", Slug: "widgets"}},
		{"PROJ/my-repo.git-mirror", bitbucket.RepoRef{Namespace: "PROJ", Slug: "my-repo.git-mirror"}},
		{"~alice/dotfiles", bitbucket.RepoRef{Namespace: "~alice", Slug: "dotfiles"}},
		{"{2b1a7f3e-0c5d-4f6e-9a8b-7c6d5e4f3a2b}/service", bitbucket.RepoRef{Namespace: "{2b1a7f3e-0c5d-4f6e-9a8b-7c6d5e4f3a2b}", Slug: "service"}},
		{"a/b", bitbucket.RepoRef{Namespace: "a", Slug: "b"}},
	}
	for _, tt := range valid {
		got, err := bitbucket.ParseRepoRef(tt.in)
		if err != nil {
			t.Errorf("ParseRepoRef(%q) error = %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseRepoRef(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseRepoRef(%q).String() = %q, want the input back", tt.in, s)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("ParseRepoRef(%q).Validate() = %v", tt.in, err)
		}
	}

	invalid := []string{
		"", "/", "acme", "acme/", "/widgets", "acme//widgets", "acme/widgets/", "/acme/widgets",
		"acme/widgets/extra", "a/b/c/d",
		" acme/widgets", "acme/widgets ", "acme /widgets", "acme/wid gets", "acme/widgets\n", "\tacme/widgets",
		"acme/wid\u00a0gets", // no-break space
		"acme/wid\x00gets", "acme/wid\x7fgets",
	}
	for _, in := range invalid {
		got, err := bitbucket.ParseRepoRef(in)
		if !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("ParseRepoRef(%q) = %+v, %v; want an error wrapping ErrInvalidInput", in, got, err)
		}
		if got != (bitbucket.RepoRef{}) {
			t.Errorf("ParseRepoRef(%q) returned %+v with its error, want the zero RepoRef", in, got)
		}
	}
}

func TestRepoRefValidate(t *testing.T) {
	t.Parallel()
	bad := []bitbucket.RepoRef{
		{},
		{Namespace: "acme"},
		{Slug: "widgets"},
		{Namespace: "acme/x", Slug: "widgets"},
		{Namespace: "acme", Slug: "wid/gets"},
		{Namespace: "acme", Slug: "wid gets"},
		{Namespace: "acme", Slug: "widgets\r"},
		{Namespace: "ac\x01me", Slug: "widgets"},
	}
	for _, r := range bad {
		if err := r.Validate(); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%#v.Validate() = %v, want an error wrapping ErrInvalidInput", r, err)
		}
	}
}

func FuzzParseRepoRef(f *testing.F) {
	for _, s := range []string{"acme/widgets", "~alice/dotfiles", "{uuid}/x", "a//b", " a/b", "a/b/c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := bitbucket.ParseRepoRef(s)
		if err != nil {
			if !errors.Is(err, bitbucket.ErrInvalidInput) {
				t.Fatalf("ParseRepoRef(%q) error %v does not wrap ErrInvalidInput", s, err)
			}
			return
		}
		if r.String() != s {
			t.Fatalf("ParseRepoRef(%q).String() = %q", s, r.String())
		}
		if r.Namespace == "" || r.Slug == "" {
			t.Fatalf("ParseRepoRef(%q) accepted an empty part: %+v", s, r)
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseRepoRef(%q) accepted a ref that Validate refuses: %v", s, err)
		}
	})
}

func TestPermissionString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    bitbucket.Permission
		want string
	}{
		{bitbucket.PermissionNone, "none"},
		{bitbucket.PermissionRead, "read"},
		{bitbucket.PermissionWrite, "write"},
		{bitbucket.PermissionAdmin, "admin"},
		{bitbucket.Permission(7), "Permission(7)"},
		{bitbucket.Permission(-1), "Permission(-1)"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Permission(%d).String() = %q, want %q", int(tt.p), got, tt.want)
		}
	}
	if !(bitbucket.PermissionNone < bitbucket.PermissionRead && bitbucket.PermissionRead < bitbucket.PermissionWrite &&
		bitbucket.PermissionWrite < bitbucket.PermissionAdmin) {
		t.Error("permissions are not ordered none < read < write < admin")
	}
}

func TestEnsureResultString(t *testing.T) {
	t.Parallel()
	tests := map[bitbucket.EnsureResult]string{
		0:                         "none",
		bitbucket.EnsureUnchanged: "unchanged",
		bitbucket.EnsureCreated:   "created",
		bitbucket.EnsureUpdated:   "updated",
	}
	for r, want := range tests {
		if got := r.String(); got != want {
			t.Errorf("EnsureResult(%d).String() = %q, want %q", int(r), got, want)
		}
	}
}
