package jsonwalk_test

import (
	"testing"

	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

func TestHasDuplicateKeys(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"a":1,"b":{"a":2}}`:            false,
		`{"a":1,"A":2}`:                  true,
		`[{"x":[{"k":1,"k":2}]}]`:        true,
		`{"a\u0062":1,"AB":2}`:           true,
		`{"a":`:                          false,
		`{"values":[{"id":1},{"id":2}]}`: false,
	} {
		if got := jsonwalk.HasDuplicateKeys([]byte(doc)); got != want {
			t.Errorf("HasDuplicateKeys(%s) = %v, want %v", doc, got, want)
		}
	}
}
