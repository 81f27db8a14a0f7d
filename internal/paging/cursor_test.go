package paging_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/paging"
)

// cursorState is shaped like a provider's cursor: where to resume, and what listing it belongs to.
type cursorState struct {
	Next      string `json:"n,omitempty"`
	Start     int    `json:"s,omitempty"`
	Namespace string `json:"ns,omitempty"`
	Query     string `json:"q,omitempty"`
	Perm      int    `json:"p,omitempty"`
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	states := []cursorState{
		{},
		{Next: "https://api.bitbucket.org/2.0/repositories/acme?page=3&pagelen=100", Namespace: "acme", Query: "api", Perm: 2},
		{Start: 2000, Namespace: "~alice"},
		{Next: "unicode ✓ and \x00 and \"quotes\" / + = ?", Query: "a&b=c#d"},
	}
	for _, st := range states {
		c := paging.EncodeCursor(st)
		if c == "" {
			t.Errorf("EncodeCursor(%+v) is empty: \"\" means the last page", st)
		}
		if url.QueryEscape(c) != c || url.PathEscape(c) != c {
			t.Errorf("EncodeCursor(%+v) = %q is not URL-safe", st, c)
		}
		var got cursorState
		if err := paging.DecodeCursor(c, &got); err != nil {
			t.Errorf("DecodeCursor(EncodeCursor(%+v)): %v", st, err)
		}
		if got != st {
			t.Errorf("round trip = %+v, want %+v", got, st)
		}
	}
}

func TestDecodeCursorGarbage(t *testing.T) {
	t.Parallel()
	garbage := []string{
		"",
		"not a cursor!",
		"eyJuIjoiYSJ9=",                     // padding: not the raw encoding
		"eyJuIjoiYSJ9+/",                    // standard, not URL, alphabet
		"bnVsbA",                            // JSON null
		"IG51bGwg",                          // " null "
		paging.EncodeCursor([]int{1, 2, 3}), // JSON, but not the state's shape
		paging.EncodeCursor("a string"),
		paging.EncodeCursor(map[string]any{"s": "not a number"}),
		"e30" + "e30", // "{}{}"
		strings.Repeat("A", 9<<10),
	}
	for _, c := range garbage {
		var st cursorState
		err := paging.DecodeCursor(c, &st)
		if !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("DecodeCursor(%.40q) = %v, want ErrInvalidInput", c, err)
		}
	}
}

func TestDecodeCursorErrorDoesNotEchoCursor(t *testing.T) {
	t.Parallel()
	c := paging.EncodeCursor(map[string]any{"s": "tok-SECRET-123"})
	var st cursorState
	err := paging.DecodeCursor(c, &st)
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), c) || strings.Contains(err.Error(), "tok-SECRET-123") {
		t.Errorf("error %q echoes the cursor", err)
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add("")
	f.Add("e30")
	f.Add(paging.EncodeCursor(cursorState{Next: "https://api.bitbucket.org/2.0/repositories?page=2", Namespace: "acme"}))
	f.Add(paging.EncodeCursor(cursorState{Start: 25, Perm: 3}))
	f.Add(paging.EncodeCursor([]int{1}))
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, c string) {
		var st cursorState
		if err := paging.DecodeCursor(c, &st); err != nil {
			if !errors.Is(err, bitbucket.ErrInvalidInput) {
				t.Fatalf("DecodeCursor(%q) error %v does not wrap ErrInvalidInput", c, err)
			}
			return
		}
		// Whatever decodes must survive a round trip unchanged.
		var again cursorState
		if err := paging.DecodeCursor(paging.EncodeCursor(st), &again); err != nil {
			t.Fatalf("re-decoding %+v: %v", st, err)
		}
		if again != st {
			t.Fatalf("round trip of %+v gave %+v", st, again)
		}
	})
}
