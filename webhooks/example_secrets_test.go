package webhooks_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/bbconnect/bbconnect/webhooks"
)

// A receiver for several tenants: each tenant's deliveries arrive on /hooks/{tenant} and are
// verified with that tenant's secrets. acme is rotating its secret, so both are accepted.
func ExampleOptions_secrets() {
	secrets := map[string][][]byte{
		"acme":   {[]byte("acme-old"), []byte("acme-new")},
		"globex": {[]byte("globex")},
	}
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/{tenant}", webhooks.NewHandler(webhooks.Options{
		Secrets: func(r *http.Request) ([][]byte, error) {
			return secrets[r.PathValue("tenant")], nil // none for an unknown tenant: 401
		},
		Dedupe: webhooks.NewDeduper(0, 0),
	}, func(ctx context.Context, ev *webhooks.Event) error {
		fmt.Println("processed", ev.Type, "for", ev.Repo)
		return nil
	}))

	body := []byte(`{"eventKey":"repo:refs_changed","date":"2026-01-02T15:04:05+0100",` +
		`"actor":{"name":"alice","id":1,"slug":"alice"},"repository":{"slug":"repo","id":2,"project":{"key":"PROJ","id":3}},` +
		`"changes":[{"ref":{"id":"refs/heads/main","displayId":"main","type":"BRANCH"},"refId":"refs/heads/main",` +
		`"fromHash":"1111111111111111111111111111111111111111","toHash":"2222222222222222222222222222222222222222","type":"UPDATE"}]}`)
	send := func(tenant, secret, id string) {
		r := httptest.NewRequest(http.MethodPost, "/hooks/"+tenant, bytes.NewReader(body))
		r.Header.Set("X-Event-Key", "repo:refs_changed")
		r.Header.Set("X-Request-Id", id)
		r.Header.Set(webhooks.SignatureHeader, webhooks.Sign([]byte(secret), body))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(tenant, w.Code)
	}
	send("acme", "acme-old", "id-1")
	send("acme", "acme-new", "id-2")
	send("globex", "acme-new", "id-3") // another tenant's secret
	send("initech", "globex", "id-4")  // an unknown tenant
	// Output:
	// processed push for PROJ/repo
	// acme 200
	// processed push for PROJ/repo
	// acme 200
	// globex 401
	// initech 401
}
