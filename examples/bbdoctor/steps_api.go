package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/server"
)

// The API steps: from here on, every request goes through bbconnect's Data Center connector,
// exactly as a product's would, with the same allow-list and CAs.

const tokenHowTo = "create an HTTP access token in Bitbucket (your avatar → Manage account → HTTP access tokens) with the Repository admin permission, and export BITBUCKET_TOKEN=<token>"

const adminHowTo = "creating webhooks needs REPO_ADMIN: give the token's user admin on the repository (or PROJECT_ADMIN on its project), and create the HTTP access token with the Repository admin permission; a token never has more permission than it was created with, nor more than its user"

// versioner is the Data Center connector's version extra. When a build of package server lacks
// it, the step falls back on CheckConnection, which reads the version too.
type versioner interface {
	Version(ctx context.Context) (string, error)
}

// checkBitbucket asks the server for its version (application-properties needs no credentials),
// which tells Bitbucket Data Center apart from any other web server.
func checkBitbucket(ctx context.Context, d *doctor) outcome {
	c, err := server.New(d.cfg.URL, auth.None(), d.options()...)
	if err != nil {
		return fail("server.New refused the URL: "+errDetail(err), "correct the URL as the earlier steps describe; use the form "+exampleURL)
	}
	var version string
	if v, ok := any(c).(versioner); ok {
		version, err = v.Version(ctx)
	} else {
		var info *bitbucket.ConnectionInfo
		if info, err = c.CheckConnection(ctx); err == nil {
			version = info.Version
		}
	}
	if err != nil {
		var apiErr *bitbucket.APIError
		notFound := errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
		if errors.Is(err, server.ErrNotBitbucket) || notFound {
			return fail("this is not Bitbucket Data Center: "+errDetail(err),
				"check that the URL is Bitbucket's base URL with its context path (such as /bitbucket; see Administration → Server settings → Base URL), not a proxy page or another product")
		}
		if errors.Is(err, bitbucket.ErrUnauthorized) || errors.Is(err, bitbucket.ErrForbidden) {
			return fail("application-properties asked for credentials: "+errDetail(err),
				"Bitbucket answers application-properties to anyone; a proxy or single sign-on gateway in front of it asks for authentication: connect to Bitbucket directly or have the gateway let API calls through")
		}
		return apiFailure(err)
	}
	return pass("Bitbucket Data Center %s", version)
}

// checkToken makes the product's client with the token and asks who it acts as.
func checkToken(ctx context.Context, d *doctor) outcome {
	if d.cfg.Token == "" {
		return fail("BITBUCKET_TOKEN is not set", tokenHowTo)
	}
	c, err := server.New(d.cfg.URL, auth.Bearer(d.cfg.Token), d.options()...)
	if err != nil {
		return fail("server.New failed: "+errDetail(err), "correct the URL as the earlier steps describe")
	}
	info, err := c.CheckConnection(ctx)
	if err != nil {
		if errors.Is(err, bitbucket.ErrUnauthorized) {
			return fail("the server refused the token: "+errDetail(err),
				"the token is wrong, expired or revoked (or was pasted with extra characters); "+tokenHowTo)
		}
		return apiFailure(err)
	}
	u := info.User
	if u.Username == "" {
		return fail("the server did not say who the token acts as (it treats it as anonymous)", tokenHowTo)
	}
	d.client = c
	who := u.Username
	if u.DisplayName != "" && u.DisplayName != u.Username {
		who += fmt.Sprintf(" (%s)", u.DisplayName)
	}
	if u.ID != "" {
		who += ", user id " + u.ID
	}
	return pass("valid; acts as %s", who)
}

