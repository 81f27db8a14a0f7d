package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/webhooks"
)

// Config configures the application. PublicURL is required; everything else has a default.
type Config struct {
	// PublicURL is the address browsers and Bitbucket reach this application at, such as
	// http://127.0.0.1:8080. The OAuth callback (PublicURL + "/cloud/callback") and the webhook
	// endpoints (PublicURL + "/webhook/{connection}") hang under it.
	PublicURL string

	// CloudClientID and CloudClientSecret are the Bitbucket Cloud OAuth consumer's key and
	// secret. Without them the Cloud connection is shown as not configured.
	CloudClientID, CloudClientSecret string
	// CloudSiteURL is the site serving the OAuth endpoints; empty means auth.CloudSiteURL.
	CloudSiteURL string
	// CloudOptions are passed to cloud.New (for example WithBaseURL and the host allow-list of a
	// fake or a proxy).
	CloudOptions []bitbucket.Option
	// TokenAllowedHosts is the allow-list of the OAuth token requests (auth.ContextWithAllowedHosts):
	// the token endpoint of a fake on loopback, say. Public https endpoints need none.
	TokenAllowedHosts []netip.Prefix

	// ServerOptions are passed to server.New for the self-hosted form. Loopback and private
	// addresses are refused unless a WithAllowedHosts option here covers them.
	ServerOptions []bitbucket.Option

	// Demo, when set, enables the "Push a commit" button for connections to its fakes.
	Demo *Demo

	// PageSize is how many repositories one page of the picker shows: 10 when zero, at most 25.
	PageSize int
	// CallTimeout bounds the Bitbucket calls made for one page view: 30 s when zero.
	CallTimeout time.Duration
	// Logger receives one line per notable event, never a secret; nil logs nothing.
	Logger *slog.Logger
}

// App is the running application: its sessions, connections and received deliveries, all in
// memory. It is safe for concurrent use.
type App struct {
	cfg    Config
	public *url.URL
	log    *slog.Logger
	oauth  *oauth2.Config // nil when Cloud is not configured
	states auth.StateStore
	dedupe *webhooks.Deduper
	pages  pages
	secure bool // cookies get the Secure attribute (PublicURL is https)

	mu       sync.Mutex
	sessions map[string]*session
	conns    map[string]*connection
}

const (
	defaultPageSize    = 10
	maxPageSize        = 25
	defaultCallTimeout = 30 * time.Second
	maxFormBytes       = 64 << 10
)

// New checks cfg and returns the application and its HTTP handler.
func New(cfg Config) (*App, http.Handler, error) {
	pu, err := url.Parse(strings.TrimSuffix(cfg.PublicURL, "/"))
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.User != nil || pu.RawQuery != "" || pu.Fragment != "" {
		return nil, nil, fmt.Errorf("%w: PublicURL must be an absolute http or https URL with no user, query or fragment", bitbucket.ErrInvalidInput)
	}
	switch {
	case cfg.PageSize <= 0:
		cfg.PageSize = defaultPageSize
	case cfg.PageSize > maxPageSize:
		cfg.PageSize = maxPageSize
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = defaultCallTimeout
	}
	if cfg.CloudSiteURL == "" {
		cfg.CloudSiteURL = auth.CloudSiteURL
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p, err := loadPages()
	if err != nil {
		return nil, nil, err
	}
	a := &App{
		cfg:      cfg,
		public:   pu,
		log:      log,
		states:   auth.NewStateStore(10 * time.Minute),
		dedupe:   webhooks.NewDeduper(1000, time.Hour),
		pages:    p,
		secure:   pu.Scheme == "https",
		sessions: map[string]*session{},
		conns:    map[string]*connection{},
	}
	if cfg.CloudClientID != "" && cfg.CloudClientSecret != "" {
		a.oauth = auth.CloudOAuth2ConfigFor(strings.TrimSuffix(cfg.CloudSiteURL, "/"), cfg.CloudClientID, cfg.CloudClientSecret, a.url("/cloud/callback"))
	}
	return a, a.routes(), nil
}

// url returns the public address of path.
func (a *App) url(path string) string {
	return a.public.String() + path
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /static/style.css", serveCSS)
	mux.HandleFunc("POST /cloud/connect", a.cloudConnect)
	mux.HandleFunc("GET /cloud/callback", a.cloudCallback)
	mux.HandleFunc("GET /server", a.serverForm)
	mux.HandleFunc("POST /server", a.serverConnect)
	mux.HandleFunc("GET /c/{id}/repos", a.repos)
	mux.HandleFunc("POST /c/{id}/connect", a.connectRepo)
	mux.HandleFunc("GET /c/{id}/hook", a.hookPage)
	mux.HandleFunc("POST /c/{id}/push", a.pushCommit)
	mux.HandleFunc("POST /c/{id}/build", a.reportBuild)
	mux.HandleFunc("GET /c/{id}/deliveries", a.deliveriesPage)
	mux.HandleFunc("POST /webhook/{id}", a.webhook)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, http.StatusNotFound, "Page not found", "There is nothing at this address.")
	})
	return a.guard(mux)
}

// guard wraps every request: security headers, a bounded form body, the CSRF check on every POST
// from a browser, and a recovery that answers a plain error page instead of a stack trace.
func (a *App) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Error("request failed", "method", r.Method, "path", r.URL.Path)
				a.fail(w, r, http.StatusInternalServerError, "Something went wrong", "The request could not be completed. Try again.")
			}
		}()
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if strings.HasPrefix(r.URL.Path, "/webhook/") {
			next.ServeHTTP(w, r) // Bitbucket's deliveries: no session, verified by signature
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				a.fail(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
				return
			}
			if !a.checkCSRF(r) {
				a.fail(w, r, http.StatusForbidden, "This form has expired",
					"The form was not sent from this page, or your session ended. Go back, reload the page and try again.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// callContext bounds the Bitbucket calls of one request.
func (a *App) callContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), a.cfg.CallTimeout)
}

// errNoConnection is the cause when a connection id is unknown or belongs to another session.
var errNoConnection = errors.New("no such connection")
