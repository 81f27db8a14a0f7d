package server

import (
	"encoding/json"
	"testing"

	"github.com/bbconnect/bbconnect/internal/httpx"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// FuzzRepositoryPage decodes a repository page as a server may send it and converts each value:
// whatever decodes must convert without panicking, and every repository keeps its project key
// and slug.
func FuzzRepositoryPage(f *testing.F) {
	seed, _ := json.Marshal(page(0, 25, 50, repository(1, "PRJ", "api", "API"), repository(2, "~ada", "x", "X")))
	f.Add(seed)
	f.Add([]byte(`{"values":[{"slug":"a","project":{"key":"K"},"links":{"clone":[{"name":"http"}],"self":[]}}],"isLastPage":true}`))
	f.Add([]byte(`{"values":null,"nextPageStart":null,"limit":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p paging.ServerPage[wireRepository]
		if httpx.Unmarshal(data, &p) != nil {
			return
		}
		for i := range p.Values {
			r := toRepository(&p.Values[i])
			if r.Ref.Namespace != p.Values[i].Project.Key || r.Ref.Slug != p.Values[i].Slug {
				t.Fatalf("repository %d converted to %+v", i, r.Ref)
			}
		}
	})
}

// FuzzWebhookPage does the same for webhook pages, dates in any form included.
func FuzzWebhookPage(f *testing.F) {
	f.Add([]byte(`{"values":[{"id":1,"createdDate":1718000000000,"events":["pr:opened"],"configuration":{"secret":"x"}}],"isLastPage":true}`))
	f.Add([]byte(`{"values":[{"id":2,"createdDate":"2026-06-01T10:00:00+0000","updatedDate":"bad"}],"isLastPage":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p paging.ServerPage[wireWebhook]
		if httpx.Unmarshal(data, &p) != nil {
			return
		}
		for i := range p.Values {
			if h := toWebhook(&p.Values[i]); h == nil {
				t.Fatal("nil hook")
			}
		}
	})
}
