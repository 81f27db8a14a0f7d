package httpx

import (
	"net/url"
	"regexp"
	"strings"
)

// redacted replaces a secret in URLs, log records and error strings.
const redacted = "REDACTED"

// secretQueryKeys are the query keys whose values RedactURL masks, compared case-insensitively.
var secretQueryKeys = map[string]bool{
	"access_token":  true,
	"token":         true,
	"client_secret": true,
	"code":          true,
	"refresh_token": true,
	"state":         true,
	"secret":        true,
	"password":      true,
}

// isSecretQueryKey reports whether the value of query key k must never be shown.
func isSecretQueryKey(k string) bool { return secretQueryKeys[strings.ToLower(k)] }

// RedactURL returns u as a string with userinfo removed and the values of secret-bearing query
// keys (access_token, token, client_secret, code, refresh_token, state, secret, password, in any
// case) masked. The fragment is dropped.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	r.User = nil
	r.Fragment, r.RawFragment = "", ""
	if r.RawQuery != "" {
		r.RawQuery = redactQuery(r.RawQuery)
	}
	return r.String()
}

// redactQuery masks the values of secret keys in a raw query, keeping the order and encoding of
// everything else. A pair that cannot be parsed is masked whole.
func redactQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		if p == "" {
			continue
		}
		k, _, hasValue := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			parts[i] = redacted
			continue
		}
		if hasValue && isSecretQueryKey(key) {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

var (
	// userinfoPattern matches the userinfo of a URL inside free text: scheme://user:pass@
	userinfoPattern = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s@"']*@`)
	// secretPairPattern matches key=value pairs of secret query keys inside free text.
	secretPairPattern = regexp.MustCompile(`(?i)\b(access_token|refresh_token|client_secret|token|code|state|secret|password)=[^&\s"'#]*`)
	// bearerPattern matches an Authorization header value that a server might echo.
	bearerPattern = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}`)
)

// scrubText removes what looks like a credential from free text (an error string, a server's
// message): URL userinfo, values of secret query keys and Authorization header values.
func scrubText(s string) string {
	s = userinfoPattern.ReplaceAllString(s, "${1}")
	s = secretPairPattern.ReplaceAllString(s, "${1}="+redacted)
	s = bearerPattern.ReplaceAllString(s, "${1} "+redacted)
	return s
}
