package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestTokenEndpointErrorIsNeverEchoed: an endpoint that copies the request into its "error"
// member, or puts a newline there to forge log lines, gets neither into the error (issue 11 item 5).
func TestTokenEndpointErrorIsNeverEchoed(t *testing.T) {
	const clientSecret, refresh = "client-secret-XYZ", "refresh-tok-123"
	var echo string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		e := strings.NewReplacer("FORM", r.PostForm.Encode()).Replace(echo)
		_, _ = w.Write([]byte(`{"error":` + jsonString(e) + `,"error_description":` + jsonString(r.PostForm.Encode()) + `}`))
	}))
	defer srv.Close()
	ctx := ContextWithAllowedHosts(t.Context(), loopbackHosts)
	cfg := ServerOAuth2Config(srv.URL, "client", clientSecret, "https://app.example.com/cb")
	for _, tc := range []struct{ echo, want string }{
		{"FORM", "unrecognised error code"},
		{"invalid_grant\nlevel=INFO msg=forged", "unrecognised error code"},
		{clientSecret, "unrecognised error code"},
		{"a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_q_r_s_t_u_v_w", "unrecognised error code"},
		{"invalid_client", "invalid_client"},
		{"invalid_grant", "invalid_grant"},
		{"consumer_not_found", "consumer_not_found"},
	} {
		echo = tc.echo
		_, errExchange := Exchange(ctx, cfg, "single-use-code")
		store := NewMemoryTokenStore(&oauth2.Token{AccessToken: "a", RefreshToken: refresh, Expiry: time.Now().Add(-time.Hour)})
		_, errRefresh := StoredTokenSource(ctx, cfg, store).Token()
		for _, err := range []error{errExchange, errRefresh} {
			if !errors.Is(err, ErrTokenSource) {
				t.Fatalf("%q: err %v", tc.echo, err)
			}
			text := err.Error()
			for _, leak := range []string{clientSecret, refresh, "single-use-code", "\n", "forged"} {
				if strings.Contains(text, leak) {
					t.Errorf("%q: error %q shows %q", tc.echo, text, leak)
				}
			}
			if !strings.Contains(text, tc.want) {
				t.Errorf("%q: error %q does not say %q", tc.echo, text, tc.want)
			}
		}
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
