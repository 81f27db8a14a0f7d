package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
)

// DefaultRefreshLease bounds how long a replica holds a TokenStore's refresh lock: longer than a
// refresh takes (StoredTokenSource bounds one well below it), short enough that a replica that dies
// mid-refresh does not stall the others for long.
const DefaultRefreshLease = 30 * time.Second

// TokenStore is an auth.TokenStore and auth.TokenLocker for one connection (one row), shared by
// every replica over the same database. Save is a compare-and-swap done by one conditional
// statement; LockRefresh is a lease on a lock row, so that one replica refreshes at a time and a
// dead one's lock lapses. Tokens are stored as given: protect the database as you would the
// tokens. No form of a TokenStore (String, fmt verbs, slog, JSON) shows a token.
type TokenStore struct {
	redacted
	s    *Store
	name string
	lock leaseLock
}

var (
	_ auth.TokenStore  = (*TokenStore)(nil)
	_ auth.TokenLocker = (*TokenStore)(nil)
)

// TokenStore returns the token store of the connection called name (a tenant's id, say). Errors
// wrap bitbucket.ErrInvalidInput.
func (s *Store) TokenStore(name string) (*TokenStore, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: sqlstore: empty connection name", bitbucket.ErrInvalidInput)
	}
	return &TokenStore{
		redacted: redacted(fmt.Sprintf("sqlstore.TokenStore{%q}", name)),
		s:        s, name: name,
		lock: leaseLock{s: s, name: "token-refresh:" + name, lease: DefaultRefreshLease},
	}, nil
}

// Load returns the stored token, or an error wrapping auth.ErrNoToken when there is none.
func (t *TokenStore) Load(ctx context.Context) (*oauth2.Token, error) {
	var tok oauth2.Token
	var expiry int64
	err := t.s.db.QueryRowContext(ctx, t.s.q(`SELECT access_token, token_type, refresh_token, expiry
		FROM {t}tokens WHERE name = ?`), t.name).Scan(&tok.AccessToken, &tok.TokenType, &tok.RefreshToken, &expiry)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, auth.ErrNoToken
	case err != nil:
		return nil, storeErr("load token", err)
	}
	if expiry != 0 {
		tok.Expiry = time.UnixMilli(expiry)
	}
	return &tok, nil
}

// Save stores next in place of previous, if the stored token is still previous (same access and
// refresh token), in one statement: an UPDATE conditional on previous, or, when previous is nil,
// an INSERT that does nothing when a row exists. Otherwise it returns auth.ErrTokenConflict and
// leaves the row as it was. A nil next is an error wrapping bitbucket.ErrInvalidInput.
func (t *TokenStore) Save(ctx context.Context, previous, next *oauth2.Token) error {
	if next == nil {
		return fmt.Errorf("%w: sqlstore: Save of a nil token", bitbucket.ErrInvalidInput)
	}
	var expiry int64
	if !next.Expiry.IsZero() {
		expiry = next.Expiry.UnixMilli()
	}
	var n int64
	var err error
	if previous == nil {
		n, err = t.s.exec(ctx, "save token", t.s.q(`INSERT INTO {t}tokens
			(name, access_token, token_type, refresh_token, expiry, version, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, {now}) ON CONFLICT (name) DO NOTHING`),
			t.name, next.AccessToken, next.TokenType, next.RefreshToken, expiry)
	} else {
		n, err = t.s.exec(ctx, "save token", t.s.q(`UPDATE {t}tokens
			SET access_token = ?, token_type = ?, refresh_token = ?, expiry = ?, version = version + 1, updated_at = {now}
			WHERE name = ? AND access_token = ? AND refresh_token = ?`),
			next.AccessToken, next.TokenType, next.RefreshToken, expiry, t.name, previous.AccessToken, previous.RefreshToken)
	}
	if err != nil {
		return err
	}
	if n != 1 {
		return auth.ErrTokenConflict
	}
	return nil
}

// LockRefresh takes the connection's refresh lock, waiting (polling) until it is free or ctx is
// done, and returns its release. The lock lapses after DefaultRefreshLease if never released.
func (t *TokenStore) LockRefresh(ctx context.Context) (func(), error) {
	return t.lock.lock(ctx)
}
