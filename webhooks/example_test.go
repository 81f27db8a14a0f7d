package webhooks_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/webhooks"
)

// Mount one handler for deliveries from both providers, then send it a signed Cloud push as
// Bitbucket would.
func ExampleNewHandler() {
	secret := []byte("the webhook's secret")
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/bitbucket", webhooks.NewHandler(webhooks.Options{
		Secret: secret,
		Dedupe: webhooks.NewDeduper(0, 0), // defaults: 10000 ids for an hour
	}, func(ctx context.Context, ev *webhooks.Event) error {
		if ev.Type == bitbucket.EventPush {
			for _, c := range ev.Push.Changes {
				fmt.Printf("%s %s: %s %s -> %.7s\n", ev.Provider, ev.Repo, c.Kind, c.Name, c.New)
			}
		}
		return nil // an error answers 500: Cloud resends it at most twice, Data Center never
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	body := []byte(`{"actor":{"uuid":"{1}","nickname":"jdoe"},
		"repository":{"full_name":"acme/widgets"},
		"push":{"changes":[{"old":{"type":"branch","name":"main","target":{"hash":"2f22765d04931a078909145ca628d2264c852d7d"}},
		"new":{"type":"branch","name":"main","target":{"hash":"6b1f53303a732ccc8c6aae6640399827c15250e3"}},
		"created":false,"closed":false,"forced":false,"commits":[]}]}}`)
	send := func() int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/bitbucket", bytes.NewReader(body))
		req.Header.Set("X-Event-Key", "repo:push")
		req.Header.Set("X-Hook-UUID", "{c0ffee00-1111-4222-8333-444455556666}")
		req.Header.Set("X-Request-UUID", "{aaaa0000-bbbb-4ccc-8ddd-eeeeffff0001}")
		req.Header.Set("X-Hub-Signature", webhooks.Sign(secret, body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println("first delivery:", send())
	fmt.Println("same delivery again:", send()) // dropped: fn is not called
	// Output:
	// cloud acme/widgets: branch main -> 6b1f533
	// first delivery: 200
	// same delivery again: 200
}

func ExampleVerify() {
	secret := []byte("the webhook's secret")
	body := []byte(`{"eventKey":"repo:refs_changed"}`)
	sig := webhooks.Sign(secret, body)

	fmt.Println(webhooks.Verify(body, sig, secret))
	fmt.Println(errors.Is(webhooks.Verify([]byte(`{"eventKey":"pr:merged"}`), sig, secret), webhooks.ErrInvalidSignature))
	fmt.Println(errors.Is(webhooks.Verify(body, "", secret), webhooks.ErrMissingSignature))
	fmt.Println(errors.Is(webhooks.Verify(body, "sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0", secret), webhooks.ErrInvalidSignature))
	// Output:
	// <nil>
	// true
	// true
	// true
}

// ParsePayload normalises a body read and verified earlier, here a Data Center push taken from
// a queue.
func ExampleParsePayload() {
	body := []byte(`{"eventKey":"repo:refs_changed","date":"2026-01-02T15:04:05+0100",
		"actor":{"id":101,"slug":"alice","displayName":"Alice Admin"},
		"repository":{"slug":"widgets","project":{"key":"WID"}},
		"changes":[{"ref":{"id":"refs/tags/v1.2","displayId":"v1.2","type":"TAG"},
			"fromHash":"0000000000000000000000000000000000000000",
			"toHash":"dd33a084ba223dd231b0aa962f77a5920017bc8b","type":"ADD"}]}`)
	ev, err := webhooks.ParsePayload(bitbucket.Server, "repo:refs_changed", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := ev.Push.Changes[0]
	fmt.Println(ev.Type, ev.Repo, ev.Actor.Username, ev.Time.UTC().Format(time.RFC3339))
	fmt.Printf("%s %s created=%v old=%q new=%.7s\n", c.Kind, c.Name, c.Created, c.Old, c.New)
	// Output:
	// push WID/widgets alice 2026-01-02T14:04:05Z
	// tag v1.2 created=true old="" new=dd33a08
}
