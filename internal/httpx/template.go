package httpx

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Expand fills the {params} of an OpenAPI path template, in order, with args. Each argument is
// escaped as one path segment, except a parameter named {path}, whose slashes separate segments
// escaped one by one (a file path). An empty, "." or ".." segment is refused with an error
// wrapping bitbucket.ErrInvalidInput, so that no argument can change or climb out of the route;
// so is a count of arguments that does not match the template.
func Expand(template string, args ...string) (string, error) {
	var b strings.Builder
	rest := template
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("%w: path template %s is malformed", bitbucket.ErrInvalidInput, template)
		}
		name := rest[open+1 : open+end]
		b.WriteString(rest[:open])
		rest = rest[open+end+1:]
		if len(args) == 0 {
			return "", fmt.Errorf("%w: path template %s has no value for {%s}", bitbucket.ErrInvalidInput, template, name)
		}
		segments := []string{args[0]}
		if name == "path" {
			segments = strings.Split(args[0], "/")
		}
		args = args[1:]
		for i, s := range segments {
			if s == "" || s == "." || s == ".." {
				return "", fmt.Errorf("%w: {%s} %q is not a usable path segment", bitbucket.ErrInvalidInput, name, s)
			}
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString(url.PathEscape(s))
		}
	}
	if len(args) > 0 {
		return "", fmt.Errorf("%w: path template %s takes %d fewer values", bitbucket.ErrInvalidInput, template, len(args))
	}
	return b.String(), nil
}
