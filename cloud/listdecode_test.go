package cloud

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

const listDecodeSeed = `{"pagelen":2,"values":[` +
	`{"uuid":"{1}","full_name":"acme/api","name":"API","description":"d\u00e9j\u00e0 \"vu\"","is_private":true,` +
	`"mainbranch":{"name":"main"},"project":{"key":"PRJ"},"links":{"html":{"href":"https://bitbucket.org/acme/api"},` +
	`"clone":[{"name":"https","href":"https://bitbucket.org/acme/api.git"},{"href":"git@bitbucket.org:acme/api.git","name":"SSH"}]},` +
	`"updated_on":"2026-01-02T15:04:05.123456+00:00","extra":[1,{"a":[null]}]},` +
	`{"full_name":"acme/web","mainbranch":null,"project":null,"links":{"clone":null},"is_private":false},null],` +
	`"next":"https://api.bitbucket.org/2.0/repositories/acme?page=x"}`

// decodeBoth decodes data the reflective way (wire struct, then toRepository) and with
// repoListPage.
func decodeBoth(t *testing.T, data []byte) (want, got []any, wantNext, gotNext string, oldErr, newErr error) {
	var w wireRepositoryPage
	if oldErr = json.Unmarshal(data, &w); oldErr == nil {
		for i := range w.Values {
			want = append(want, *toRepository(&w.Values[i]))
		}
		wantNext = w.Next
	}
	var p repoListPage
	if newErr = json.Unmarshal(data, &p); newErr == nil {
		for _, r := range p.items {
			got = append(got, *r)
		}
		gotNext = p.next
	}
	return
}

func TestRepoListPageMatchesWireDecoding(t *testing.T) {
	want, got, wantNext, gotNext, oldErr, newErr := decodeBoth(t, []byte(listDecodeSeed))
	if oldErr != nil || newErr != nil {
		t.Fatalf("errors: reflective %v, repoListPage %v", oldErr, newErr)
	}
	if len(got) != 3 || !reflect.DeepEqual(got, want) || gotNext != wantNext {
		t.Errorf("repoListPage gave\n%+v %q\nwant\n%+v %q", got, gotNext, want, wantNext)
	}
}

func TestRepoListPageTypeMismatch(t *testing.T) {
	for _, doc := range []string{
		`{"values":[{"is_private":"yes"}]}`,
		`{"values":{"a":1}}`,
		`{"values":[{"links":{"clone":{"href":"x"}}}]}`,
		`{"next":5}`,
	} {
		var p repoListPage
		err := json.Unmarshal([]byte(doc), &p)
		var te *json.UnmarshalTypeError
		if !errorsAs(err, &te) {
			t.Errorf("%s: error %v, want *json.UnmarshalTypeError", doc, err)
		}
	}
}

// FuzzRepoListPage checks that whatever the reflective decoder accepts, repoListPage decodes to
// the same (documents with duplicate keys aside: see jsonwalk.HasDuplicateKeys) repositories, and that it never panics.
func FuzzRepoListPage(f *testing.F) {
	f.Add([]byte(listDecodeSeed))
	f.Add([]byte(`{"values":[{"full_name":"a/b","FULL_NAME":"c/d","links":{"clone":[{"name":"https","name":null,"href":"x"}]}}]}`))
	f.Add([]byte(`{"values":[{"mainbranch":{"name":"a"},"mainbranch":{"x":1}}],"next":null}`))
	f.Add([]byte(`{"values":[{"n\u0061me":"esc","description":"\ud83d\ude00 \xff"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, got, wantNext, gotNext, oldErr, newErr := decodeBoth(t, data)
		if oldErr != nil || jsonwalk.HasDuplicateKeys(data) {
			return
		}
		if newErr != nil {
			t.Fatalf("reflective decoding succeeded, repoListPage failed: %v", newErr)
		}
		if !reflect.DeepEqual(got, want) || gotNext != wantNext {
			t.Fatalf("repoListPage gave\n%+v %q\nwant\n%+v %q", got, gotNext, want, wantNext)
		}
	})
}

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }
