package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// logAttempt writes one debug record for an attempt when the client has a logger: method, host,
// path, status, attempt number and duration, and the redacted cause of a failure. Header values
// and query strings are never logged.
func (c *Client) logAttempt(ctx context.Context, st *callState, resp *http.Response, err error) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	attrs := []slog.Attr{
		slog.String("provider", string(c.provider)),
		slog.String("method", st.method),
		slog.String("host", st.host),
		slog.String("path", st.path),
		slog.Int("status", status),
		slog.Int("attempt", st.attempts),
		slog.Duration("duration", time.Since(st.start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.scrubber(st).Scrub(safeErrorText(err))))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "bitbucket http attempt", attrs...)
}
