package httpx

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// readRaw stores the body of a 2xx response in *out as it is, reading at most limit bytes, for
// the few plain-text endpoints (Data Center's applinks whoami servlet). A longer body is an
// *APIError, like an oversize JSON body.
func (c *Client) readRaw(method, redactedURL string, resp *http.Response, attempts int, out *[]byte, limit int64) error {
	b, err := readBody(resp, limit)
	if err != nil {
		msg := "reading the response body failed"
		if errors.Is(err, ErrBodyTooLarge) {
			msg = fmt.Sprintf("response body exceeds %d bytes", limit)
		}
		return &bitbucket.APIError{Provider: c.provider, StatusCode: resp.StatusCode, Method: method, URL: redactedURL,
			Attempts: attempts, RequestID: requestID(resp.Header), Message: msg, Err: sanitize(err)}
	}
	*out = b
	return nil
}
