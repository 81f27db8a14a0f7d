package integration

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/sqlstore"
	"github.com/bbconnect/bbconnect/webhooks"
)

// openExampleDB opens a SQLite database in a fresh temporary directory, with the settings
// sqlstore's documentation recommends, and returns it with its clean-up.
func openExampleDB() (*sql.DB, func()) {
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		log.Fatal(err)
	}
	return db, func() { _ = db.Close(); _ = os.RemoveAll(dir) }
}

// dcPush is a Data Center repo:refs_changed delivery: alice pushes to main of PROJ/repo.
const dcPush = `{"eventKey":"repo:refs_changed","date":"2026-01-02T15:04:05+0100",` +
	`"actor":{"name":"alice","id":101,"displayName":"Alice","slug":"alice","type":"NORMAL"},` +
	`"repository":{"slug":"repo","id":42,"name":"repo","project":{"key":"PROJ","id":7,"name":"Project"}},` +
	`"changes":[{"ref":{"id":"refs/heads/main","displayId":"main","type":"BRANCH"},"refId":"refs/heads/main",` +
	`"fromHash":"1f3c5a7e9b2d4f6a8c0e1f3c5a7e9b2d4f6a8c0e","toHash":"8c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e","type":"UPDATE"}]}`

// The durable intake: the handler records a verified delivery before it answers 200 (a resend is
// answered 200 and not recorded twice), and a worker processes what is pending. Each tenant has
// its own secret, picked from the path.
func Example_intake() {
	db, done := openExampleDB()
	defer done()
	ctx := context.Background()
	store, err := sqlstore.New(db, sqlstore.SQLite)
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	intake := store.Intake(sqlstore.IntakeOptions{})
	secrets := map[string][][]byte{"/hooks/acme": {[]byte("acme-secret")}}
	srv := httptest.NewServer(intake.Handler(webhooks.Options{
		Secrets: func(r *http.Request) ([][]byte, error) { return secrets[r.URL.Path], nil },
	}))
	defer srv.Close()

	for range 2 { // Bitbucket sends the same delivery twice
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/acme", bytes.NewReader([]byte(dcPush)))
		req.Header.Set("X-Event-Key", "repo:refs_changed")
		req.Header.Set("X-Request-Id", "9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f")
		req.Header.Set(webhooks.SignatureHeader, webhooks.Sign([]byte("acme-secret"), []byte(dcPush)))
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		_ = resp.Body.Close()
		fmt.Println("answered", resp.StatusCode)
	}

	n, err := intake.ProcessPending(ctx, func(ctx context.Context, tx *sql.Tx, ev *webhooks.Event) error {
		fmt.Println("processing", ev.Type, ev.Repo, ev.Push.Changes[0].Name, "for delivery", ev.DeliveryID)
		return nil // writes made through tx commit with the delivery's done mark
	})
	if err != nil {
		log.Fatal(err)
	}
	st, _ := intake.Stats(ctx)
	fmt.Printf("claimed %d; done %d, pending %d\n", n, st.Done, st.Pending)
	// Output:
	// answered 200
	// answered 200
	// processing push PROJ/repo main for delivery 9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f
	// claimed 1; done 1, pending 0
}

// A TokenStore shared by replicas: Save is a compare-and-swap, so a replica that saves on top of
// a token another replica replaced gets auth.ErrTokenConflict (auth.StoredTokenSource then adopts
// the winner's token).
func Example_tokenStore() {
	db, done := openExampleDB()
	defer done()
	ctx := context.Background()
	store, _ := sqlstore.New(db, sqlstore.SQLite)
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	tokens, _ := store.TokenStore("tenant-42")
	first := &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: time.Now().Add(time.Hour)}
	second := &oauth2.Token{AccessToken: "at-2", RefreshToken: "rt-2", Expiry: time.Now().Add(time.Hour)}
	fmt.Println("first save:", tokens.Save(ctx, nil, first))
	fmt.Println("rotated:", tokens.Save(ctx, first, second))
	fmt.Println("stale replica:", errors.Is(tokens.Save(ctx, first, second), auth.ErrTokenConflict))
	got, _ := tokens.Load(ctx)
	fmt.Println("stored:", got.AccessToken)
	fmt.Println(tokens) // never shows a token
	// Output:
	// first save: <nil>
	// rotated: <nil>
	// stale replica: true
	// stored: at-2
	// sqlstore.TokenStore{"tenant-42"}
}

// An OAuth state issued on one replica is accepted once on whichever replica gets the callback.
func Example_stateStore() {
	db, done := openExampleDB()
	defer done()
	ctx := context.Background()
	store, _ := sqlstore.New(db, sqlstore.SQLite)
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	var states auth.StateStore = store.StateStore(10 * time.Minute)
	state, err := states.Issue(ctx) // send it with cfg.AuthCodeURL(state)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("callback:", states.ConsumeOnce(ctx, state))
	fmt.Println("replay:", states.ConsumeOnce(ctx, state))
	// Output:
	// callback: <nil>
	// replay: auth: invalid OAuth state: already used
}
