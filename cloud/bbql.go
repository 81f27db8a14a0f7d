package cloud

import (
	"fmt"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// bbqlString quotes s as a BBQL string literal: backslashes and double quotes are escaped.
// Control characters are refused, as BBQL has no escape for them.
func bbqlString(s string) (string, error) {
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("%w: query contains control characters", bitbucket.ErrInvalidInput)
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`, nil
}
