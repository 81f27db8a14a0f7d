package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bbconnect/bbconnect/webhooks"
)

// samplePush is a Data Center repo:refs_changed delivery, written for this example from the
// documented payload shape: alice pushes one commit to main of PROJ/repo.
const samplePush = `{"eventKey":"repo:refs_changed","date":"2026-01-02T15:04:05+0100",` +
	`"actor":{"name":"alice","emailAddress":"alice@example.com","id":101,"displayName":"Alice Example","active":true,"slug":"alice","type":"NORMAL"},` +
	`"repository":{"slug":"repo","id":42,"name":"repo","scmId":"git","state":"AVAILABLE","statusMessage":"Available","forkable":true,"public":false,` +
	`"project":{"key":"PROJ","id":7,"name":"Project","public":false,"type":"NORMAL"}},` +
	`"changes":[{"ref":{"id":"refs/heads/main","displayId":"main","type":"BRANCH"},"refId":"refs/heads/main",` +
	`"fromHash":"1f3c5a7e9b2d4f6a8c0e1f3c5a7e9b2d4f6a8c0e","toHash":"8c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e","type":"UPDATE"}]}`

// delivery is one POST to the receiver, as Bitbucket Data Center sends it.
type delivery struct {
	id        string // X-Request-Id
	body      []byte
	signature string // X-Hub-Signature
}

func newDelivery(secret []byte) delivery {
	body := []byte(samplePush)
	return delivery{id: requestID(), body: body, signature: webhooks.Sign(secret, body)}
}

// selfDemo serves the receiver for two tenants on a loopback port and sends it deliveries: acme
// is rotating its secret, so a push signed with its old secret and one signed with its new secret
// are both processed; the first again (Bitbucket retrying) is a duplicate, answered 200 and not
// processed twice; globex's push is processed; a delivery to globex signed with acme's secret and
// one to an unknown tenant are refused with 401. It fails unless each is answered as expected.
func selfDemo(ctx context.Context, logger *slog.Logger) error {
	logger.Info("self-demo: no -listen given; serving tenants acme and globex on a loopback port and posting signed sample deliveries to /hooks/{tenant} (run with -listen :8080 to serve)")
	acmeOld, acmeNew, globex := randomSecret(), randomSecret(), randomSecret()
	ts := tenants{"acme": {acmeOld, acmeNew}, "globex": {globex}}
	var processed atomic.Int32
	srv := newServer(ts, logger, func(*webhooks.Event) { processed.Add(1) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- serve(sctx, srv, ln) }()
	defer func() {
		stop()
		<-done
	}()

	base := "http://" + ln.Addr().String() + "/hooks/"
	signedOld := newDelivery(acmeOld)
	steps := []struct {
		what, tenant string
		d            delivery
		want         int
	}{
		{"a push signed with acme's old secret", "acme", signedOld, http.StatusOK},
		{"a push signed with acme's new secret", "acme", newDelivery(acmeNew), http.StatusOK},
		{"the first push again (Bitbucket retrying)", "acme", signedOld, http.StatusOK},
		{"a push signed with globex's secret", "globex", newDelivery(globex), http.StatusOK},
		{"a push to globex signed with acme's secret", "globex", newDelivery(acmeNew), http.StatusUnauthorized},
		{"a push to an unknown tenant", "initech", newDelivery(globex), http.StatusUnauthorized},
	}
	for _, s := range steps {
		status, err := post(ctx, base+s.tenant, s.d)
		if err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		logger.Info("self-demo: sent "+s.what, "tenant", s.tenant, "delivery", s.d.id, "status", status)
		if status != s.want {
			return fmt.Errorf("%s: answered %d, want %d", s.what, status, s.want)
		}
	}
	if n := processed.Load(); n != 3 {
		return fmt.Errorf("the handler processed %d deliveries, want exactly 3", n)
	}
	logger.Info("self-demo: done; both of acme's secrets were accepted, the duplicate dropped, and the deliveries signed by no secret of their tenant refused")
	return nil
}

// post sends d to url and returns the status code.
func post(ctx context.Context, url string, d delivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Event-Key", "repo:refs_changed")
	req.Header.Set("X-Request-Id", d.id)
	req.Header.Set(webhooks.SignatureHeader, d.signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}

// curlCommand is a shell command that sends a sample delivery, signed with secret, to tenant's
// route on the receiver at addr.
func curlCommand(addr net.Addr, tenant string, secret []byte) string {
	host := "localhost"
	port := ""
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(tcp.Port)
		if !tcp.IP.IsUnspecified() {
			host = tcp.IP.String()
		}
	}
	d := newDelivery(secret)
	return strings.Join([]string{
		"curl -i -X POST http://" + net.JoinHostPort(host, port) + "/hooks/" + tenant,
		"  -H 'Content-Type: application/json'",
		"  -H 'X-Event-Key: repo:refs_changed'",
		"  -H 'X-Request-Id: " + d.id + "'",
		"  -H '" + webhooks.SignatureHeader + ": " + d.signature + "'",
		"  --data-binary '" + string(d.body) + "'",
	}, " \\\n")
}

// requestID returns a random UUID (version 4), the form of Data Center's X-Request-Id.
func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
