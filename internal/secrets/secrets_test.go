package secrets

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

func TestScrubberReplacesEveryForm(t *testing.T) {
	const tok = "a!$b/+"
	s := NewScrubber(tok).With(BasicForms("jane", "pw:1")...)
	for _, form := range []string{tok, url.QueryEscape(tok), url.PathEscape(tok), base64.StdEncoding.EncodeToString([]byte(tok)),
		base64.RawURLEncoding.EncodeToString([]byte(tok)), "pw:1", base64.StdEncoding.EncodeToString([]byte("jane:pw:1"))} {
		got := s.Scrub("before " + form + " after")
		if strings.Contains(got, form) || got != "before "+Redacted+" after" {
			t.Errorf("Scrub of %q = %q", form, got)
		}
	}
	if got := s.Scrub("nothing secret here"); got != "nothing secret here" {
		t.Errorf("Scrub changed clean text: %q", got)
	}
	var zero Scrubber
	if !zero.Empty() || zero.Scrub(tok) != tok {
		t.Error("the zero Scrubber changes text")
	}
	if Forms("") != nil || BasicForms("u", "") != nil {
		t.Error("an empty secret has forms")
	}
}

func TestLongerFormsGoFirst(t *testing.T) {
	// "ab" is inside the base64 form of another secret: the longer one must be replaced whole.
	long := base64.StdEncoding.EncodeToString([]byte("xyz-secret"))
	s := NewScrubber("xyz-secret", long[:2])
	if got := s.Scrub(long); got != Redacted {
		t.Errorf("Scrub(%q) = %q", long, got)
	}
}
