package security_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
	"github.com/bbconnect/bbconnect/server"
)

// echoingServer puts echo into every place of an error answer a server writes: the Data Center
// message and exceptionName, the Cloud message, detail and key, the request id header, or an
// HTML page's title.
func echoingServer(t *testing.T, place, echo string) *testServer {
	return newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var body string
		switch place {
		case "dc message":
			body = `{"errors":[{"message":"bad token ` + echo + `","exceptionName":"x"}]}`
		case "dc exceptionName":
			body = `{"errors":[{"message":"m","exceptionName":"` + echo + `"}]}`
		case "cloud detail":
			body = `{"type":"error","error":{"message":"` + echo + `","detail":"sent ` + echo + `","data":{"key":"` + echo + `"}}}`
		case "request id":
			w.Header().Set("X-Request-Id", echo)
			body = `{"errors":[{"message":"no"}]}`
		case "html title":
			w.Header().Set("Content-Type", "text/html")
			body = `<html><title>Denied for ` + echo + `</title></html>`
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(body))
	})
}

// TestEchoedSecretsNeverShow: a server that echoes the credentials it received, whatever their
// length or characters and in their escaped or base64 forms, gets them into no error text, no
// %+v, no json.Marshal of the *APIError, no CheckError and no log record (issue 11 item 4).
func TestEchoedSecretsNeverShow(t *testing.T) {
	creds := map[string]struct {
		c       auth.Credentials
		secrets []string
	}{
		"short bearer": {auth.Bearer("a!$b"), []string{"a!$b"}},
		"bearer":       {auth.Bearer("tok_LONG-value.123"), []string{"tok_LONG-value.123"}},
		"basic":        {auth.Basic("jane@example.com", "pa$$!"), []string{"pa$$!"}},
	}
	pair := base64.StdEncoding.EncodeToString([]byte("jane@example.com:pa$$!")) // the Authorization header's value
	for credName, cr := range creds {
		for _, secret := range cr.secrets {
			forms := []string{secret, url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret))}
			if credName == "basic" {
				forms = append(forms, pair)
			}
			for _, form := range forms {
				for _, place := range []string{"dc message", "dc exceptionName", "cloud detail", "request id", "html title"} {
					s := echoingServer(t, place, form)
					var logs bytes.Buffer
					logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
					opts := append(append([]bitbucket.Option(nil), s.opts...), bitbucket.WithLogger(logger))
					dc, err := server.New(s.URL, cr.c, opts...)
					if err != nil {
						t.Fatal(err)
					}
					cl, err := cloud.New(cr.c, append(opts, bitbucket.WithBaseURL(s.URL+"/2.0"))...)
					if err != nil {
						t.Fatal(err)
					}
					var texts []string
					for _, c := range []bitbucket.Connector{dc, cl} {
						_, errCheck := c.CheckConnection(t.Context())
						_, errGet := c.GetRepository(t.Context(), repo)
						for _, err := range []error{errCheck, errGet} {
							if err == nil {
								t.Fatalf("%s: no error", place)
							}
							texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
							var ae *bitbucket.APIError
							if errors.As(err, &ae) {
								j, _ := json.Marshal(ae)
								texts = append(texts, string(j), ae.Message, ae.Code, ae.RequestID, strings.Join(ae.Details, " "))
							}
							var ce *bitbucket.CheckError
							if errors.As(err, &ce) {
								texts = append(texts, ce.Error(), ce.Hint)
							}
						}
					}
					texts = append(texts, logs.String())
					for _, text := range texts {
						if strings.Contains(text, form) {
							t.Errorf("%s, %s echoed in %s: %.300s", credName, form, place, text)
						}
					}
				}
			}
		}
	}
}

// TestEchoedWebhookSecretNeverShows: a server that echoes a create's body (with the webhook
// secret) in its error does not get the secret into the error.
func TestEchoedWebhookSecretNeverShows(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/application-properties") {
			_, _ = w.Write([]byte(`{"version":"9.4.0"}`))
			return
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		msg, _ := json.Marshal("you sent " + buf.String())
		_, _ = w.Write([]byte(`{"errors":[{"message":` + string(msg) + `}],"type":"error","error":{"message":` + string(msg) + `}}`))
	})
	for _, c := range bothProviders(t, s) {
		_, err := c.CreateWebhook(t.Context(), repo, hookSpec)
		if err == nil {
			t.Fatalf("%s: created", c.Provider())
		}
		j, _ := json.Marshal(err)
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), string(j)} {
			if strings.Contains(text, hookSpec.Secret) {
				t.Errorf("%s: %s", c.Provider(), text)
			}
		}
	}
}
