package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/cloud"
)

// cloudConnect starts the OAuth flow: a fresh state, remembered by the StateStore and by the
// session, then the consent page.
func (a *App) cloudConnect(w http.ResponseWriter, r *http.Request) {
	if a.oauth == nil {
		a.fail(w, r, http.StatusServiceUnavailable, "Bitbucket Cloud is not configured",
			"Set BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET to an OAuth consumer's key and secret, whose callback URL is "+a.url("/cloud/callback")+".")
		return
	}
	state, err := a.states.Issue(r.Context())
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, "Something went wrong", "The sign-in could not be started. Try again.")
		return
	}
	s := a.session(w, r)
	a.mu.Lock()
	s.oauthState = state
	a.mu.Unlock()
	http.Redirect(w, r, a.oauth.AuthCodeURL(state), http.StatusSeeOther)
}

// cloudCallback finishes the OAuth flow: the state must be the one this session was sent off
// with, and unused; the code is exchanged once; the token goes into a TokenStore, and the
// connection's client reads it from there through StoredTokenSource.
func (a *App) cloudCallback(w http.ResponseWriter, r *http.Request) {
	if a.oauth == nil {
		a.fail(w, r, http.StatusServiceUnavailable, "Bitbucket Cloud is not configured", "This application has no OAuth consumer.")
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	s := a.lookupSession(r)
	var want string
	if s != nil {
		a.mu.Lock()
		want, s.oauthState = s.oauthState, "" // one callback per start
		a.mu.Unlock()
	}
	if state == "" || want == "" || subtle.ConstantTimeCompare([]byte(state), []byte(want)) != 1 || a.states.ConsumeOnce(r.Context(), state) != nil {
		a.log.Warn("OAuth callback refused: state mismatch")
		a.fail(w, r, http.StatusBadRequest, "The sign-in could not be verified",
			"This answer from Bitbucket does not belong to a sign-in started here, or it was already used or has expired. Start again from the home page.")
		return
	}
	if e := q.Get("error"); e != "" {
		msg := "Bitbucket did not grant access."
		if e == "access_denied" {
			msg = "Access was not granted on Bitbucket's consent page. Nothing was connected."
		}
		a.fail(w, r, http.StatusForbidden, "Access not granted", msg)
		return
	}
	code := q.Get("code")
	if code == "" {
		a.fail(w, r, http.StatusBadRequest, "The sign-in could not be completed", "Bitbucket's answer carried no authorization code. Start again.")
		return
	}
	ctx, cancel := a.callContext(r)
	defer cancel()
	tok, err := auth.Exchange(auth.ContextWithAllowedHosts(ctx, a.cfg.TokenAllowedHosts...), a.oauth, code)
	if err != nil {
		a.log.Warn("OAuth code exchange failed", "err", err)
		msg := "Bitbucket refused to exchange the authorization code. Start again."
		if errors.Is(err, auth.ErrInvalidGrant) {
			msg = "The authorization code was already used or has expired. Start again."
		}
		a.fail(w, r, http.StatusBadGateway, "The sign-in could not be completed", msg)
		return
	}
	// The token lives in a TokenStore (a database row in a product); every use goes through
	// StoredTokenSource, which refreshes and saves the rotated refresh token.
	store := auth.NewMemoryTokenStore(tok)
	ts := auth.StoredTokenSource(auth.ContextWithAllowedHosts(context.WithoutCancel(r.Context()), a.cfg.TokenAllowedHosts...), a.oauth, store)
	client, err := cloud.New(auth.OAuth2(ts), a.cfg.CloudOptions...)
	if err != nil {
		a.log.Error("cloud client", "err", err)
		a.fail(w, r, http.StatusInternalServerError, "Something went wrong", "The Bitbucket Cloud client could not be set up.")
		return
	}
	info, err := client.CheckConnection(ctx)
	if err != nil {
		a.log.Warn("cloud connection check failed", "err", err)
		p := explain(err)
		a.fail(w, r, http.StatusBadGateway, p.Title, p.Text)
		return
	}
	var fake = a.cfg.Demo.cloudFake()
	conn := a.newConnection(client, *info, fake)
	a.addConnection(a.session(w, r), conn)
	a.log.Info("connected", "provider", "cloud", "connection", conn.id, "user", info.User.Username)
	// A clean URL: the code does not stay in the address bar or the history.
	http.Redirect(w, r, "/c/"+conn.id+"/repos", http.StatusSeeOther)
}
