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
				"1. Connection OK: Bitbucket ",
				", as alice (Alice)\n",
				"3 in all",
				"(admin): yes",
				"4. Webhook https://ci.example.com/bitbucket/webhook: created",
				"5. Webhook https://ci.example.com/bitbucket/webhook: unchanged",
				"deliveries signed: yes",
				"   - feature/login at ",
				"(default)",
				"7. Build configuration .bbconnect.yml on main (",
				"   | steps:",
				", key bbconnect-quickstart:\n   - in_progress\n   - successful\n",
				"9. git over HTTPS: user ",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q:\n%s", want, got)
				}
			}
			ids := regexp.MustCompile(`\(id ([^,]+),`).FindAllStringSubmatch(got, -1)
			if len(ids) != 2 || ids[0][1] != ids[1][1] {
				t.Errorf("the two ensure steps should name one hook: %v", ids)
			}
			if strings.Contains(got, demoToken) {
				t.Errorf("the output shows the token:\n%s", got)
			}
			if strings.Contains(got, "signed true") || strings.Contains(got, "acting as") {
				t.Errorf("the output still has the old jargon:\n%s", got)
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

// The first line has the same shape on both providers: the service, then who the credentials act as.
func TestQuickstartConnectionLineSameShape(t *testing.T) {
	noEnv := func(string) string { return "" }
	shape := regexp.MustCompile(`^1\. Connection OK: Bitbucket (Cloud|Data Center [0-9.]+), as alice \(Alice\)$`)
	for _, p := range []bitbucket.Provider{bitbucket.Server, bitbucket.Cloud} {
		var out strings.Builder
		if err := run(t.Context(), &out, p, noEnv); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(out.String(), "\n")
		if len(lines) < 2 || !shape.MatchString(lines[1]) {
			t.Errorf("%s: connection line %q", p, lines[1])
		}
	}
}
