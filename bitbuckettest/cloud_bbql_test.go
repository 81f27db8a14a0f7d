package bitbuckettest

import (
	"slices"
	"testing"
)

// FuzzBBQL checks that no query makes the filter parser or evaluator panic.
func FuzzBBQL(f *testing.F) {
	for _, q := range []string{`name ~ "x"`, `full_name = "ws/a" AND name ~ "\"q\\"`, `(a = 1 OR b != null) AND c IN ("x", "y")`,
		`permission > "read"`, `is_private = true`, `name NOT IN ("a")`, `((((`, `"`, `name ~ "\`} {
		f.Add(q)
	}
	items := []map[string]any{{"name": "a", "full_name": "ws/a", "is_private": true, "size": 3.0, "permission": "admin",
		"project": map[string]any{"key": "K"}}}
	fields := slices.Concat(repoQueryFields, []string{"permission", "a", "b", "c"})
	f.Fuzz(func(t *testing.T, q string) {
		_, _ = filterItems(items, q, fields)
		_ = applyFields(map[string]any{"values": []any{items[0]}}, q)
	})
}
