package cloud

import (
	"strings"

	"github.com/bbconnect/bbconnect/internal/httpx"
)

// Response headers that Bitbucket Cloud sends on every authenticated answer, errors included.
const (
	headerScopes         = "X-OAuth-Scopes"
	headerCredentialType = "X-Credential-Type"
)

// accessTokenTypes are the X-Credential-Type values of repository, project and workspace access
// tokens: credentials with no user, which cannot enumerate workspaces or read permissions.
var accessTokenTypes = map[string]bool{
	"repo_access_token":       true,
	"repository_access_token": true,
	"project_access_token":    true,
	"workspace_access_token":  true,
}

// isAccessToken reports whether an X-Credential-Type value names an access token.
func isAccessToken(credType string) bool {
	return accessTokenTypes[strings.ToLower(strings.TrimSpace(credType))]
}

// parseScopes splits an X-OAuth-Scopes value, which Bitbucket separates with commas and spaces.
func parseScopes(v string) []string {
	f := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(f) == 0 {
		return nil
	}
	return f
}

// header returns a response header, "" when no response arrived.
func header(resp *httpx.Response, name string) string {
	if resp == nil {
		return ""
	}
	return resp.Header.Get(name)
}
