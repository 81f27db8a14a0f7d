package webhooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestSign(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
	got := Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"push":{"changes":[]}}`)
	good := Sign(testSecret, body)
	hexDigits := strings.TrimPrefix(good, "sha256=")
	other := Sign([]byte("another secret"), body)
	tests := []struct {
		name   string
		header string
		want   error // nil: valid
	}{
		{"valid", good, nil},
		{"upper-case prefix and digits", "SHA256=" + strings.ToUpper(hexDigits), nil},
		{"mixed-case prefix", "Sha256=" + hexDigits, nil},
		{"surrounding whitespace", " \t" + good + " \r\n", nil},
		{"missing", "", ErrMissingSignature},
		{"only whitespace", "   ", ErrMissingSignature},
		{"prefix only", "sha256=", ErrInvalidSignature},
		{"short hex", "sha256=" + hexDigits[:10], ErrInvalidSignature},
		{"one digit short", "sha256=" + hexDigits[:63], ErrInvalidSignature},
		{"odd length, one digit long", "sha256=" + hexDigits + "a", ErrInvalidSignature},
		{"too long", "sha256=" + hexDigits + "00", ErrInvalidSignature},
		{"non-hex", "sha256=" + strings.Repeat("zz", 32), ErrInvalidSignature},
		{"non-hex at the end", "sha256=" + hexDigits[:63] + "g", ErrInvalidSignature},
		{"sha1", "sha1=" + hexDigits[:40], ErrInvalidSignature},
		{"sha512", "sha512=" + hexDigits + hexDigits, ErrInvalidSignature},
		{"no algorithm", hexDigits, ErrInvalidSignature},
		{"empty algorithm", "=" + hexDigits, ErrInvalidSignature},
		{"inner whitespace", "sha256= " + hexDigits[:63], ErrInvalidSignature},
		{"wrong secret", other, ErrInvalidSignature},
		{"flipped digit", "sha256=" + flip(hexDigits), ErrInvalidSignature},
		{"short header", "s", ErrInvalidSignature},
		{"multi-byte runes", "sha256=" + strings.Repeat("é", 32), ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(body, tt.header, testSecret)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), hexDigits[:16]) || strings.Contains(err.Error(), string(testSecret)) {
				t.Errorf("error echoes the signature or secret: %v", err)
			}
		})
	}
}

func TestVerifyOtherBody(t *testing.T) {
	sig := Sign(testSecret, []byte(`{"a":1}`))
	if err := Verify([]byte(`{"a":2}`), sig, testSecret); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("Verify over a changed body = %v, want ErrInvalidSignature", err)
	}
}

func TestVerifyEmptySecret(t *testing.T) {
	body := []byte("{}")
	for _, secret := range [][]byte{nil, {}} {
		err := Verify(body, Sign(secret, body), secret)
		if !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("Verify with an empty secret = %v, want ErrInvalidInput", err)
		}
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == '0' {
		b[0] = '1'
	} else {
		b[0] = '0'
	}
	return string(b)
}
