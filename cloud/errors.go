package cloud

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// ErrEndpointRemoved matches a DeprecatedEndpointError: Bitbucket Cloud answered that the endpoint
// was retired under one of its CHANGE notices.
var ErrEndpointRemoved = errors.New("bitbucket cloud: endpoint removed")

// DeprecatedEndpointError is a 410 or 404 whose body names a Bitbucket Cloud deprecation notice
// (error.message "CHANGE-2770 - Functionality has been deprecated"). The *bitbucket.APIError stays
// reachable through errors.As, and errors.Is matches both ErrEndpointRemoved and the sentinel of
// the status (ErrNotFound for a 404).
type DeprecatedEndpointError struct {
	Change string // the notice, e.g. "CHANGE-2770"
	URL    string // the redacted URL that was called
	Err    error  // the *bitbucket.APIError
}

// Error names the notice and the URL.
func (e *DeprecatedEndpointError) Error() string {
	return fmt.Sprintf("bitbucket cloud: %s was removed by %s (see https://developer.atlassian.com/cloud/bitbucket/changelog/#%s): %v",
		e.URL, e.Change, e.Change, e.Err)
}

// Unwrap returns the underlying *bitbucket.APIError.
func (e *DeprecatedEndpointError) Unwrap() error { return e.Err }

// Is reports whether target is ErrEndpointRemoved.
func (e *DeprecatedEndpointError) Is(target error) bool { return target == ErrEndpointRemoved }

var changeNotice = regexp.MustCompile(`^\s*(CHANGE-[0-9]{1,6})\b`)

// classify wraps an API error that announces a removed endpoint; any other error is returned as is.
func classify(err error) error {
	var ae *bitbucket.APIError
	if !errors.As(err, &ae) || (ae.StatusCode != 410 && ae.StatusCode != 404) {
		return err
	}
	m := changeNotice.FindStringSubmatch(ae.Message)
	if m == nil {
		return err
	}
	return &DeprecatedEndpointError{Change: m[1], URL: ae.URL, Err: err}
}
