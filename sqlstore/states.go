package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/bbconnect/bbconnect/auth"
)

// StateStore is an auth.StateStore in the database: a state issued by one replica is accepted by
// whichever replica gets the OAuth callback, exactly once, however many callbacks carry it at
// once. Only a SHA-256 of each state is stored. It is safe for concurrent use.
type StateStore struct {
	redacted
	s   *Store
	ttl time.Duration
}

var _ auth.StateStore = (*StateStore)(nil)

// StateStore returns the OAuth state store, whose states expire after ttl (auth.DefaultStateTTL
// when zero or negative).
func (s *Store) StateStore(ttl time.Duration) *StateStore {
	if ttl <= 0 {
		ttl = auth.DefaultStateTTL
	}
	return &StateStore{redacted: redacted(fmt.Sprintf("sqlstore.StateStore{ttl %s}", ttl)), s: s, ttl: ttl}
}

// Issue returns a fresh state (auth.NewState) and records it until it expires.
func (st *StateStore) Issue(ctx context.Context) (string, error) {
	state, err := auth.NewState()
	if err != nil {
		return "", err
	}
	if _, err := st.s.exec(ctx, "issue state", st.s.q(`INSERT INTO {t}oauth_states (state_hash, expires_at, used_at)
		VALUES (?, {now} + ?, NULL)`), hashState(state), st.ttl.Milliseconds()); err != nil {
		return "", err
	}
	return state, nil
}

// ConsumeOnce accepts state once, with one conditional UPDATE, if it was issued and has not
// expired. Any other value is an error wrapping auth.ErrInvalidState that says why (missing,
// unknown, already used, expired); a database failure wraps ErrStore.
func (st *StateStore) ConsumeOnce(ctx context.Context, state string) error {
	if state == "" {
		return fmt.Errorf("%w: missing", auth.ErrInvalidState)
	}
	h := hashState(state)
	n, err := st.s.exec(ctx, "consume state", st.s.q(`UPDATE {t}oauth_states SET used_at = {now}
		WHERE state_hash = ? AND used_at IS NULL AND expires_at > {now}`), h)
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	var used sql.NullInt64
	err = st.s.db.QueryRowContext(ctx, st.s.q(`SELECT used_at FROM {t}oauth_states WHERE state_hash = ?`), h).Scan(&used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: unknown", auth.ErrInvalidState)
	case err != nil:
		return storeErr("consume state", err)
	case used.Valid:
		return fmt.Errorf("%w: already used", auth.ErrInvalidState)
	}
	return fmt.Errorf("%w: expired", auth.ErrInvalidState)
}

// hashState is what the table keeps of a state: its SHA-256, in hex.
func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}
