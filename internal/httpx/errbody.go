package httpx

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/go-json-experiment/json/jsontext"
)

// Limits on what an error body may contribute to an *APIError.
const (
	maxErrorBody  = 64 << 10 // bytes of an error body read
	maxMessageLen = 500      // runes of Message
	maxDetailLen  = 300      // runes of one detail
	maxDetails    = 10
	maxTitleLen   = 120 // runes of an HTML title worth quoting
)

// htmlMessage is the Message of an answer that is an HTML page.
const htmlMessage = "HTML page, not a Bitbucket API response"

// readCapped reads at most limit bytes of r.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, limit))
}

// fillFromBody sets Message, Details and Code of e from an error body: the Cloud envelope, the
// Data Center envelope, an OAuth error, another JSON object with a message, an HTML page (named
// as such, with its title), or plain text. It never fails: an unknown shape gives an excerpt.
func fillFromBody(e *bitbucket.APIError, contentType string, body []byte) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return
	}
	if looksHTML(contentType, trimmed) {
		e.Message = htmlMessage
		if t := htmlTitle(trimmed); t != "" {
			e.Message += fmt.Sprintf(" (title %q)", t)
		}
		return
	}
	if trimmed[0] == '{' && fillFromJSON(e, trimmed) {
		return
	}
	e.Message = clean(string(trimmed), maxMessageLen)
}

