package cloud

import (
	"os"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// decodeRepositoryPage decodes a repository page into wire structs and converts every value, as
// a listing does.
func decodeRepositoryPage(data []byte) ([]*bitbucket.Repository, string, error) {
	var p paging.CloudPage[wireRepository]
	if err := httpx.Unmarshal(data, &p); err != nil {
		return nil, "", err
	}
	out := make([]*bitbucket.Repository, len(p.Values))
	for i := range p.Values {
		out[i] = toRepository(&p.Values[i])
	}
	return out, p.Next, nil
}

func TestRepositoryPageDecodes(t *testing.T) {
	data, err := os.ReadFile("testdata/repositories_page.json")
	if err != nil {
		t.Fatal(err)
	}
	repos, next, err := decodeRepositoryPage(data)
	if err != nil {
		t.Fatal(err)
	}
	if next != "https://api.bitbucket.invalid/2.0/repositories/ws?page=2&pagelen=2" || len(repos) != 2 {
		t.Fatalf("next %q, %d repositories", next, len(repos))
	}
	a, b := repos[0], repos[1]
	want := bitbucket.Repository{Ref: bitbucket.RepoRef{Namespace: "ws", Slug: "alpha"}, ID: "{0b1c}", Name: "Alpha",
		Description: "first", Private: true, DefaultBranch: "main", Project: "PROJ", WebURL: "https://bitbucket.org/ws/alpha",
		CloneHTTP: "https://bitbucket.org/ws/alpha.git", CloneSSH: "git@bitbucket.org:ws/alpha.git",
		UpdatedAt: time.Date(2026, 1, 2, 15, 4, 5, 123456000, time.UTC)}
	if !a.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("UpdatedAt = %v, want %v", a.UpdatedAt, want.UpdatedAt)
	}
	a.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	if *a != want {
		t.Errorf("got %+v\nwant %+v", *a, want)
	}
	if b.Ref.Slug != "beta" || b.DefaultBranch != "" || b.Project != "" || b.CloneHTTP != "" || !b.UpdatedAt.IsZero() || b.Private {
		t.Errorf("null members: got %+v", *b)
	}
}

// FuzzRepositoryPage feeds arbitrary bytes to the page decoder and converter: no panic, and a
// decoded page converts every value.
func FuzzRepositoryPage(f *testing.F) {
	if data, err := os.ReadFile("testdata/repositories_page.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"values":[{"full_name":"a"},null,{"links":{"clone":[null,{"name":1}]}}]}`))
	f.Add([]byte(`{"values":null,"next":7}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		repos, _, err := decodeRepositoryPage(data)
		if err != nil {
			return
		}
		for _, r := range repos {
			if r == nil {
				t.Fatal("nil repository")
			}
		}
	})
}

// Clone link names are matched in any case, escaped or not; others are ignored.
func TestCloneLinkNames(t *testing.T) {
	data := []byte(`{"values":[{"full_name":"ws/r","links":{"clone":[{"name":"git","href":"g"},{"name":"HTTPS","href":"h"},{"name":"\u0073sh","href":"s"},{"name":null,"href":"n"}]}}]}`)
	repos, _, err := decodeRepositoryPage(data)
	if err != nil || len(repos) != 1 {
		t.Fatalf("%v, %d", err, len(repos))
	}
	if r := repos[0]; r.CloneHTTP != "h" || r.CloneSSH != "s" {
		t.Errorf("CloneHTTP %q, CloneSSH %q; want h and s", r.CloneHTTP, r.CloneSSH)
	}
}

// FuzzRefAndHookPages feeds arbitrary bytes to the branch, tag and webhook page decoders and
// their converters: no panic, whatever the input.
func FuzzRefAndHookPages(f *testing.F) {
	f.Add([]byte(`{"values":[{"name":"main","target":{"hash":"abc","date":"2026-01-02T03:04:05+00:00"}}],"next":"x"}`))
	f.Add([]byte(`{"values":[{"uuid":"{1}","events":["repo:push",null],"created_at":12,"secret_set":true}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var refs paging.CloudPage[wireRef]
		if httpx.Unmarshal(data, &refs) == nil {
			for i := range refs.Values {
				_ = toTag(&refs.Values[i])
			}
		}
		var hooks paging.CloudPage[wireHook]
		if httpx.Unmarshal(data, &hooks) == nil {
			for i := range hooks.Values {
				if toWebhook(&hooks.Values[i]) == nil {
					t.Fatal("nil webhook")
				}
			}
		}
	})
}
