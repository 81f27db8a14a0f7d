package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// fileQuery is the query of streamRaw.
type fileQuery struct {
	At string `url:"at"`
}

// GetFile returns the raw content of path at ref (a branch, tag or commit hash; required) in repo
// (streamRaw). Each segment of path is escaped on its own, and an empty, "." or
// ".." segment is refused. A missing file matches bitbucket.ErrNotFound. A file larger than the
// client's cap (bitbucket.WithMaxFileBytes) is an error wrapping bitbucket.ErrInvalidInput, and
// nothing past the cap is read.
func (c *Client) GetFile(ctx context.Context, repo bitbucket.RepoRef, ref, path string) ([]byte, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	if ref == "" {
		return nil, fmt.Errorf("%w: GetFile needs a ref (a branch, tag or commit)", bitbucket.ErrInvalidInput)
	}
	if path == "" {
		return nil, fmt.Errorf("%w: GetFile needs a file path", bitbucket.ErrInvalidInput)
	}
	var body []byte
	_, err := c.do(ctx, call{ep: epRawFile, args: repoArgs(repo, path), query: fileQuery{At: ref},
		header: http.Header{"Accept": {"*/*"}}, maxBody: c.maxFileBytes}, &body)
	if errors.Is(err, httpx.ErrBodyTooLarge) {
		return nil, fmt.Errorf("%w: the file is larger than %d bytes (bitbucket.WithMaxFileBytes): %w", bitbucket.ErrInvalidInput, c.maxFileBytes, err)
	}
	if err != nil {
		return nil, err
	}
	if body == nil {
		body = []byte{}
	}
	return body, nil
}
