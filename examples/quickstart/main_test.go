package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// TestQuickstartOnFakes runs the whole flow on each embedded fake, as `go run` does with no
// configuration, and checks each step's outcome.
func TestQuickstartOnFakes(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, p := range []bitbucket.Provider{bitbucket.Server, bitbucket.Cloud} {
		t.Run(string(p), func(t *testing.T) {
			var out strings.Builder
			if err := run(t.Context(), &out, p, noEnv); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got := out.String()
			for _, want := range []string{
				"1. Connection OK: " + string(p),
				"acting as alice",
				"3 in all",
				"Admin permission on ",
				": true",
				"4. Ensure webhook https://ci.example.com/bitbucket/webhook: created",
				"5. Ensure webhook https://ci.example.com/bitbucket/webhook: unchanged",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q:\n%s", want, got)
				}
			}
			ids := regexp.MustCompile(`\(id ([^,]+),`).FindAllStringSubmatch(got, -1)
			if len(ids) != 2 || ids[0][1] != ids[1][1] {
				t.Errorf("the two ensure steps should name one hook: %v", ids)
			}
		})
	}
}

func TestQuickstartRefusesUnknownProvider(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), &out, "gitlab", func(string) string { return "" }); err == nil {
		t.Fatal("run with provider gitlab: want an error")
	}
}

func TestQuickstartRealServerNeedsARepository(t *testing.T) {
	env := map[string]string{"BITBUCKET_URL": "https://bitbucket.example.invalid", "BITBUCKET_REPO": "not a repo"}
	var out strings.Builder
	err := run(t.Context(), &out, bitbucket.Server, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "BITBUCKET_REPO") {
		t.Fatalf("err = %v, want one naming BITBUCKET_REPO", err)
	}
}
