package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestTokenSourceAndStoreNeverPrintTokens: StoredTokenSource and MemoryTokenStore, on their own
// or inside a caller's struct, show no token and no client secret with any fmt verb, slog or
// json.Marshal (issue 11 item 8).
func TestTokenSourceAndStoreNeverPrintTokens(t *testing.T) {
	const access, refresh, clientSecret = "acc-TOKEN-1", "ref-TOKEN-2", "cli-SECRET-3"
	tok := &oauth2.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(time.Hour)}
	store := NewMemoryTokenStore(tok)
	cfg := &oauth2.Config{ClientID: "id", ClientSecret: clientSecret, Endpoint: oauth2.Endpoint{TokenURL: "https://bitbucket.invalid/t"}}
	ts := StoredTokenSource(t.Context(), cfg, store)
	if _, err := ts.Token(); err != nil { // loads the token into the source's memory
		t.Fatal(err)
	}
	type holder struct {
		Source oauth2.TokenSource
		Store  *MemoryTokenStore
		ts     oauth2.TokenSource
		store  *MemoryTokenStore
	}
	h := holder{Source: ts, Store: store, ts: ts, store: store}
	values := map[string]any{"source": ts, "store": store, "holder": h, "&holder": &h}
	var out []string
	for name, v := range values {
		for _, verb := range []string{"%s", "%q", "%v", "%+v", "%#v", "%t", "%d", "%x", "%p"} {
			out = append(out, name+" "+verb+": "+fmt.Sprintf(verb, v))
		}
		out = append(out, name+" Sprint: "+fmt.Sprint(v))
		if b, err := json.Marshal(v); err == nil {
			out = append(out, name+" json: "+string(b))
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		out = append(out, name+" slog: "+buf.String())
	}
	for _, line := range out {
		for _, s := range []string{access, refresh, clientSecret} {
			if strings.Contains(line, s) {
				t.Errorf("%s shows %s", line, s)
			}
		}
	}
}

func TestZeroMemoryTokenStoreWorks(t *testing.T) {
	var m MemoryTokenStore
	if _, err := m.Load(t.Context()); err != ErrNoToken {
		t.Fatalf("Load: %v", err)
	}
	tok := &oauth2.Token{AccessToken: "a"}
	if err := m.Save(t.Context(), nil, tok); err != nil {
		t.Fatal(err)
	}
	unlock, err := m.LockRefresh(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if got, _ := m.Load(t.Context()); !SameToken(got, tok) {
		t.Errorf("Load = %v", got)
	}
}
