package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// adoptAttempts and adoptWait bound how long a replica whose refresh lost a race waits for the
// winner's token to appear in the store: the winner saves right after the token endpoint answers.
const (
	adoptAttempts = 6
	adoptWait     = 50 * time.Millisecond
)

// StoredTokenSource returns a token source for one connection whose token lives in store, shared
// by every replica of a product. It is built for Bitbucket Cloud, whose refresh tokens rotate on
// every use: a refreshed token that is not saved at once locks the user out. It serves Data
// Center's OAuth 2.0 provider (ServerOAuth2Config) too, whose rotation is unconfirmed: an answer
// with a new refresh token is saved like Cloud's, and one without keeps the refresh token it used.
// For a Data Center configuration with a RedirectURL the refresh grant carries redirect_uri, as
// Atlassian's examples send it, so a server that requires it works and one that does not ignores it.
//
//   - A valid token (oauth2's expiry margin applies) is served from memory, then from the store.
//   - An expired one is refreshed once for any number of concurrent callers; when the store is a
//     TokenLocker the replicas take turns, and the one after the winner finds a valid token.
//   - The rotated token is saved (TokenStore.Save, a compare-and-swap on the token it replaces)
//     before any caller gets it.
//   - A replica that loses the race, because Save reports ErrTokenConflict or because the token
//     endpoint answers invalid_grant to a refresh token another replica already used, loads the
//     winner's token from the store instead of failing.
//   - Any other failure of Save is returned, never swallowed; the refreshed token is kept and
//     saved again on the next call before it is handed out.
//
// Refreshes run on ctx without its cancellation (context.WithoutCancel), so the request that
// happens to trigger one cannot cut it short, and each is bounded by its own timeout. The token
// endpoint is called through TokenContext's client: the API's host policy (the allow-list of
// ContextWithAllowedHosts on ctx), no proxy from the environment, no redirect; the transport of
// an oauth2.HTTPClient in ctx is kept behind the policy check. Errors wrap ErrTokenSource and never carry a secret.
func StoredTokenSource(ctx context.Context, cfg *oauth2.Config, store TokenStore) oauth2.TokenSource {
	st := &storedState{ctx: TokenContext(context.WithoutCancel(ctx)), cfg: cfg, store: store, seen: newTokenMemo()}
	return &storedSource{state: seal(st)}
}

// storedSource is the token source of StoredTokenSource. Its state, which holds the tokens and
// the client secret, is sealed: no printer, dumper or encoder reaches it (see sealed).
type storedSource struct{ state *sealed[*storedState] }

// Token returns a valid token, refreshing and saving it when needed.
func (s *storedSource) Token() (*oauth2.Token, error) { return s.state.open().Token() }

// String describes the source without its tokens or its configuration's secret.
func (s *storedSource) String() string { return "auth.StoredTokenSource(REDACTED)" }

// GoString is String.
func (s *storedSource) GoString() string { return s.String() }

// Format prints String whatever the verb.
func (s *storedSource) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// LogValue is String.
func (s *storedSource) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes the kind of source only.
func (s *storedSource) MarshalJSON() ([]byte, error) {
	return []byte(`{"source":"StoredTokenSource"}`), nil
}

// storedState is the state of a StoredTokenSource.
type storedState struct {
	ctx   context.Context
	cfg   *oauth2.Config
	store TokenStore

	mu  sync.Mutex
	cur *oauth2.Token
	// pending is a refreshed token whose Save failed, and pendingPrev the token it replaces. The
	// refresh token in pendingPrev may be dead already, so pending is saved before anything else.
	pending, pendingPrev *oauth2.Token
	// seen remembers the tokens loaded, refreshed and handed out, for redaction; it has a lock of
	// its own so that reading it never waits for a refresh.
	seen *tokenMemo
}

// Token returns a valid token, refreshing and saving it when needed.
func (s *storedState) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil && s.cur.Valid() {
		return cloneToken(s.cur), nil
	}
	if s.cfg == nil || s.store == nil {
		return nil, fmt.Errorf("%w: StoredTokenSource needs a config and a store", ErrTokenSource)
	}
	ctx, cancel := context.WithTimeout(s.ctx, 2*tokenTimeout)
	defer cancel()
	if s.pending != nil {
		return s.save(ctx, s.pendingPrev, s.pending)
	}
	tok, err := s.load(ctx)
	if err != nil || tok.Valid() {
		return cloneToken(tok), err
	}
	if l, ok := s.store.(TokenLocker); ok {
		unlock, err := l.LockRefresh(ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: lock token refresh: %w", ErrTokenSource, err)
		}
		defer unlock()
		// The replica that held the lock before may have refreshed already.
		if tok, err = s.load(ctx); err != nil || tok.Valid() {
			return cloneToken(tok), err
		}
	}
	return s.refresh(ctx, tok)
}

// load reads the store; a valid token becomes the current one.
func (s *storedState) load(ctx context.Context) (*oauth2.Token, error) {
	tok, err := s.store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: load token: %w", ErrTokenSource, err)
	}
	if tok == nil {
		return nil, fmt.Errorf("%w: load token: %w", ErrTokenSource, ErrNoToken)
	}
	s.seen.remember(tok)
	if tok.Valid() {
		s.cur = cloneToken(tok)
	}
	return tok, nil
}

// refresh asks the token endpoint for a successor of old and saves it.
func (s *storedState) refresh(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
	if old.RefreshToken == "" {
		return nil, fmt.Errorf("%w: the stored token expired and has no refresh token; authorize again", ErrTokenSource)
	}
	next, err := s.cfg.TokenSource(withRefreshRedirect(ctx, s.cfg), &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err != nil {
		terr := tokenError("refresh", err)
		if errors.Is(terr, ErrInvalidGrant) {
			// Another replica may have used this refresh token a moment ago.
			return s.adopt(ctx, old, terr)
		}
		return nil, terr
	}
	if next.RefreshToken == "" {
		next.RefreshToken = old.RefreshToken
	}
	s.seen.remember(next)
	return s.save(ctx, old, next)
}

// save stores next in place of old and makes it current.
func (s *storedState) save(ctx context.Context, old, next *oauth2.Token) (*oauth2.Token, error) {
	err := s.store.Save(ctx, old, next)
	switch {
	case err == nil:
		s.pending, s.pendingPrev = nil, nil
		s.cur = cloneToken(next)
		return cloneToken(next), nil
	case errors.Is(err, ErrTokenConflict):
		s.pending, s.pendingPrev = nil, nil
		return s.adopt(ctx, old, fmt.Errorf("%w: save refreshed token: %w", ErrTokenSource, err))
	default:
		s.pending, s.pendingPrev = next, old
		return nil, fmt.Errorf("%w: save refreshed token: %w", ErrTokenSource, err)
	}
}

// adopt returns the token another replica saved in place of old, waiting briefly for it; cause is
// returned when none appears.
func (s *storedState) adopt(ctx context.Context, old *oauth2.Token, cause error) (*oauth2.Token, error) {
	for i := range adoptAttempts {
		tok, err := s.store.Load(ctx)
		if err == nil && tok != nil && !SameToken(tok, old) {
			s.seen.remember(tok)
			if tok.Valid() {
				s.cur = cloneToken(tok)
				return cloneToken(tok), nil
			}
			return nil, cause
		}
		if i == adoptAttempts-1 {
			break
		}
		t := time.NewTimer(adoptWait << i)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, cause
		case <-t.C:
		}
	}
	return nil, cause
}
