package webhooks

import (
	"bytes"
	"strings"
)

// This file holds the helpers shared by the Cloud and Data Center converters.

// shortRef strips refs/heads/ and refs/tags/ from a ref name.
func shortRef(name string) string {
	if s, ok := strings.CutPrefix(name, "refs/heads/"); ok {
		return s
	}
	if s, ok := strings.CutPrefix(name, "refs/tags/"); ok {
		return s
	}
	return name
}

// refKind normalises a provider's ref type to "branch" or "tag"; when the type is unknown it is
// told from the full ref name, and a name with no hint is a branch.
func refKind(typ, fullName string) string {
	switch typ {
	case "branch", "BRANCH", "named_branch", "bookmark":
		return "branch"
	case "tag", "TAG", "annotated_tag":
		return "tag"
	case "":
		if strings.HasPrefix(fullName, "refs/tags/") {
			return "tag"
		}
		return "branch"
	}
	return strings.ToLower(typ)
}

// prState normalises a pull-request state to lower case.
func prState(s string) string {
	switch s {
	case "OPEN", "open":
		return "open"
	case "MERGED", "merged":
		return "merged"
	case "DECLINED", "declined":
		return "declined"
	case "SUPERSEDED", "superseded":
		return "superseded"
	}
	return strings.ToLower(s)
}

// noHash turns Data Center's forty zeros (a ref that did not exist before or after) into "".
func noHash(h string) string {
	if h == "" || strings.Trim(h, "0") == "" {
		return ""
	}
	return h
}

// isJSONObject reports whether body holds a JSON object (by its first significant byte); the
// decoder checks the rest.
func isJSONObject(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// splitPerson splits a git identity "Name <email>" into its parts.
func splitPerson(raw string) (name, email string) {
	raw = strings.TrimSpace(raw)
	i := strings.LastIndexByte(raw, '<')
	if i < 0 || !strings.HasSuffix(raw, ">") {
		return raw, ""
	}
	return strings.TrimSpace(raw[:i]), strings.TrimSpace(raw[i+1 : len(raw)-1])
}