// looksHTML reports whether a body is an HTML page, by its content type or its first bytes.
func looksHTML(contentType string, trimmed []byte) bool {
	ct := strings.ToLower(contentType)
	if strings.Contains(ct, "html") {
		return true
	}
	if len(trimmed) == 0 || trimmed[0] != '<' {
		return false
	}
	head := strings.ToLower(string(trimmed[:min(len(trimmed), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.Contains(head, "<html") ||
		strings.Contains(head, "<head") || strings.Contains(head, "<body") || strings.Contains(head, "<title")
}

// htmlTitle returns the text of the page's <title>, when there is a short one.
func htmlTitle(page []byte) string {
	lower := lowerASCII(page)
	i := bytes.Index(lower, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	k := bytes.Index(lower[start:], []byte("</title"))
	if k < 0 {
		return ""
	}
	t := strings.Join(strings.Fields(html.UnescapeString(string(page[start:start+k]))), " ")
	if t == "" || utf8.RuneCountInString(t) > maxTitleLen {
		return ""
	}
	return clean(t, maxTitleLen)
}

// lowerASCII returns a copy of b with A–Z lowered and every other byte kept, so that an index
// into the copy is an index into b. (bytes.ToLower may change the length: invalid UTF-8 becomes
// U+FFFD and some letters lower to a longer encoding.)
func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// cloudError is the "error" member of the Cloud envelope. Fields are raw so that a member of an
// unexpected type is skipped rather than failing the whole decoding.
type cloudError struct {
	Message jsontext.Value            `json:"message"`
	Detail  jsontext.Value            `json:"detail"`
	Data    map[string]jsontext.Value `json:"data"`
	Fields  map[string]jsontext.Value `json:"fields"`
	ID      jsontext.Value            `json:"id"`
	Code    jsontext.Value            `json:"code"`
}

// dcError is one element of the Data Center "errors" array.
type dcError struct {
	Context       jsontext.Value `json:"context"`
	Message       jsontext.Value `json:"message"`
	ExceptionName jsontext.Value `json:"exceptionName"`
}

// fillFromJSON fills e from a JSON object and reports whether it found anything to use. The body
// is decoded once (decodeOptions); a body that is not one JSON object, trailing data included,
// is left to the caller, which quotes it as text.
func fillFromJSON(e *bitbucket.APIError, body []byte) bool {
	var top map[string]jsontext.Value
	if Unmarshal(body, &top) != nil {
		return false
	}
	// Cloud: {"type":"error","error":{"message":..,"detail":..,"data":{..}}}
	if raw, ok := top["error"]; ok {
		var ce cloudError
		if Unmarshal(raw, &ce) == nil && len(raw) > 0 && raw[0] == '{' {
			e.Message = clean(str(ce.Message), maxMessageLen)
			e.Code = clean(firstNonEmpty(str(ce.Code), str(ce.Data["key"])), 128)
			addDetail(e, "", ce.Detail)
			for _, k := range sortedKeys(ce.Data) {
				if k != "key" {
					addDetail(e, k, ce.Data[k])
				}
			}
			for _, k := range sortedKeys(ce.Fields) {
				addDetail(e, k, ce.Fields[k])
			}
			if id := str(ce.ID); id != "" && e.RequestID == "" {
				e.RequestID = clean(id, 128)
			}
			return e.Message != "" || e.Code != "" || len(e.Details) > 0
		}
		// OAuth 2.0: {"error":"invalid_grant","error_description":"..."}
		if s := str(raw); s != "" {
			e.Code = clean(s, 128)
			e.Message = clean(str(top["error_description"]), maxMessageLen)
			return true
		}
	}
	// Data Center: {"errors":[{"context":..,"message":..,"exceptionName":..}]}
	if raw, ok := top["errors"]; ok {
		var des []dcError
		if Unmarshal(raw, &des) == nil && len(des) > 0 {
			e.Message = clean(str(des[0].Message), maxMessageLen)
			e.Code = clean(str(des[0].ExceptionName), 200)
			if ctx := str(des[0].Context); ctx != "" {
				addText(e, "context: "+ctx)
			}
			for _, d := range des[1:] {
				msg := str(d.Message)
				if ctx := str(d.Context); ctx != "" && msg != "" {
					msg = ctx + ": " + msg
				}
				addText(e, msg)
			}
			return e.Message != "" || e.Code != "" || len(e.Details) > 0
		}
	}
	if m := str(top["message"]); m != "" {
		e.Message = clean(m, maxMessageLen)
		return true
	}
	return false
}

// str returns raw as a string when it is a JSON string, else "".
func str(raw jsontext.Value) string {
	var s string
	if len(raw) == 0 || Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sortedKeys(m map[string]jsontext.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// addDetail adds a JSON value to e.Details: a string as it is, an array of strings joined, an
// object one entry per member, anything else compact. name prefixes the entry when not empty.
func addDetail(e *bitbucket.APIError, name string, raw jsontext.Value) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	prefix := ""
	if name != "" {
		prefix = name + ": "
	}
	switch raw[0] {
	case '"':
		if s := str(raw); s != "" {
			addText(e, prefix+s)
		}
		return
	case '[':
		var ss []string
		if Unmarshal(raw, &ss) == nil {
			if len(ss) > 0 {
				addText(e, prefix+strings.Join(ss, ", "))
			}
			return
		}
	case '{':
		var obj map[string]jsontext.Value
		if name == "" && Unmarshal(raw, &obj) == nil {
			for _, k := range sortedKeys(obj) {
				addDetail(e, k, obj[k])
			}
			return
		}
	}
	compact := raw.Clone()
	if compact.Compact(decodeOptions) == nil {
		addText(e, prefix+string(compact))
	}
}

// addText appends one cleaned detail, up to maxDetails.
func addText(e *bitbucket.APIError, s string) {
	s = clean(s, maxDetailLen)
	if s == "" || len(e.Details) >= maxDetails {
		return
	}
	e.Details = append(e.Details, s)
}

// clean makes server-supplied text safe to print on one line: control characters become spaces,
// runs of space collapse, invalid UTF-8 is replaced, credentials are scrubbed, and the result is
// cut at max runes.
func clean(s string, max int) string {
	if limit := 8 * max; len(s) > limit {
		s = s[:limit] // work on a bounded prefix; a cut rune becomes U+FFFD below
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	s = scrubText(s)
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return s
}
