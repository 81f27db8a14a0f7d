package bitbuckettest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

const dcApp = "/rest/api/1.0/projects/PROJ/repos/app"

// diagnostics:ping is not a subscription key: a create naming it gets 400, as on a real server.
func TestDCFakeRefusesPingSubscription(t *testing.T) {
	s := dcFixture(t)
	r := dcDo(t, s, "POST", "alice-tok", dcApp+"/webhooks", map[string]any{"name": "ci", "url": "https://ci.example.com/h",
		"events": []string{"repo:refs_changed", "diagnostics:ping"}})
	if r.status != 400 {
		t.Errorf("ping subscription: %d %s, want 400", r.status, r.body)
	}
	for key, ok := range map[string]bool{"pr:reviewer:needs_work": true, "pr:reviewer:changes_requested": false, "pr:to_ref_updated": false} {
		r := dcDo(t, s, "POST", "alice-tok", dcApp+"/webhooks", map[string]any{"name": "ci", "url": "https://ci.example.com/h", "events": []string{key}})
		if (r.status == 200) != ok {
			t.Errorf("%s: %d", key, r.status)
		}
	}
}

// A limited token is answered pessimistically: the permission filter speaks for its owner, the
// webhook endpoints check the token.
func TestDCFakeLimitedToken(t *testing.T) {
	s := dcFixture(t)
	s.AddLimitedToken("alice-read", "alice", bitbucket.PermissionRead)
	page := decodeInto[testPage](t, dcDo(t, s, "GET", "alice-read", "/rest/api/1.0/repos?permission=REPO_ADMIN&projectkey=PROJ", nil))
	if len(page.Values) == 0 {
		t.Errorf("the admin filter lists nothing for the owner's admin")
	}
	if r := dcDo(t, s, "GET", "alice-read", dcApp+"/webhooks", nil); r.status != 401 {
		t.Errorf("webhooks with a read token: %d, want 401", r.status)
	}
	if r := dcDo(t, s, "GET", "alice-tok", dcApp+"/webhooks", nil); r.status != 200 {
		t.Errorf("webhooks with the full token: %d", r.status)
	}
}

// A bot token authenticates (X-AUSERNAME names the bot) but has no user record.
func TestDCFakeBotToken(t *testing.T) {
	s := dcFixture(t)
	bot := s.AddBotToken("bot-tok", bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}, bitbucket.PermissionWrite)
	r := dcDo(t, s, "GET", "bot-tok", "/rest/api/1.0/application-properties", nil)
	if r.header.Get("X-AUSERNAME") != bot {
		t.Errorf("X-AUSERNAME %q, want %q", r.header.Get("X-AUSERNAME"), bot)
	}
	if r := dcDo(t, s, "GET", "bot-tok", "/rest/api/1.0/users/"+bot, nil); r.status != 404 {
		t.Errorf("bot user record: %d, want 404", r.status)
	}
	if r := dcDo(t, s, "GET", "bot-tok", dcApp, nil); r.status != 200 {
		t.Errorf("bot reads its repository: %d", r.status)
	}
	if r := dcDo(t, s, "GET", "bot-tok", "/rest/api/1.0/projects/PROJ/repos/lib", nil); r.status != 401 {
		t.Errorf("bot reads another repository: %d, want 401", r.status)
	}
}

// From 10.0 REST dates are ISO strings; before, epoch milliseconds.
func TestDCFake10xDates(t *testing.T) {
	s := dcFixture(t)
	body := map[string]any{"name": "ci", "url": "https://ci.example.com/h", "events": []string{"repo:refs_changed"}}
	var old struct{ CreatedDate any }
	_ = json.Unmarshal(dcDo(t, s, "POST", "alice-tok", dcApp+"/webhooks", body).body, &old)
	if _, ok := old.CreatedDate.(float64); !ok {
		t.Errorf("9.4 createdDate %v, want a number", old.CreatedDate)
	}
	s.SetVersion("10.3.0")
	var now struct{ CreatedDate any }
	_ = json.Unmarshal(dcDo(t, s, "POST", "alice-tok", dcApp+"/webhooks", body).body, &now)
	if d, ok := now.CreatedDate.(string); !ok || !strings.Contains(d, "T") {
		t.Errorf("10.3 createdDate %v, want an ISO string", now.CreatedDate)
	}
}

// Build statuses: the repository resource from 7.4, CANCELLED from 9.2, the legacy root always;
// Statuses reads both.
func TestDCFakeBuilds(t *testing.T) {
	s := dcFixture(t)
	app := bitbucket.RepoRef{Namespace: "PROJ", Slug: "app"}
	head := s.Head(app, "main")
	st := map[string]any{"key": "ci", "state": "CANCELLED", "url": "https://ci.example.com/1"}
	if r := dcDo(t, s, "POST", "bob-tok", dcApp+"/commits/"+head+"/builds", st); r.status != 204 {
		t.Errorf("9.4 CANCELLED: %d %s", r.status, r.body)
	}
	s.SetVersion("8.19.0")
	if r := dcDo(t, s, "POST", "bob-tok", dcApp+"/commits/"+head+"/builds", st); r.status != 400 {
		t.Errorf("8.19 CANCELLED: %d, want 400", r.status)
	}
	s.SetVersion("7.3.0")
	st["state"] = "FAILED"
	if r := dcDo(t, s, "POST", "bob-tok", dcApp+"/commits/"+head+"/builds", st); r.status != 404 {
		t.Errorf("7.3 builds resource: %d, want 404", r.status)
	}
	st["key"] = "legacy"
	if r := dcDo(t, s, "POST", "bob-tok", "/rest/build-status/1.0/commits/"+head, st); r.status != 204 {
		t.Errorf("legacy root: %d", r.status)
	}
	got := s.Statuses(app, head)
	if len(got) != 2 || got[0].State != "CANCELLED" || got[0].Legacy || !got[1].Legacy || got[1].Key != "legacy" {
		t.Errorf("statuses %+v", got)
	}
}

// Hooks keep credentials and configuration keys a client does not manage, until a
// configuration given replaces them.
func TestDCFakeHookExtras(t *testing.T) {
	s := dcFixture(t)
	r := dcDo(t, s, "POST", "alice-tok", dcApp+"/webhooks", map[string]any{"name": "ci", "url": "https://ci.example.com/h",
		"events": []string{"repo:refs_changed"}, "configuration": map[string]any{"secret": "s", "team": "a"},
		"credentials": map[string]any{"username": "u", "password": "p"}})
	var h struct {
		ID            int
		Configuration map[string]any
		Credentials   map[string]string
	}
	if err := json.Unmarshal(r.body, &h); err != nil || h.Configuration["team"] != "a" || h.Credentials["username"] != "u" {
		t.Fatalf("created %s", r.body)
	}
	id := itoa(h.ID)
	dcDo(t, s, "PUT", "alice-tok", dcApp+"/webhooks/"+id, map[string]any{"name": "ci2"})
	if u, p, cfg := s.HookExtras(id); u != "u" || p != "p" || cfg["team"] != "a" {
		t.Errorf("after a PUT without them: %q %q %v", u, p, cfg)
	}
	dcDo(t, s, "PUT", "alice-tok", dcApp+"/webhooks/"+id, map[string]any{"configuration": map[string]any{"secret": "s"}})
	if _, _, cfg := s.HookExtras(id); len(cfg) != 0 {
		t.Errorf("a configuration given replaces the old one: %v", cfg)
	}
}
