package httpx

import (
	"errors"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestExpand(t *testing.T) {
	got, err := Expand("/repositories/{workspace}/{repo_slug}/src/{commit}/{path}", "acme", "a b", "feature/x", "dir with space/ü.txt")
	if want := "/repositories/acme/a%20b/src/feature%2Fx/dir%20with%20space/%C3%BC.txt"; err != nil || got != want {
		t.Fatalf("Expand = %q, %v; want %q", got, err, want)
	}
	for name, args := range map[string][]string{
		"dot dot":        {"..", "r"},
		"dot":            {".", "r"},
		"empty":          {"", "r"},
		"too few":        {"acme"},
		"too many":       {"acme", "r", "x"},
		"path climbs":    {"acme", "r", "main", "a/../b"},
		"path has empty": {"acme", "r", "main", "a//b"},
	} {
		template := "/repositories/{workspace}/{repo_slug}"
		if len(args) == 4 {
			template += "/src/{commit}/{path}"
		}
		if _, err := Expand(template, args...); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	if _, err := Expand("/broken/{name", "x"); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("malformed template: %v", err)
	}
}
