package httpx

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// refuseDotSegments fails with ErrInvalidInput when an escaped path has a "." or ".." segment,
// written as such or escaped (%2e%2e): a server or a proxy that resolves them would route the
// request elsewhere (DELETE /projects/../repos/../webhooks/1), and a forged link would leave the
// API root it was checked against.
func refuseDotSegments(escapedPath string) error {
	for seg := range strings.SplitSeq(escapedPath, "/") {
		if !strings.Contains(seg, ".") && !strings.Contains(seg, "%") {
			continue
		}
		s, err := url.PathUnescape(seg)
		if err != nil {
			return fmt.Errorf("%w: path is not validly escaped", bitbucket.ErrInvalidInput)
		}
		if s == "." || s == ".." {
			return fmt.Errorf("%w: path has a %q segment", bitbucket.ErrInvalidInput, s)
		}
	}
	return nil
}
