package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/internal/hostpolicy"
	"golang.org/x/oauth2"
)

// CloudSiteURL is the site that serves Bitbucket Cloud's OAuth 2.0 endpoints (not the API host).
const CloudSiteURL = "https://bitbucket.org"

// ErrTokenRedirect is the cause when a token endpoint answers with a redirect: the request, which
// carries the client secret and a single-use code or refresh token, is never repeated elsewhere.
var ErrTokenRedirect = errors.New("auth: redirect from the token endpoint refused")

// ErrInvalidGrant marks a token endpoint's invalid_grant: the code or refresh token was used,
// revoked or expired. For a refresh token that nobody else rotated, the user must authorize again.
var ErrInvalidGrant = errors.New("auth: invalid_grant")

// CloudOAuth2Config returns the configuration of a Bitbucket Cloud OAuth consumer (its key as
// clientID, its secret as clientSecret). Bitbucket Cloud takes no scope parameter: the consumer's
// permission checkboxes are its scopes. The client authenticates with HTTP Basic
// (oauth2.AuthStyleInHeader): the auto-detecting default would retry a refused exchange with the
// secret in the body, replaying a single-use code.
//
// Send the user to cfg.AuthCodeURL(state) with a state from a StateStore, then call Exchange.
func CloudOAuth2Config(clientID, clientSecret, redirectURL string) *oauth2.Config {
	return CloudOAuth2ConfigFor(CloudSiteURL, clientID, clientSecret, redirectURL)
}

// CloudOAuth2ConfigFor is CloudOAuth2Config against another site, such as the fake
// bitbuckettest.NewCloud (its OAuthSiteURL): the endpoints are siteURL + "/site/oauth2/authorize"
// and siteURL + "/site/oauth2/access_token".
func CloudOAuth2ConfigFor(siteURL, clientID, clientSecret, redirectURL string) *oauth2.Config {
	site := strings.TrimRight(siteURL, "/")
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Endpoint: oauth2.Endpoint{
			AuthURL:   site + "/site/oauth2/authorize",
			TokenURL:  site + "/site/oauth2/access_token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
}

// ServerOAuth2Config returns the configuration of a client registered on Bitbucket Data Center's
// OAuth 2.0 provider (an incoming Application Link). baseURL is the server's URL with its context
// path, e.g. https://host:7990/bitbucket; the endpoints are /rest/oauth2/latest/authorize and
// /rest/oauth2/latest/token under it. Scopes are Data Center's (REPO_READ, REPO_ADMIN,
// PROJECT_ADMIN, …). The client credentials travel as form parameters, as the provider's
// documentation shows (oauth2.AuthStyleInParams), never auto-detected.
//
// baseURL is typed by a tenant: its token endpoint is reached under the API's host policy (see
// TokenContext), so a plain-http, loopback, private or metadata URL is refused when Exchange or
// StoredTokenSource would call it, unless ContextWithAllowedHosts allows it.
//
// By default Data Center's access tokens last 3600 s and its refresh tokens 90 days (an
// administrator may change both through the provider's system properties); trust expires_in.
// Whether it rotates refresh tokens, and whether its refresh grant requires redirect_uri, are
// unconfirmed, so StoredTokenSource handles both answers of each: it saves a new refresh token when
// one comes and keeps the old one otherwise, and it sends redirect_uri (this config's RedirectURL)
// with every refresh grant to a Data Center token endpoint. A refresh made otherwise, through
// cfg.TokenSource, sends no redirect_uri.
//
// Data Center supports PKCE, which a public client needs and a confidential one should use too:
//
//	verifier := oauth2.GenerateVerifier()      // keep it with the state, server side
//	url := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
//	// … on the callback:
//	tok, err := auth.Exchange(ctx, cfg, code, oauth2.VerifierOption(verifier))
func ServerOAuth2Config(baseURL, clientID, clientSecret, redirectURL string, scopes ...string) *oauth2.Config {
	base := strings.TrimRight(baseURL, "/")
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   base + "/rest/oauth2/latest/authorize",
			TokenURL:  base + "/rest/oauth2/latest/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// Exchange trades an authorization code for a token. The token endpoint is reached through
// TokenContext's client: the API's host policy (see ContextWithAllowedHosts), no proxy from the
// environment, no redirect (the transport of an oauth2.HTTPClient in ctx is kept), and the
// error never carries the client secret, the code or the endpoint's raw body: it wraps
// ErrTokenSource, and ErrInvalidGrant for a used or expired code. Pass oauth2.VerifierOption for
// PKCE. A code is single use: never call Exchange twice with one.
func Exchange(ctx context.Context, cfg *oauth2.Config, code string, opts ...oauth2.AuthCodeOption) (*oauth2.Token, error) {
	if cfg == nil {
		return nil, fmt.Errorf("%w: no OAuth2 config", ErrTokenSource)
	}
	if code == "" {
		return nil, fmt.Errorf("%w: empty authorization code", ErrTokenSource)
	}
	tok, err := cfg.Exchange(TokenContext(ctx), code, opts...)
	if err != nil {
		return nil, tokenError("exchange", err)
	}
	return tok, nil
}

// tokenTimeout bounds one call to a token endpoint made by this package on its own context.
const tokenTimeout = 30 * time.Second

// tokenError turns a failure of a token endpoint into an error without secrets: the endpoint's
// status and error code are kept, its raw body dropped.
func tokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
		return fmt.Errorf("%w: %s: %w: %v", ErrTokenSource, op, ErrInvalidGrant, redactTokenError(err))
	}
	if errors.Is(err, ErrTokenRedirect) {
		return fmt.Errorf("%w: %s: %w", ErrTokenSource, op, ErrTokenRedirect)
	}
	var he *hostpolicy.HostError
	if errors.As(err, &he) {
		return fmt.Errorf("%w: %s: %w", ErrTokenSource, op, he)
	}
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return fmt.Errorf("%w: %s: %w", ErrTokenSource, op, c)
		}
	}
	return fmt.Errorf("%w: %s: %v", ErrTokenSource, op, redactTokenError(err))
}
