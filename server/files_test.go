package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// A file past the cap is an error wrapping ErrInvalidInput, whether its size is announced
// (refused before reading it, beyond a bounded drain) or not (refused once the cap is passed); a file within it is returned
// whole, and the ref is sent as at.
func TestGetFileCap(t *testing.T) {
	const url = testAPI + "/projects/PRJ/repos/api/raw/dir/big%20file.bin"
	for _, c := range []struct {
		name     string
		size     int
		announce bool
		wantErr  bool
	}{
		{"announced, within", 1024, true, false},
		{"announced, over", 1 << 20, true, true},
		{"chunked, within", 1024, false, false},
		{"chunked, over", 4096, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t, bitbucket.WithMaxFileBytes(1024))
			var read int64
			mt.RegisterResponder("GET", url, func(r *http.Request) (*http.Response, error) {
				if r.URL.Query().Get("at") != "feature/x" {
					t.Errorf("at = %q", r.URL.Query().Get("at"))
				}
				body := &countingReader{r: bytes.NewReader(bytes.Repeat([]byte("x"), c.size)), n: &read}
				resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/octet-stream"}},
					Body: io.NopCloser(body), ContentLength: -1, Request: r}
				if c.announce {
					resp.ContentLength = int64(c.size)
				}
				return resp, nil
			})
			got, err := cl.GetFile(t.Context(), permRepo, "feature/x", "dir/big file.bin")
			if c.wantErr {
				if !errors.Is(err, bitbucket.ErrInvalidInput) || got != nil {
					t.Fatalf("%d bytes, %v; want ErrInvalidInput", len(got), err)
				}
				// At most the little the client drains to reuse the connection.
				if c.announce && read > 64<<10 {
					t.Errorf("read %d bytes of a body announced past the cap", read)
				}
				return
			}
			if err != nil || len(got) != c.size {
				t.Fatalf("%d bytes, %v", len(got), err)
			}
		})
	}
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}
