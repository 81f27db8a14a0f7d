package httpx

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// errBodyTooLarge is the cause of a response body longer than the cap.
var errBodyTooLarge = errors.New("response body too large")

// cappedReader fails with errBodyTooLarge once more than limit bytes were read, where an
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
			return 0, fmt.Errorf("%w: more than %d bytes", errBodyTooLarge, c.limit)
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

// decodeJSON streams the JSON body of a 2xx response into out, reading at most limit bytes. Every
// failure is an *APIError whose Message says what was wrong: an HTML page, an empty, truncated,
// invalid or oversize body, or JSON of another shape.
func (c *Client) decodeJSON(method, redactedURL string, resp *http.Response, attempts int, out any, limit int64) error {
	fail := func(msg string, err error) error {
		e := &bitbucket.APIError{Provider: c.provider, StatusCode: resp.StatusCode, Method: method, URL: redactedURL,
			Attempts: attempts, RequestID: requestID(resp.Header), Message: msg}
		if err != nil {
			e.Err = sanitize(err)
		}
		return e
	}
	br := bufio.NewReader(&cappedReader{r: resp.Body, left: limit, limit: limit})
	if first, err := peekNonSpace(br); err == nil && first == '<' || looksHTML(resp.Header.Get("Content-Type"), nil) {
		page, _ := readCapped(br, maxErrorBody)
		msg := htmlMessage
		if t := htmlTitle(page); t != "" {
			msg += fmt.Sprintf(" (title %q)", t)
		}
		return fail(msg, nil)
	}
	dec := json.NewDecoder(br)
	err := dec.Decode(out)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errBodyTooLarge):
		return fail(fmt.Sprintf("response body exceeds %d bytes", limit), err)
	case err == io.EOF:
		return fail("empty response body where JSON was expected", nil)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fail("truncated JSON in response body", err)
	case errors.As(err, &se):
		return fail("invalid JSON in response body", err)
	case errors.As(err, &te):
		return fail("response JSON does not have the expected shape", err)
	}
	return fail("reading response body failed", err)
}

// peekNonSpace returns the first byte of br that is not JSON white space, without consuming it.
func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
}
