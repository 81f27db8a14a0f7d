package wiretime

import (
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

func TestTimeDecodesEveryForm(t *testing.T) {
	want := time.Date(2026, 1, 2, 14, 4, 5, 0, time.UTC)
	cases := map[string]time.Time{
		`1767362645000`:                      want,
		`"1767362645000"`:                    want,
		`"2026-01-02T14:04:05Z"`:             want,
		`"2026-01-02T15:04:05+01:00"`:        want,
		`"2026-01-02T15:04:05+0100"`:         want,
		`"2026-01-02T15:04:05.000+0100"`:     want,
		`1.767362645e12`:                     want,
		`null`:                               {},
		`"yesterday"`:                        {},
		`-5`:                                 {},
		`1e300`:                              {},
		`""`:                                 {},
		`"2026-01-02T15:04:05+01:00\u0000x"`: {},
	}
	for in, w := range cases {
		var v struct {
			At Time `json:"at"`
		}
		if err := json.Unmarshal([]byte(`{"at":`+in+`}`), &v); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !v.At.Equal(w) {
			t.Errorf("%s: got %v, want %v", in, v.At.Time, w)
		}
	}
}

func TestTimeMissingFieldIsZero(t *testing.T) {
	var v struct {
		At Time `json:"at"`
	}
	if err := json.Unmarshal([]byte(`{}`), &v); err != nil || !v.At.IsZero() {
		t.Fatalf("got %v, %v", v.At, err)
	}
}

func FuzzTime(f *testing.F) {
	for _, s := range []string{`1767362645000`, `"2026-01-02T15:04:05+0100"`, `null`, `"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v Time
		_ = v.UnmarshalJSON([]byte(s)) // never panics, never errors
	})
}