// checkRepository reads the repository the product will connect.
func checkRepository(ctx context.Context, d *doctor) outcome {
	r, err := d.client.GetRepository(ctx, d.cfg.Repo)
	if err != nil {
		if errors.Is(err, bitbucket.ErrNotFound) || errors.Is(err, bitbucket.ErrForbidden) {
			return fail(fmt.Sprintf("%s is missing or not visible to this token: %s", d.cfg.Repo, errDetail(err)),
				"check the project key and repository slug (both appear in the clone URL, …/scm/PROJ/repo.git); the token's user needs at least REPO_READ on it, and a project or repository token sees only its own project or repository")
		}
		return apiFailure(err)
	}
	vis := "private"
	if !r.Private {
		vis = "public"
	}
	detail := fmt.Sprintf("%s (%q, %s", r.Ref, r.Name, vis)
	if r.DefaultBranch != "" {
		detail += ", default branch " + r.DefaultBranch
	}
	detail += ")"
	if r.Archived {
		detail += "; archived: Bitbucket refuses changes to it"
	}
	return pass("%s", detail)
}

// checkAdmin asks what the token may do on the repository; webhooks need admin.
func checkAdmin(ctx context.Context, d *doctor) outcome {
	p, err := d.client.RepositoryPermission(ctx, d.cfg.Repo)
	if err != nil {
		return apiFailure(err)
	}
	if p < bitbucket.PermissionAdmin {
		return fail(fmt.Sprintf("the token has %s permission on %s; webhooks need admin", p, d.cfg.Repo), adminHowTo)
	}
	return pass("%s (REPO_ADMIN): the product can create and update webhooks", p)
}

// checkWebhooks lists the repository's webhooks, the first call a product makes to manage them.
func checkWebhooks(ctx context.Context, d *doctor) outcome {
	hooks, err := d.client.ListWebhooks(ctx, d.cfg.Repo)
	if err != nil {
		switch {
		case errors.Is(err, bitbucket.ErrForbidden):
			return fail("listing webhooks was refused: "+errDetail(err), adminHowTo)
		case errors.Is(err, bitbucket.ErrNotFound), errors.Is(err, bitbucket.ErrNotSupported):
			return fail("the webhooks REST API is missing: "+errDetail(err),
				"repository webhooks need Bitbucket Server 5.4 or later; upgrade the server")
		}
		return apiFailure(err)
	}
	// Webhook URLs are not shown: some carry credentials in their query.
	return pass("reachable; %d webhook(s) on %s", len(hooks), d.cfg.Repo)
}

// apiFailure turns an error from the connector into a failed step with the hint that fits it.
func apiFailure(err error) outcome {
	detail := errDetail(err)
	var (
		apiErr  *bitbucket.APIError
		unknown x509.UnknownAuthorityError
	)
	switch {
	case errors.Is(err, bitbucket.ErrDisallowedHost):
		return fail(detail, "bbconnect's host policy refused the address; if this Bitbucket is on your network, allow its range with -allow CIDR (in code: bitbucket.WithAllowedHosts)")
	case errors.Is(err, bitbucket.ErrCrossOriginRedirect):
		return fail(detail, "the server redirected to another address (a proxy or single sign-on page?); use Bitbucket's own base URL")
	case errors.As(err, &unknown):
		return fail(detail, "the connector does not trust the certificate: pass the enterprise CA with -cacert ca.pem; in code: bitbucket.WithRootCAs(pool)")
	case errors.Is(err, bitbucket.ErrUnauthorized):
		return fail(detail, "the server refused the token: "+tokenHowTo)
	case errors.Is(err, bitbucket.ErrForbidden):
		return fail(detail, "the token lacks a permission this call needs; "+adminHowTo)
	case errors.Is(err, bitbucket.ErrRateLimited):
		return fail(detail, "the server is rate limiting this token; wait and run bbdoctor again, or ask the administrator to raise the limit")
	case errors.Is(err, context.DeadlineExceeded):
		return fail(detail, "the server did not answer in time; try a longer -timeout, or ask its administrator whether it is overloaded")
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 500:
		return fail(detail, "the server failed to answer; try again later, or ask its administrator (with the request id, when the detail shows one)")
	}
	return fail(detail, "the server answered in an unexpected way; see the detail")
}

// errDetail is the message of err. For the connector's check errors it is the cause, since
// bbdoctor writes its own hints.
func errDetail(err error) string {
	var ce *bitbucket.CheckError
	if errors.As(err, &ce) && ce.Err != nil {
		return ce.Err.Error()
	}
	return err.Error()
}
