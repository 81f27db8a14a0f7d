package app

import (
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/bitbuckettest"
	"github.com/bbconnect/bbconnect/server"
)

// serverPage is the data of the self-hosted form.
type serverPage struct {
	URL     string // as typed; the token is never sent back
	Problem *problem
	DemoURL string // the Data Center fake's address in demo mode
}

// problem is a failure explained for the person at the form.
type problem struct {
	Title  string // what happened, in a few words
	Text   string // why, and what to do
	Reason string // the check's reason code, for support ("connection-refused", …)
	Detail string // the technical message (never carries a credential)
}

func (a *App) serverForm(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "server", "Connect self-hosted Bitbucket", serverPage{DemoURL: a.cfg.Demo.serverURL()})
}

// serverConnect is the "Test connection" button: on success the connection is kept and the
// repository picker shows; on failure the form comes back with an explanation.
func (a *App) serverConnect(w http.ResponseWriter, r *http.Request) {
	raw := strings.TrimSpace(r.PostForm.Get("url"))
	token := strings.TrimSpace(r.PostForm.Get("token"))
	page := serverPage{URL: raw, DemoURL: a.cfg.Demo.serverURL()}
	again := func(p problem) {
		page.Problem = &p
		a.render(w, r, http.StatusUnprocessableEntity, "server", "Connect self-hosted Bitbucket", page)
	}
	if msg := checkServerURL(raw); msg != "" {
		page.URL = ""
		again(problem{Title: "The address is not valid", Text: msg})
		return
	}
	if token == "" {
		again(problem{Title: "A token is needed", Text: "Paste an HTTP access token created in Bitbucket (Profile → HTTP access tokens), with Repository admin permission to create webhooks."})
		return
	}
	// One retry: the person at the form waits for the answer. The operator's options come after
	// and may say otherwise.
	opts := append([]bitbucket.Option{bitbucket.WithRetry(1, 10*time.Second)}, a.cfg.ServerOptions...)
	client, err := server.New(raw, auth.Bearer(token), opts...)
	if err != nil {
		p := explain(err)
		if strings.HasPrefix(strings.ToLower(raw), "http:") {
			// server.New refuses plain http to a host the operator did not allow.
			p = problem{Title: "This address is not allowed", Text: notAllowedText, Reason: string(bitbucket.ReasonDisallowedHost)}
		}
		again(p)
		return
	}
	ctx, cancel := a.callContext(r)
	defer cancel()
	info, err := client.CheckConnection(ctx)
	if err != nil {
		a.log.Info("self-hosted connection check failed", "err", err)
		again(explain(err))
		return
	}
	conn := a.newConnection(client, *info, a.cfg.Demo.serverFake(client.BaseURL()))
	a.addConnection(a.session(w, r), conn)
	a.log.Info("connected", "provider", "server", "connection", conn.id, "base", info.BaseURL, "user", info.User.Username)
	http.Redirect(w, r, "/c/"+conn.id+"/repos", http.StatusSeeOther)
}

// checkServerURL returns why raw cannot be a server address, or "". The message never repeats
// the address: it may hold a password.
func checkServerURL(raw string) string {
	if raw == "" {
		return "Enter the address you open Bitbucket at, such as https://bitbucket.example.com."
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return "Enter a full address starting with https://, such as https://bitbucket.example.com."
	case u.Scheme != "https" && u.Scheme != "http":
		return "The address must start with https:// (or http:// on an allowed private network)."
	case u.User != nil:
		return "Do not put a user name or password in the address: paste the token in its own field."
	case u.RawQuery != "" || u.Fragment != "":
		return "Remove the part after ? or # from the address."
	}
	return ""
}

// notAllowedText explains the host policy.
const notAllowedText = "This application connects only to public addresses over https. Loopback, private and link-local addresses, and plain http, are refused unless its operator allows their network (start it with -allow 10.0.0.0/8, for example). Use the server's public https address."

// explain turns a connection failure into words, with errors.Is and errors.As on the
// library's sentinels and the server package's CheckError.
func explain(err error) problem {
	p := problem{Detail: err.Error()}
	var ce *bitbucket.CheckError
	if errors.As(err, &ce) {
		p.Reason = string(ce.Reason)
		p.Text = sentence(ce.Hint)
	}
	var unknownCA x509.UnknownAuthorityError
	switch {
	case errors.Is(err, bitbucket.ErrDisallowedHost):
		p.Title = "This address is not allowed"
		p.Text = notAllowedText
	case errors.As(err, &unknownCA) || p.Reason == string(bitbucket.ReasonTLSUnknownAuthority):
		p.Title = "The server's certificate is not trusted"
		if p.Text == "" {
			p.Text = "Its certificate was issued by an unknown certificate authority, such as a company's own CA. The operator can add that CA to this application's trusted roots."
		}
	case p.Reason == string(bitbucket.ReasonConnectionRefused):
		p.Title = "Nothing answers at this address"
	case p.Reason == string(bitbucket.ReasonDNS):
		p.Title = "The host name does not resolve"
	case p.Reason == string(bitbucket.ReasonTimeout):
		p.Title = "The server did not answer in time"
	case errors.Is(err, server.ErrNotBitbucket):
		p.Title = "This is not a Bitbucket server"
		if p.Text == "" {
			p.Text = "Something answers at this address, but not Bitbucket Server or Data Center. Check the address, including any context path such as /bitbucket."
		}
	case errors.Is(err, bitbucket.ErrForbidden):
		p.Title = "The token lacks a permission"
		if p.Text == "" {
			p.Text = "The token is valid, but its user or its scopes do not allow this. Create a token with Repository admin permission."
		}
	case errors.Is(err, bitbucket.ErrUnauthorized):
		p.Title = "The token was refused"
		if p.Text == "" {
			p.Text = "Bitbucket did not accept the token: it may be mistyped, expired or revoked. Create a new HTTP access token and paste it again."
		}
	case errors.Is(err, bitbucket.ErrRateLimited):
		p.Title = "Bitbucket asked to slow down"
		if p.Text == "" {
			p.Text = "Too many requests were made. Wait a minute and try again."
		}
	case errors.Is(err, bitbucket.ErrCrossOriginRedirect):
		p.Title = "The server redirected elsewhere"
		if p.Text == "" {
			p.Text = "The address redirects to another host. Enter the address Bitbucket finally lives at."
		}
	case errors.Is(err, bitbucket.ErrInvalidInput):
		p.Title = "The address is not valid"
		p.Text = "Enter the address you open Bitbucket at, such as https://bitbucket.example.com or https://git.example.com/bitbucket."
		p.Detail = "" // the message may repeat what was typed
	case ce != nil:
		p.Title = "The connection test failed"
	default:
		p.Title = "Bitbucket could not be reached"
	}
	if p.Text == "" {
		p.Text = "Check the address and the token, then try again."
	}
	return p
}

// serverURL is the Data Center fake's address, "" outside demo mode.
func (d *Demo) serverURL() string {
	if d == nil {
		return ""
	}
	return d.Server.URL()
}

// serverFake returns the Data Center fake when base is its address.
func (d *Demo) serverFake(base string) *bitbuckettest.Server {
	if d == nil || strings.TrimSuffix(d.Server.URL(), "/") != strings.TrimSuffix(base, "/") {
		return nil
	}
	return d.Server
}

// cloudFake returns the Cloud fake in demo mode.
func (d *Demo) cloudFake() *bitbuckettest.Server {
	if d == nil {
		return nil
	}
	return d.Cloud
}

// sentence capitalises the first letter of s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
