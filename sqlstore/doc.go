// Package sqlstore keeps the state that the replicas of a product must share in a SQL database,
// on database/sql with no dependency beyond bbconnect's own (golang.org/x/oauth2, for the token
// type): bring your own driver (pgx's stdlib or lib/pq for PostgreSQL; modernc.org/sqlite or
// another for SQLite). It imports none.
//
// A product that runs several replicas behind a load balancer shares three things:
//
//   - OAuth tokens: Bitbucket Cloud rotates refresh tokens on every use, so replicas that keep
//     their own copy lock the user out. Store.TokenStore is an auth.TokenStore (Save is a
//     compare-and-swap in one conditional UPDATE) and an auth.TokenLocker (a lease on a lock row),
//     for auth.StoredTokenSource: one refresh per expiry across every replica.
//   - OAuth state: the callback may land on another replica than the one that sent the user to
//     Bitbucket. Store.StateStore is an auth.StateStore: issued anywhere, consumed once anywhere.
//   - Webhook deliveries: a resend may land on another replica. Store.DeliveryStore is a
//     webhooks.DeliveryStore (a reservation is one INSERT … ON CONFLICT with a lease, so that a
//     replica that dies mid-delivery does not hold it for ever), and Store.Intake is a durable
//     hand-off: its handler writes the verified delivery before answering 200, and workers claim
//     pending deliveries and retry failed ones with backoff. Data Center never resends a delivery,
//     so a product that must not lose one records it this way.
//
// # Setting up
//
// New takes an open *sql.DB and its Dialect. Migrate creates the tables (prefixed
// DefaultTablePrefix, or WithTablePrefix) and can run at every start, from every replica at once.
// Every time is taken from the database's clock, so replicas' clocks need not agree.
//
// For SQLite, open the file with a busy timeout, WAL and immediate transactions, so that several
// connections (and processes) write in turn instead of failing with "database is locked"; with
// modernc.org/sqlite:
//
//	file:app.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate
//
// # Exactly once
//
// A Processor given to Intake.Work runs in a transaction that also marks its delivery done, on
// the condition that the worker still holds the delivery's lease. Writes made through that
// transaction therefore happen exactly once, even when a worker dies or stalls and another takes
// the delivery over; effects outside it (calling an API) happen at least once and should be keyed
// on webhooks.Event.DedupeKey.
//
// # Errors and secrets
//
// Every database failure wraps ErrStore, so that it is never mistaken for a verdict: a
// DeliveryStore that cannot reserve returns an ErrStore error and webhooks.NewHandler answers 503.
// No value of this package shows a token, a state or a connection string in String, GoString, fmt
// verbs, slog or JSON. Tokens are stored as given: protect the database as you protect them.
//
// # Examples
//
// The library module imports no driver, so the runnable examples, on SQLite, are in the
// integration module of this repository (integration/example_test.go), together with the tests
// that run every store on a real PostgreSQL and on SQLite.
package sqlstore
