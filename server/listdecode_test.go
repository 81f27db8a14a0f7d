package server

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

const listDecodeSeed = `{"size":3,"limit":25,"start":0,"isLastPage":false,"nextPageStart":6,"values":[` +
	`{"id":12,"slug":"api","name":"API","description":"d\u00e9j\u00e0","scmId":"git","state":"AVAILABLE","forkable":true,` +
	`"public":false,"archived":true,"defaultBranch":"main","project":{"key":"PRJ","id":1,"name":"P","type":"NORMAL","links":{"self":[{"href":"x"}]}},` +
	`"links":{"clone":[{"href":"","name":"http"},{"href":"https://h/scm/prj/api.git","name":"http"},{"name":"ssh","href":"ssh://git@h:7999/prj/api.git"},{"href":"ssh://2","name":"ssh"}],` +
	`"self":[{"href":"https://h/projects/PRJ/repos/api/browse"},{"href":"second"}]}},` +
	`{"id":0,"slug":"web","project":null,"links":{"self":null}},` +
	`{"id":-0,"slug":"x","public":true,"links":{"clone":[null,{"name":null,"href":"h"},{"name":"https","href":"s"}]}}]}`

type decoded struct {
	repos              []any
	limit              int
	isLast             bool
	next               *int
	reflErr, walkedErr error
}

func decodeBoth(data []byte) (want, got decoded) {
	var w wirePage[wireRepository]
	if want.reflErr = json.Unmarshal(data, &w); want.reflErr == nil {
		for _, v := range w.Values {
			want.repos = append(want.repos, *convertRepository(v))
		}
		want.limit, want.isLast, want.next = w.Limit, w.IsLastPage, w.NextPageStart
	}
	var p repoListPage
	if got.walkedErr = json.Unmarshal(data, &p); got.walkedErr == nil {
		for _, r := range p.items {
			got.repos = append(got.repos, *r)
		}
		got.limit, got.isLast, got.next = p.limit, p.isLastPage, p.nextPageStart
	}
	return want, got
}

func TestRepoListPageMatchesWireDecoding(t *testing.T) {
	want, got := decodeBoth([]byte(listDecodeSeed))
	if want.reflErr != nil || got.walkedErr != nil {
		t.Fatalf("errors: reflective %v, repoListPage %v", want.reflErr, got.walkedErr)
	}
	if len(got.repos) != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("repoListPage gave\n%+v\nwant\n%+v", got, want)
	}
}

func TestRepoListPageTypeMismatch(t *testing.T) {
	for _, doc := range []string{
		`{"values":[{"id":1.5}]}`,
		`{"values":[{"public":"yes"}]}`,
		`{"nextPageStart":"6"}`,
		`{"values":[{"links":{"self":[{"href":1}]}}]}`,
	} {
		var p repoListPage
		var te *json.UnmarshalTypeError
		if err := json.Unmarshal([]byte(doc), &p); !errors.As(err, &te) {
			t.Errorf("%s: error %v, want *json.UnmarshalTypeError", doc, err)
		}
	}
}

// FuzzRepoListPage checks that whatever the reflective decoder accepts, repoListPage decodes to
// the same (documents with duplicate keys aside: see jsonwalk.HasDuplicateKeys) page, and that it never panics.
func FuzzRepoListPage(f *testing.F) {
	f.Add([]byte(listDecodeSeed))
	f.Add([]byte(`{"isLastPage":true,"nextPageStart":null,"values":null}`))
	f.Add([]byte(`{"values":[{"SLUG":"a","slug":"b","project":{"key":"K"},"project":{"name":"n"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, got := decodeBoth(data)
		if want.reflErr != nil || jsonwalk.HasDuplicateKeys(data) {
			return
		}
		if got.walkedErr != nil {
			t.Fatalf("reflective decoding succeeded, repoListPage failed: %v", got.walkedErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("repoListPage gave\n%+v\nwant\n%+v", got, want)
		}
	})
}
