package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
)

// hookEvents are the events the application subscribes its webhooks to.
var hookEvents = []bitbucket.Event{
	bitbucket.EventPush,
	bitbucket.EventPullRequestOpened,
	bitbucket.EventPullRequestMerged,
}

// hookPageData is the data of the hook page.
type hookPageData struct {
	ConnID, Label, Repo string
	Hook                bitbucket.Webhook
	Result              bitbucket.EnsureResult
	At                  time.Time
	CanPush             bool
	Problem             *problem
	// Branches are the first page of the repository's branches, the default one marked;
	// BranchesProblem says why they could not be read.
	Branches        []*bitbucket.Branch
	BranchesProblem *problem
	// Built is the commit a test build was just reported on ("" when none was).
	Built string
}

// branchesShown is how many branches the hook page lists.
const branchesShown = 25

// deliveriesPageData is the data of the deliveries page.
type deliveriesPageData struct {
	ConnID, Label string
	Deliveries    []delivery
	Endpoint      string
}

// hookURL is the address the connection's webhooks deliver to.
func (a *App) hookURL(conn *connection) string {
	return a.url("/webhook/" + conn.id)
}

// repoParam reads the form or query value "repo" as a RepoRef.
func repoParam(r *http.Request) (bitbucket.RepoRef, bool) {
	ref, err := bitbucket.ParseRepoRef(r.FormValue("repo"))
	return ref, err == nil
}

// connectRepo ensures the repository's webhook: created the first time, unchanged after.
func (a *App) connectRepo(w http.ResponseWriter, r *http.Request) {
	conn, err := a.connection(r)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "Connection not found", "This connection does not exist or belongs to another session.")
		return
	}
	ref, ok := repoParam(r)
	if !ok {
		a.fail(w, r, http.StatusBadRequest, "No repository chosen", "Choose a repository from the list.")
		return
	}
	ctx, cancel := a.callContext(r)
	defer cancel()
	spec := bitbucket.WebhookSpec{
		URL:         a.hookURL(conn),
		Description: "connect-web",
		Events:      hookEvents,
		Secret:      string(conn.secret),
		// The URL is the operator's own PublicURL, never a tenant's: on a developer's machine it
		// is loopback, beside the fakes.
		AllowLoopbackURL: true,
	}
	hook, result, err := bitbucket.EnsureWebhook(ctx, conn.connector, ref, spec)
	if err != nil {
		a.log.Info("webhook not ensured", "connection", conn.id, "repo", ref.String(), "err", err)
		p := explain(err)
		if errors.Is(err, bitbucket.ErrForbidden) || errors.Is(err, bitbucket.ErrNotFound) {
			p.Title = "Admin permission is needed to create webhooks"
			p.Text = "You need admin permission on " + ref.String() + " (and a token or consent that includes webhooks) to connect it."
		}
		a.render(w, r, http.StatusBadGateway, "hook", "Connect "+ref.String(),
			hookPageData{ConnID: conn.id, Label: conn.label(), Repo: ref.String(), Problem: &p})
		return
	}
	conn.setHook(ref, hookState{Hook: *hook, Result: result, At: time.Now()})
	a.log.Info("webhook ensured", "connection", conn.id, "repo", ref.String(), "hook", hook.ID, "result", result.String())
	http.Redirect(w, r, "/c/"+conn.id+"/hook?"+url.Values{"repo": {ref.String()}}.Encode(), http.StatusSeeOther)
}

// hookPage shows the webhook ensured on a repository.
func (a *App) hookPage(w http.ResponseWriter, r *http.Request) {
	conn, err := a.connection(r)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "Connection not found", "This connection does not exist or belongs to another session.")
		return
	}
	ref, ok := repoParam(r)
	h, found := conn.hook(ref)
	if !ok || !found {
		a.fail(w, r, http.StatusNotFound, "Not connected", "This repository has not been connected yet: choose it from the repository list.")
		return
	}
	data := hookPageData{
		ConnID: conn.id, Label: conn.label(), Repo: ref.String(),
		Hook: h.Hook, Result: h.Result, At: h.At, CanPush: conn.fake != nil,
		Built: r.URL.Query().Get("built"),
	}
	ctx, cancel := a.callContext(r)
	defer cancel()
	page, err := conn.connector.ListBranchesPage(ctx, ref, bitbucket.ListBranchesOptions{PageSize: branchesShown})
	if err != nil {
		a.log.Info("branch listing failed", "connection", conn.id, "repo", ref.String(), "err", err)
		p := explain(err)
		data.BranchesProblem = &p
	}
	data.Branches = page.Items
	a.render(w, r, http.StatusOK, "hook", "Connected "+ref.String(), data)
}

