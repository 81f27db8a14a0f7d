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
		`{"seconds":5}`:                      {},
		`[1767362645000]`:                    {},
		`true`:                               {},
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

// The v2 path (UnmarshalJSONFrom) and the []byte path (UnmarshalJSON) read every input alike.
func TestTimeBothPathsAgree(t *testing.T) {
	for _, in := range []string{`1767362645000`, `"2026-01-02T15:04:05+0100"`, `null`, `"x"`, `{"a":[1,2]}`, `[]`, `false`, `-1`, `1e300`, `"1767362645000"`} {
		var v2 struct {
			At   Time `json:"at"`
			Next int  `json:"next"`
		}
		if err := json.Unmarshal([]byte(`{"at":`+in+`,"next":7}`), &v2); err != nil || v2.Next != 7 {
			t.Errorf("%s: %v, next %d: the value after the date must still be read", in, err, v2.Next)
		}
		var v1 Time
		_ = v1.UnmarshalJSON([]byte(in))
		if !v1.Equal(v2.At.Time) {
			t.Errorf("%s: UnmarshalJSON %v, UnmarshalJSONFrom %v", in, v1.Time, v2.At.Time)
		}
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
