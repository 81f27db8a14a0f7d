package app

import "net/http"

// homePage is the data of the home page.
type homePage struct {
	CloudReady bool
	Callback   string
	DemoURL    string
}

// home shows the two ways to connect and the session's connections.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "home", "Connect Bitbucket", homePage{
		CloudReady: a.oauth != nil,
		Callback:   a.url("/cloud/callback"),
		DemoURL:    a.cfg.Demo.serverURL(),
	})
}