// reportBuild reports a test build, successful, on the head of a connected repository's default
// branch, then redirects back to the repository's page (POST, redirect, GET).
func (a *App) reportBuild(w http.ResponseWriter, r *http.Request) {
	conn, err := a.connection(r)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "Connection not found", "This connection does not exist or belongs to another session.")
		return
	}
	ref, ok := repoParam(r)
	if _, found := conn.hook(ref); !ok || !found {
		a.fail(w, r, http.StatusBadRequest, "Not connected", "Connect the repository before reporting a build on it.")
		return
	}
	ctx, cancel := a.callContext(r)
	defer cancel()
	head, err := defaultHead(ctx, conn.connector, ref)
	if err == nil {
		err = conn.connector.SetCommitStatus(ctx, ref, head.Commit, bitbucket.CommitStatus{
			Key: "connect-web-test", State: bitbucket.BuildSuccessful, Name: "connect-web test build",
			Description: "reported from connect-web", URL: a.url("/c/" + conn.id + "/hook?" + url.Values{"repo": {ref.String()}}.Encode()),
		})
	}
	if err != nil {
		a.log.Info("build status not reported", "connection", conn.id, "repo", ref.String(), "err", err)
		p := explain(err)
		a.render(w, r, http.StatusBadGateway, "hook", "Connected "+ref.String(),
			hookPageData{ConnID: conn.id, Label: conn.label(), Repo: ref.String(), Problem: &p})
		return
	}
	a.log.Info("build status reported", "connection", conn.id, "repo", ref.String(), "commit", head.Commit)
	http.Redirect(w, r, "/c/"+conn.id+"/hook?"+url.Values{"repo": {ref.String()}, "built": {head.Commit}}.Encode(), http.StatusSeeOther)
}

// defaultHead finds the repository's default branch.
func defaultHead(ctx context.Context, c bitbucket.Connector, ref bitbucket.RepoRef) (*bitbucket.Branch, error) {
	for b, err := range c.ListBranches(ctx, ref, bitbucket.ListBranchesOptions{}) {
		if err != nil {
			return nil, err
		}
		if b.Default {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: %s has no default branch", bitbucket.ErrNotFound, ref)
}

// pushCommit (demo only) makes the fake send a push delivery for a connected repository.
func (a *App) pushCommit(w http.ResponseWriter, r *http.Request) {
	conn, err := a.connection(r)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "Connection not found", "This connection does not exist or belongs to another session.")
		return
	}
	if conn.fake == nil {
		a.fail(w, r, http.StatusNotFound, "Not available", "Pushing a demo commit works only on the demo's fake Bitbucket.")
		return
	}
	ref, ok := repoParam(r)
	if _, found := conn.hook(ref); !ok || !found {
		a.fail(w, r, http.StatusBadRequest, "Not connected", "Connect the repository before pushing to it.")
		return
	}
	ctx, cancel := a.callContext(r)
	defer cancel()
	err = conn.fake.Push(ctx, ref, bitbuckettest.PushEvent{Changes: []bitbuckettest.RefChange{{
		Ref: "refs/heads/main", Type: "UPDATE", FromHash: randomHash(), ToHash: randomHash(),
	}}})
	if err != nil {
		a.log.Warn("demo push not delivered", "connection", conn.id, "repo", ref.String(), "err", err)
		a.fail(w, r, http.StatusBadGateway, "The push was not delivered", "The fake Bitbucket could not deliver the push to this application's webhook endpoint.")
		return
	}
	http.Redirect(w, r, "/c/"+conn.id+"/deliveries", http.StatusSeeOther)
}

func randomHash() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// deliveriesPage lists the connection's verified deliveries, newest first.
func (a *App) deliveriesPage(w http.ResponseWriter, r *http.Request) {
	conn, err := a.connection(r)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "Connection not found", "This connection does not exist or belongs to another session.")
		return
	}
	a.render(w, r, http.StatusOK, "deliveries", "Deliveries", deliveriesPageData{
		ConnID: conn.id, Label: conn.label(), Deliveries: conn.recentDeliveries(), Endpoint: a.hookURL(conn),
	})
}

// webhook receives Bitbucket's deliveries for one connection, verified with its secret.
func (a *App) webhook(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	conn := a.conns[r.PathValue("id")]
	a.mu.Unlock()
	if conn == nil {
		http.Error(w, "unknown webhook", http.StatusNotFound)
		return
	}
	conn.handler.ServeHTTP(w, r)
}
