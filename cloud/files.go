package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/httpx"
)

// GetFile returns the raw bytes of path at ref in repo
// (GET /repositories/{workspace}/{repo_slug}/src/{commit}/{path}). ref is a commit hash, a
// branch or a tag; a ref with a slash in it (a branch such as feature/x) is first resolved to its
// head commit (refs/branches, then refs/tags), since the src path could not tell it from the
// file's path. path is escaped segment by segment; an empty, "." or ".." segment is refused. A
// missing ref or path is ErrNotFound; a file over the size cap (bitbucket.WithMaxFileBytes,
// default 10 MiB) is an error wrapping bitbucket.ErrInvalidInput, and no more of it is read.
func (c *Client) GetFile(ctx context.Context, repo bitbucket.RepoRef, ref, path string) ([]byte, error) {
	if err := repo.Validate(); err != nil {
		return nil, err
	}
	path = strings.TrimPrefix(path, "/")
	if _, err := epGetFile.expand(repo.Namespace, repo.Slug, "ref", path); err != nil {
		return nil, err
	}
	commit, err := c.commitOf(ctx, repo, ref)
	if err != nil {
		return nil, err
	}
	var body []byte
	req := httpx.Request{MaxBodyBytes: c.maxFileBytes, Header: http.Header{"Accept": {"*/*"}}}
	_, err = c.doRequest(ctx, epGetFile, []string{repo.Namespace, repo.Slug, commit, path}, req, &body)
	if errors.Is(err, httpx.ErrBodyTooLarge) {
		return nil, fmt.Errorf("%w: %s at %s is larger than %d bytes (bitbucket.WithMaxFileBytes): %w", bitbucket.ErrInvalidInput, path, ref, c.maxFileBytes, err)
	}
	if err != nil {
		return nil, err
	}
	return body, nil
}

// commitOf returns what to put in the {commit} of a src path for ref: ref itself unless it holds
// a slash, else the head commit of the branch, or the tag, of that name.
func (c *Client) commitOf(ctx context.Context, repo bitbucket.RepoRef, ref string) (string, error) {
	for seg := range strings.SplitSeq(ref, "/") {
		if seg == "" || seg == "." || seg == ".." { // git refuses such names too
			return "", fmt.Errorf("%w: ref %q has an empty, . or .. component", bitbucket.ErrInvalidInput, ref)
		}
	}
	if !strings.Contains(ref, "/") {
		return ref, nil
	}
	hash, err := c.resolveBranch(ctx, repo, ref)
	if errors.Is(err, bitbucket.ErrNotFound) {
		var w wireRef
		_, err = c.do(ctx, epGetTag, []string{repo.Namespace, repo.Slug, ref}, nil, nil, &w)
		hash = w.Target.Hash
	}
	if err == nil && hash == "" {
		err = c.answerError(nil, epGetBranch, "the ref has no target commit")
	}
	return hash, err
}
