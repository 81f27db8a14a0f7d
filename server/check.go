package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// CheckConnection is the "Test connection" button: it reads the server's version from
// application-properties and finds who the credentials act as (the X-AUSERNAME header, else the
// applinks whoami servlet), then reads that user's record. Any failure is a *bitbucket.CheckError
// naming the step, the reason and a hint. With auth.None the user is left zero.
func (c *Client) CheckConnection(ctx context.Context) (*bitbucket.ConnectionInfo, error) {
	props, resp, err := c.applicationProperties(ctx)
	if err != nil {
		return nil, classify(bitbucket.StepVersion, err)
	}
	info := &bitbucket.ConnectionInfo{Provider: bitbucket.Server, BaseURL: c.base, Version: props.Version}
	if c.creds.Scheme() == "none" {
		return info, nil // no credentials, no user: the server is reachable, which is all asked
	}
	u, err := c.resolveUser(ctx, resp.Header)
	if err != nil {
		return nil, classify(bitbucket.StepUser, err)
	}
	info.User = *u
	return info, nil
}

// CurrentUser returns the user the credentials act as. Credentials the server treats as
// anonymous give an error wrapping bitbucket.ErrUnauthorized.
func (c *Client) CurrentUser(ctx context.Context) (*bitbucket.User, error) {
	_, resp, err := c.applicationProperties(ctx)
	if err != nil {
		return nil, err
	}
	return c.resolveUser(ctx, resp.Header)
}

// errAnonymous is the cause when the server treats the request as anonymous.
var errAnonymous = fmt.Errorf("%w: the server treats these credentials as anonymous", bitbucket.ErrUnauthorized)

// resolveUser finds the acting user's name, then reads the user's record.
func (c *Client) resolveUser(ctx context.Context, hdr http.Header) (*bitbucket.User, error) {
	name, err := c.actingName(ctx, hdr)
	if err != nil {
		return nil, err
	}
	return c.user(ctx, name)
}

// actingName is the name of the user the credentials act as: X-AUSERNAME of an earlier response
// (hdr), else the whoami servlet's answer.
func (c *Client) actingName(ctx context.Context, hdr http.Header) (string, error) {
	name := strings.TrimSpace(hdr.Get("X-AUSERNAME"))
	if name == "" || name == "anonymous" {
		var body []byte
		if _, err := c.do(ctx, call{ep: epWhoami, header: http.Header{"Accept": {"text/plain"}}}, &body); err != nil {
			return "", err
		}
		name = strings.TrimSpace(string(body))
		if strings.ContainsAny(name, "<>\n") || len(name) > 255 {
			return "", fmt.Errorf("%w: whoami did not answer a user name", ErrNotBitbucket)
		}
	}
	if name == "" || name == "anonymous" {
		return "", errAnonymous
	}
	return name, nil
}

// classify wraps err, the failure of CheckConnection's step, in a *bitbucket.CheckError.
func classify(step string, err error) *bitbucket.CheckError {
	return bitbucket.NewCheckError(bitbucket.Server, step, err)
}
