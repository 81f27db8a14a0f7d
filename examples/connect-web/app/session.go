package app

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"
)

// cookieName is the session cookie's name.
const cookieName = "connectweb_session"

const (
	sessionTTL  = 12 * time.Hour
	maxSessions = 10000
)

// session is one browser's state: its CSRF token, the OAuth state it is waiting for, and the ids of
// its connections. Fields are guarded by App.mu.
type session struct {
	id, csrf   string
	oauthState string
	conns      []string
	seen       time.Time
}

// randomToken returns n random bytes as URL-safe base64 without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// lookupSession returns the request's session, or nil.
func (a *App) lookupSession(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[c.Value]
	if s == nil || time.Since(s.seen) > sessionTTL {
		return nil
	}
	s.seen = time.Now()
	return s
}

// session returns the request's session, starting one (and setting its cookie) when there is none.
func (a *App) session(w http.ResponseWriter, r *http.Request) *session {
	if s := a.lookupSession(r); s != nil {
		return s
	}
	s := &session{id: randomToken(32), csrf: randomToken(32), seen: time.Now()}
	a.mu.Lock()
	if len(a.sessions) >= maxSessions {
		a.pruneLocked()
	}
	a.sessions[s.id] = s
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    s.id,
		Path:     "/",
		HttpOnly: true,
		Secure:   a.secure,
		SameSite: http.SameSiteLaxMode,
		MaxAge:   int(sessionTTL / time.Second),
	})
	return s
}

// pruneLocked drops expired sessions and their connections, then the oldest ones if still full.
func (a *App) pruneLocked() {
	var oldest *session
	for id, s := range a.sessions {
		if time.Since(s.seen) > sessionTTL {
			a.dropSessionLocked(id)
			continue
		}
		if oldest == nil || s.seen.Before(oldest.seen) {
			oldest = s
		}
	}
	if len(a.sessions) >= maxSessions && oldest != nil {
		a.dropSessionLocked(oldest.id)
	}
}

func (a *App) dropSessionLocked(id string) {
	if s := a.sessions[id]; s != nil {
		for _, c := range s.conns {
			delete(a.conns, c)
		}
	}
	delete(a.sessions, id)
}

// checkCSRF reports whether a POST carries its session's CSRF token in the form field "csrf".
// r.ParseForm has been called.
func (a *App) checkCSRF(r *http.Request) bool {
	s := a.lookupSession(r)
	if s == nil {
		return false
	}
	got := r.PostForm.Get("csrf")
	a.mu.Lock()
	want := s.csrf
	a.mu.Unlock()
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// connection returns the connection named by the path's {id} when it belongs to the request's
// session.
func (a *App) connection(r *http.Request) (*connection, error) {
	s := a.lookupSession(r)
	if s == nil {
		return nil, errNoConnection
	}
	id := r.PathValue("id")
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.conns[id]
	if c == nil || c.session != s.id {
		return nil, errNoConnection
	}
	return c, nil
}

// addConnection registers c under session s.
func (a *App) addConnection(s *session, c *connection) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c.session = s.id
	a.conns[c.id] = c
	s.conns = append(s.conns, c.id)
}

// sessionConnections returns the connections of s, oldest first.
func (a *App) sessionConnections(s *session) []*connection {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*connection
	for _, id := range s.conns {
		if c := a.conns[id]; c != nil {
			out = append(out, c)
		}
	}
	return out
}
