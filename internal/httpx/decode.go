package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ErrBodyTooLarge is the cause of a response body longer than the cap: an *APIError for such a
// body wraps it, so a caller with a cap of its own (GetFile) tells it apart without reading text.
var ErrBodyTooLarge = errors.New("response body too large")

// cappedReader fails with ErrBodyTooLarge once more than limit bytes were read, where an
// io.LimitReader would end silently and leave a truncated document looking complete.
type cappedReader struct {
	r     io.Reader
	left  int64
	limit int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Probe one byte: a body of exactly limit bytes is fine.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, c.limit)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// readBody reads the whole body of resp, at most limit bytes: a longer one fails with
// ErrBodyTooLarge, returning what was read. An announced Content-Length over the limit is refused
// without reading; one within it is read into a buffer of exactly that size.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	switch n := resp.ContentLength; {
	case n > limit: // announced too large: refused without reading
		return nil, fmt.Errorf("%w: %d bytes announced, more than %d", ErrBodyTooLarge, n, limit)
	case n > 0: // announced: one buffer of exactly that size (net/http reads no further)
		b := make([]byte, n)
		_, err := io.ReadFull(resp.Body, b)
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return b, err
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(&cappedReader{r: resp.Body, left: limit, limit: limit})
	return buf.Bytes(), err
}

// bodyBuffers recycles the buffers JSON bodies are read into. Decoding copies every value out
// (strings, numbers; no wire struct keeps a raw jsontext.Value of a 2xx body), so a buffer is
// free again once the body is decoded: a listing of many pages reads them all into one buffer,
// where each page of unknown length (chunked) would otherwise grow a fresh one by doubling.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse; a larger one is left to the collector.
const maxPooledBody = 4 << 20

// readPooled reads the whole body of resp into buf, at most limit bytes, as readBody does.
func readPooled(buf *bytes.Buffer, resp *http.Response, limit int64) error {
	n := resp.ContentLength
	if n > limit { // announced too large: refused without reading
		return fmt.Errorf("%w: %d bytes announced, more than %d", ErrBodyTooLarge, n, limit)
	}
	if n > 0 {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom then never grows it
	}
	_, err := buf.ReadFrom(&cappedReader{r: resp.Body, left: limit, limit: limit})
	if err == nil && n > 0 && int64(buf.Len()) < n {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// decodeJSON reads the body of a 2xx response once, at most limit bytes, and decodes those bytes
// once into out (decodeOptions). Every failure is an *APIError whose Message says what was
// wrong: an HTML page, an empty, truncated, invalid or oversize body (trailing data after the
// document is invalid), or JSON of another shape.
func (c *Client) decodeJSON(method, redactedURL string, resp *http.Response, attempts int, out any, limit int64) error {
	fail := func(msg string, err error) error {
		e := &bitbucket.APIError{Provider: c.provider, StatusCode: resp.StatusCode, Method: method, URL: redactedURL,
			Attempts: attempts, RequestID: requestID(resp.Header), Message: msg}
		if err != nil {
			e.Err = sanitize(err)
		}
		return e
	}
	htmlFail := func(page []byte) error {
		msg := htmlMessage
		if t := htmlTitle(page[:min(len(page), maxErrorBody)]); t != "" {
			msg += fmt.Sprintf(" (title %q)", t)
		}
		return fail(msg, nil)
	}
	if looksHTML(resp.Header.Get("Content-Type"), nil) {
		page, _ := readCapped(resp.Body, maxErrorBody)
		return htmlFail(page)
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBody {
			bodyBuffers.Put(buf)
		}
	}()
	err := readPooled(buf, resp, limit)
	body := buf.Bytes()
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '<':
		return htmlFail(trimmed)
	case errors.Is(err, ErrBodyTooLarge):
		return fail(fmt.Sprintf("response body exceeds %d bytes", limit), err)
	case err != nil:
		return fail("reading response body failed", err)
	case len(trimmed) == 0:
		return fail("empty response body where JSON was expected", nil)
	}
	err = Unmarshal(body, out)
	var se *jsontext.SyntacticError
	var te *json.SemanticError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fail("truncated JSON in response body", err)
	case errors.As(err, &se):
		return fail("invalid JSON in response body", err)
	case errors.As(err, &te):
		return fail("response JSON does not have the expected shape", err)
	}
	return fail("decoding the response body failed", err)
}
