package auth

import (
	"regexp"
)

// oauthErrorCodes are the error codes of RFC 6749 (sections 4.1.2.1 and 5.2), RFC 6750 and
// RFC 8628 that a token endpoint answers with; such a code is kept as it is.
var oauthErrorCodes = map[string]bool{
	"invalid_request": true, "invalid_client": true, "invalid_grant": true, "unauthorized_client": true,
	"unsupported_grant_type": true, "invalid_scope": true, "access_denied": true,
	"unsupported_response_type": true, "server_error": true, "temporarily_unavailable": true,
	"invalid_token": true, "insufficient_scope": true, "authorization_pending": true, "slow_down": true,
	"expired_token": true,
}

// tokenLikeCode is the shape of an error code outside the list worth keeping: lower-case words
// joined by underscores, as OAuth codes are spelled. A secret (a client secret, a code, a refresh
// token) echoed in the error member does not have that shape.
var tokenLikeCode = regexp.MustCompile(`^[a-z]+(_[a-z]+){1,5}$`)

// safeOAuthErrorCode returns the error code of a token endpoint's answer fit to print: an
// allow-listed OAuth code, or a short code shaped like one; anything else (an endpoint echoing the
// request, a raw newline) becomes "unrecognised error code". error_description is never used.
func safeOAuthErrorCode(code string) string {
	switch {
	case code == "":
		return ""
	case oauthErrorCodes[code]:
		return code
	case len(code) <= 40 && tokenLikeCode.MatchString(code):
		return code
	}
	return "unrecognised error code"
}
