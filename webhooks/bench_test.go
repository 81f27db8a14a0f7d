package webhooks

import (
	"bytes"
	"io"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// BenchmarkVerifyParse measures Parse on a signed ~5 KB push delivery: read, verify, decode and
// normalise. The request is reused and its body rewound, so that only Parse is measured.
func BenchmarkVerifyParse(b *testing.B) {
	for _, bc := range []struct {
		name     string
		file     string
		provider bitbucket.Provider
		key      string
	}{
		{"cloud", "bench_cloud_push.json", bitbucket.Cloud, "repo:push"},
		{"server", "bench_dc_refs_changed.json", bitbucket.Server, "repo:refs_changed"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := readFixture(b, bc.file)
			r := delivery(bc.provider, bc.key, body, testSecret)
			reader := bytes.NewReader(body)
			r.Body = io.NopCloser(reader)
			opts := Options{Secret: testSecret}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				reader.Reset(body)
				ev, err := Parse(r, opts)
				if err != nil || ev.Push == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify measures the signature check alone on the Cloud push.
func BenchmarkVerify(b *testing.B) {
	body := readFixture(b, "bench_cloud_push.json")
	sig := Sign(testSecret, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(body, sig, testSecret); err != nil {
			b.Fatal(err)
		}
	}
}
