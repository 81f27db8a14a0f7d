package bitbuckettest

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// Cloud page sizes: 10 by default, at most 100 ([CSPEC] paginated_* schemas).
const (
	cloudDefaultPagelen = 10
	cloudMaxPagelen     = 100
)

// pageWindowLocked reads the pagelen and page parameters of r. The page parameter is an opaque
// token the fake handed out in a next link; anything else is a 400.
func (s *Server) pageWindowLocked(r *http.Request) (offset, pagelen int, bad *answer) {
	q := r.URL.Query()
	pagelen = cloudDefaultPagelen
	if v := q.Get("pagelen"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			a := errorAnswer(http.StatusBadRequest, "Invalid pagelen", "pagelen must be a positive integer")
			return 0, 0, &a
		}
		pagelen = min(n, cloudMaxPagelen)
	}
	if s.pageLimit > 0 {
		pagelen = min(pagelen, s.pageLimit)
	}
	if v := q.Get("page"); v != "" {
		off, ok := s.cloud.cursors[v]
		if !ok {
			a := errorAnswer(http.StatusBadRequest, "Invalid page", "the page parameter must come from a next link")
			return 0, 0, &a
		}
		offset = off
	}
	return offset, pagelen, nil
}

// pageLocked answers one page of a list of n items; item(i) builds the i-th. withSize adds the
// optional size field.
func (s *Server) pageLocked(r *http.Request, n int, item func(i int) any, withSize bool) answer {
	offset, pagelen, bad := s.pageWindowLocked(r)
	if bad != nil {
		return *bad
	}
	values := []any{}
	for i := offset; i < n && i < offset+pagelen; i++ {
		values = append(values, item(i))
	}
	body := map[string]any{"pagelen": pagelen, "values": values}
	if withSize {
		body["size"] = n
	}
	if offset+pagelen < n {
		tok := newSecret(12)
		s.cloud.cursors[tok] = offset + pagelen
		q := r.URL.Query()
		q.Set("page", tok)
		body["next"] = s.Origin() + r.URL.EscapedPath() + "?" + q.Encode()
	}
	return okAnswer(body)
}

// newSecret returns n random bytes, URL-safe base64 encoded.
func newSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// fieldNode is one level of a fields= selection.
type fieldNode struct {
	leaf     bool
	children map[string]*fieldNode
}

// applyFields trims body the way Cloud's fields parameter does: plain paths keep only what they
// name (lists are transparent, "*" matches any key), "-path" removes, "+path" adds (the fake sends
// every field already). Unknown paths select nothing.
func applyFields(body any, spec string) any {
	root := &fieldNode{children: map[string]*fieldNode{}}
	include := false
	var exclude [][]string
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "" || strings.HasPrefix(f, "+"):
		case strings.HasPrefix(f, "-"):
			exclude = append(exclude, strings.Split(f[1:], "."))
		default:
			include = true
			n := root
			for _, p := range strings.Split(f, ".") {
				c := n.children[p]
				if c == nil {
					c = &fieldNode{children: map[string]*fieldNode{}}
					n.children[p] = c
				}
				n = c
			}
			n.leaf = true
		}
	}
	if include {
		var ok bool
		if body, ok = project(body, root); !ok {
			body = map[string]any{}
		}
	}
	for _, p := range exclude {
		removePath(body, p)
	}
	return body
}

// project keeps the parts of v that n selects.
func project(v any, n *fieldNode) (any, bool) {
	if n.leaf {
		return v, true
	}
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range v {
			sel := mergeNodes(n.children[k], n.children["*"])
			if sel == nil {
				continue
			}
			if p, ok := project(val, sel); ok {
				out[k] = p
			}
		}
		return out, true
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if p, ok := project(e, n); ok {
				out = append(out, p)
			}
		}
		return out, true
	}
	return nil, false
}

func mergeNodes(a, b *fieldNode) *fieldNode {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	m := &fieldNode{leaf: a.leaf || b.leaf, children: map[string]*fieldNode{}}
	for k, c := range a.children {
		m.children[k] = c
	}
	for k, c := range b.children {
		m.children[k] = mergeNodes(m.children[k], c)
	}
	return m
}

// removePath deletes the field at path inside v; lists are transparent.
func removePath(v any, path []string) {
	if len(path) == 0 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			if path[0] != "*" && path[0] != k {
				continue
			}
			if len(path) == 1 {
				delete(v, k)
			} else {
				removePath(val, path[1:])
			}
		}
	case []any:
		for _, e := range v {
			removePath(e, path)
		}
	}
}

// lookup returns the value at a dotted path inside a JSON object, and whether it exists.
func lookup(v any, path string) (any, bool) {
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}
