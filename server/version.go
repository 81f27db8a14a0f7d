package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// ErrNotBitbucket marks a server that does not answer like Bitbucket Data Center: an HTML page or
// a 404 where application-properties should be, or JSON without a version. It is
// bitbucket.ErrNotBitbucket.
var ErrNotBitbucket = bitbucket.ErrNotBitbucket

// serverVersion is a parsed Data Center version, compared by major, minor and patch.
type serverVersion struct{ major, minor, patch int }

func (v serverVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.major, v.minor, v.patch) }

func (v serverVersion) atLeast(o serverVersion) bool {
	if v.major != o.major {
		return v.major > o.major
	}
	if v.minor != o.minor {
		return v.minor > o.minor
	}
	return v.patch >= o.patch
}

// parseVersion reads "9.4.2", "8.0" or "7.21.0-rc1": the leading digits of up to three
// dot-separated parts. It fails when the first part has no digits.
func parseVersion(s string) (serverVersion, bool) {
	var n [3]int
	parts := strings.SplitN(strings.TrimSpace(s), ".", 4)
	for i := 0; i < len(parts) && i < 3; i++ {
		digits := parts[i]
		if j := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
			digits = digits[:j]
		}
		if digits == "" {
			if i == 0 {
				return serverVersion{}, false
			}
			break
		}
		v, err := strconv.Atoi(digits)
		if err != nil {
			return serverVersion{}, false
		}
		n[i] = v
	}
	return serverVersion{n[0], n[1], n[2]}, true
}

// The one table of version-dependent features. Sources: the Data Center OpenAPI documents (9.2,
// 9.4), the event-payload pages of each release as the reference (§5) cites them, and the 10.x
// notes there. Versions known to this package: 5.x to 9.x, and 10.x, whose REST dates may come as
// ISO-8601 strings rather than epoch milliseconds (every date is read with internal/wiretime).
var (
	// sinceReposProjectKey: GET /repos accepts projectkey (and archived) since 8.0.
	sinceReposProjectKey = serverVersion{8, 0, 0}
	// sinceWebhooks: the repository webhooks REST API; the core repo:* and pr:* events date from
	// 5.4 (reference §5).
	sinceWebhooks = serverVersion{5, 4, 0}
	// sinceDefaultBranch: GET …/default-branch; older servers answer …/branches/default.
	sinceDefaultBranch = serverVersion{7, 0, 0}
	// sinceRepoBuilds: POST …/commits/{id}/builds; older servers take the build-status 1.0 root.
	sinceRepoBuilds = serverVersion{7, 4, 0}
	// sinceCancelled: the CANCELLED build state. The oldest OpenAPI document held (9.2) lists it;
	// earlier servers get FAILED for a stopped build.
	sinceCancelled = serverVersion{9, 2, 0}
)

// eventSince is the first version whose webhooks accept each event key. Keys missing from the
// table are passed to the server unchecked.
var eventSince = map[string]serverVersion{
	"repo:refs_changed":      sinceWebhooks,
	"pr:opened":              sinceWebhooks,
	"pr:merged":              sinceWebhooks,
	"pr:declined":            sinceWebhooks,
	"pr:comment:added":       sinceWebhooks,
	"pr:reviewer:needs_work": sinceWebhooks,
	// Event-payload page of 5.10 ("Modified").
	"pr:modified": {5, 10, 0},
	// Event-payload page of 6.5 (mirror synchronized).
	"mirror:repo_synchronized": {6, 5, 0},
	// Event-payload page of 7.0 ("Source branch updated").
	"pr:from_ref_updated": {7, 0, 0},
}

// checkEvents returns an error wrapping bitbucket.ErrNotSupported naming the first key that v
// does not support.
func checkEvents(v serverVersion, keys []string) error {
	if !v.atLeast(sinceWebhooks) {
		return fmt.Errorf("%w: Bitbucket %s has no webhooks REST API (needs %s or later)", bitbucket.ErrNotSupported, v, sinceWebhooks)
	}
	for _, k := range keys {
		if since, ok := eventSince[k]; ok && !v.atLeast(since) {
			return fmt.Errorf("%w: webhook event %q needs Bitbucket %s or later; this server runs %s", bitbucket.ErrNotSupported, k, since, v)
		}
	}
	return nil
}

// Version returns the server's version from application-properties, fetched on first use and
// then remembered. Concurrent first calls share one request. A failure is not remembered.
func (c *Client) Version(ctx context.Context) (string, error) {
	if v := c.cachedVersion(); v != "" {
		return v, nil
	}
	select {
	case c.versionSem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.versionSem }()
	if v := c.cachedVersion(); v != "" {
		return v, nil
	}
	props, _, err := c.applicationProperties(ctx)
	if err != nil {
		return "", err
	}
	return props.Version, nil
}

// ApplicationProperties is what a Data Center server says about itself.
type ApplicationProperties struct {
	Version     string // such as "9.4.2"
	BuildNumber string
	BuildDate   string // epoch milliseconds, as the server writes it
	DisplayName string // the instance's display name
}

// ApplicationProperties fetches the server's properties (GET application-properties, which needs
// no authentication; the credentials are sent all the same). It also refreshes the version that
// Version remembers.
func (c *Client) ApplicationProperties(ctx context.Context) (*ApplicationProperties, error) {
	p, _, err := c.applicationProperties(ctx)
	if err != nil {
		return nil, err
	}
	return &ApplicationProperties{Version: p.Version, BuildNumber: p.BuildNumber, BuildDate: p.BuildDate, DisplayName: p.DisplayName}, nil
}

// parsedVersion is Version, parsed.
func (c *Client) parsedVersion(ctx context.Context) (serverVersion, error) {
	s, err := c.Version(ctx)
	if err != nil {
		return serverVersion{}, err
	}
	v, ok := parseVersion(s)
	if !ok {
		return serverVersion{}, fmt.Errorf("%w: version %q cannot be read", ErrNotBitbucket, s)
	}
	return v, nil
}

func (c *Client) cachedVersion() string {
	c.versionMu.Lock()
	defer c.versionMu.Unlock()
	return c.version
}

// applicationProperties fetches the server's properties and remembers its version. A body that
// is not JSON, or JSON without a version, is an error wrapping ErrNotBitbucket.
func (c *Client) applicationProperties(ctx context.Context) (*wireApplicationProperties, *httpx.Response, error) {
	var props wireApplicationProperties
	resp, err := c.do(ctx, call{ep: epApplicationProperties}, &props)
	if err != nil {
		var apiErr *bitbucket.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode >= 200 && apiErr.StatusCode < 300 {
			// A 2xx answer whose body is not JSON: a web page, a proxy's login form.
			return nil, resp, fmt.Errorf("%w: application-properties did not answer JSON: %w", ErrNotBitbucket, err)
		}
		return nil, resp, err
	}
	if _, ok := parseVersion(props.Version); !ok {
		return nil, resp, fmt.Errorf("%w: application-properties has no version", ErrNotBitbucket)
	}
	c.versionMu.Lock()
	c.version = props.Version
	c.versionMu.Unlock()
	return &props, resp, nil
}

// wireApplicationProperties is RestApplicationProperties.
type wireApplicationProperties struct {
	Version     string `json:"version"`
	BuildNumber string `json:"buildNumber"`
	BuildDate   string `json:"buildDate"`
	DisplayName string `json:"displayName"`
}
