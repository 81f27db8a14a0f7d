package auth

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// serverTokenPath is how the token endpoint of Bitbucket Data Center's OAuth 2.0 provider ends
// (ServerOAuth2Config): it tells a Data Center configuration from a Cloud one.
const serverTokenPath = "/rest/oauth2/latest/token"

// maxTokenRequest bounds the token request body that refreshRedirectTransport reads; oauth2's
// requests are a few hundred bytes.
const maxTokenRequest = 64 << 10

// withRefreshRedirect returns ctx, whose oauth2.HTTPClient is TokenContext's guarded client, with
// that client's refresh_token grants to cfg's token endpoint carrying redirect_uri, when cfg is a
// Data Center configuration with a RedirectURL. Atlassian's examples of Data Center's refresh grant
// send redirect_uri, and whether the server requires it is unconfirmed; oauth2 never sends it on a
// refresh, and a server that does not need it ignores it. Every other configuration, and every other
// request, is left as it is.
func withRefreshRedirect(ctx context.Context, cfg *oauth2.Config) context.Context {
	if cfg == nil || cfg.RedirectURL == "" {
		return ctx
	}
	endpoint, err := url.Parse(cfg.Endpoint.TokenURL)
	if err != nil || !strings.HasSuffix(strings.TrimRight(endpoint.Path, "/"), serverTokenPath) {
		return ctx
	}
	hc, ok := ctx.Value(oauth2.HTTPClient).(*http.Client)
	if !ok || hc == nil || hc != ctx.Value(guardedClientKey{}) {
		return ctx // not TokenContext's client: never bypass its host policy by replacing it
	}
	wrapped := *hc
	wrapped.Transport = &refreshRedirectTransport{next: hc.Transport, endpoint: endpoint.String(), redirectURL: cfg.RedirectURL}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &wrapped)
	return context.WithValue(ctx, guardedClientKey{}, &wrapped)
}

// refreshRedirectTransport adds redirect_uri to the refresh_token grants posted to endpoint that
// lack it, then hands every request to next (the guarded transport, host policy included).
type refreshRedirectTransport struct {
	next                  http.RoundTripper
	endpoint, redirectURL string
}

// RoundTrip sends req, with redirect_uri added when req is a refresh grant to the endpoint.
func (t *refreshRedirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if req.Method != http.MethodPost || req.Body == nil || req.URL.String() != t.endpoint || ct != "application/x-www-form-urlencoded" {
		return t.next.RoundTrip(req)
	}
	raw, err := io.ReadAll(io.LimitReader(req.Body, maxTokenRequest+1))
	_ = req.Body.Close()
	if err != nil || len(raw) > maxTokenRequest {
		// The body holds the client secret and the refresh token: never quote it.
		return nil, errTokenRequestBody
	}
	body := string(raw)
	if form, err := url.ParseQuery(body); err == nil && form.Get("grant_type") == "refresh_token" && !form.Has("redirect_uri") {
		form.Set("redirect_uri", t.redirectURL)
		body = form.Encode()
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(strings.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	return t.next.RoundTrip(out)
}

// errTokenRequestBody is the failure to read a token request's own body before sending it; it
// quotes nothing of the request.
var errTokenRequestBody = errors.New("auth: token request body unreadable or too large")
