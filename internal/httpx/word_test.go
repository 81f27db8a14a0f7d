package httpx

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

func TestReadWord(t *testing.T) {
	for in, want := range map[string]int{
		`"https"`: 0, `"SSH"`: 1, `"\u0068ttps"`: 0, `"ftp"`: -1, `""`: -1,
		`null`: -1, `7`: -1, `{"a":"https"}`: -1, `["ssh"]`: -1,
	} {
		got, err := ReadWord(jsontext.NewDecoder(strings.NewReader(in)), "https", "ssh")
		if err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ReadWord(jsontext.NewDecoder(strings.NewReader(`"https`)), "https"); err == nil {
		t.Error("a truncated string read without error")
	}
}
