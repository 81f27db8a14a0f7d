package bitbucket

import (
	"fmt"

	"github.com/bbconnect/bbconnect/internal/clientopt"
)

// WithListLimits bounds every listing of the client: beyond maxPages pages or maxItems items a
// list yields an error wrapping ErrPaginationStalled, so a server that never ends cannot hold a
// caller or grow its heap without bound. 0 keeps a default (10,000 pages, 1,000,000 items).
func WithListLimits(maxPages, maxItems int) Option {
	return option(func(c *clientopt.Config) {
		if maxPages < 0 || maxItems < 0 {
			c.Errs = append(c.Errs, fmt.Errorf("%w: WithListLimits(%d, %d): values must not be negative", ErrInvalidInput, maxPages, maxItems))
			return
		}
		c.MaxPages, c.MaxItems = maxPages, maxItems
	})
}

// WithMaxFileBytes caps the files GetFile reads (default 10 MiB). A larger file is an error
// wrapping ErrInvalidInput, returned without reading the rest.
func WithMaxFileBytes(n int64) Option {
	return option(func(c *clientopt.Config) {
		if n <= 0 {
			c.Errs = append(c.Errs, fmt.Errorf("%w: WithMaxFileBytes(%d): want a positive size", ErrInvalidInput, n))
			return
		}
		c.MaxFileBytes = n
	})
}
