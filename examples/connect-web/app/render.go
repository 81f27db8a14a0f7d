package app

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

//go:embed templates/*.html static/style.css
var assets embed.FS

// pages holds one parsed template per page, each with the shared layout.
type pages map[string]*template.Template

var pageNames = []string{"home", "server", "repos", "hook", "deliveries", "error"}

var funcs = template.FuncMap{
	"ago": func(t time.Time) string {
		d := time.Since(t).Round(time.Second)
		if d < time.Second {
			return "just now"
		}
		return d.String() + " ago"
	},
	"clock": func(t time.Time) string { return t.Format("15:04:05") },
	"result": func(r bitbucket.EnsureResult) string {
		switch r {
		case bitbucket.EnsureCreated:
			return "created"
		case bitbucket.EnsureUpdated:
			return "updated"
		case bitbucket.EnsureUnchanged:
			return "unchanged"
		}
		return ""
	},
}

func loadPages() (pages, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("connect-web: templates: %w", err)
	}
	p := pages{}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(assets, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("connect-web: templates: %w", err)
		}
		p[name] = t
	}
	return p, nil
}

func serveCSS(w http.ResponseWriter, r *http.Request) {
	b, _ := assets.ReadFile("static/style.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}

// view is what every page template receives.
type view struct {
	Title string
	CSRF  string
	Demo  bool
	Conns []connLink
	P     any // the page's own data
}

// connLink is a connection in the navigation.
type connLink struct {
	ID, Label, User string
}

// render writes page with data, inside the layout, with status.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	s := a.session(w, r)
	v := view{Title: title, Demo: a.cfg.Demo != nil, P: data}
	a.mu.Lock()
	v.CSRF = s.csrf
	a.mu.Unlock()
	for _, c := range a.sessionConnections(s) {
		v.Conns = append(v.Conns, connLink{ID: c.id, Label: c.label(), User: c.user()})
	}
	var buf bytes.Buffer
	if err := a.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		a.log.Error("template failed", "page", page, "err", err)
		http.Error(w, "Something went wrong.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage is the data of the error page.
type errorPage struct {
	Message string
}

// fail answers an error page with a short explanation and a way back.
func (a *App) fail(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	a.render(w, r, status, "error", title, errorPage{Message: message})
}
