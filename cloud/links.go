package cloud

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// maxPageLen is the largest pagelen Bitbucket Cloud honours on the lists this package reads.
const maxPageLen = 100

// pageLen returns the pagelen to ask for: the maximum when n is 0, at most the maximum otherwise.
func pageLen(n int) (int, error) {
	switch {
	case n < 0:
		return 0, fmt.Errorf("%w: PageSize %d is negative", bitbucket.ErrInvalidInput, n)
	case n == 0 || n > maxPageLen:
		return maxPageLen, nil
	}
	return n, nil
}

// checkLink accepts a pagination link only when it points into this client's API: same scheme,
// same host, under the base path, with no userinfo or fragment. A cursor is checked with it before
// any request is sent, so a forged cursor cannot aim the client (and its credentials) elsewhere.
func (c *Client) checkLink(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.User != nil || u.Fragment != "" ||
		!strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
		return fmt.Errorf("%w: pagination link is not on the API origin %s://%s", bitbucket.ErrInvalidInput, c.base.Scheme, c.base.Host)
	}
	if p := c.base.Path; p != "" && u.Path != p && !strings.HasPrefix(u.Path, p+"/") {
		return fmt.Errorf("%w: pagination link is outside the API root %s", bitbucket.ErrInvalidInput, c.base.Path)
	}
	return nil
}

// stalled is the error for a next link that names the page it came with.
func stalled(what string) error {
	return fmt.Errorf("%w: Bitbucket Cloud answered a %s page whose next link is the page itself", bitbucket.ErrPaginationStalled, what)
}

// bbqlString quotes s as a BBQL string literal: backslashes and double quotes are escaped.
// Control characters are refused, as BBQL has no escape for them.
func bbqlString(s string) (string, error) {
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("%w: query contains control characters", bitbucket.ErrInvalidInput)
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`, nil
}
