package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// SignatureHeader is the header that carries a delivery's signature on both providers.
const SignatureHeader = "X-Hub-Signature"

const sigPrefix = "sha256="

// Sign returns the X-Hub-Signature value Bitbucket sends for body under secret:
// "sha256=" followed by the lower-case hex HMAC-SHA256 of the body.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	var sum [sha256.Size]byte
	var out [len(sigPrefix) + 2*sha256.Size]byte
	copy(out[:], sigPrefix)
	hex.Encode(out[len(sigPrefix):], mac.Sum(sum[:0]))
	return string(out[:])
}

// Verify checks an X-Hub-Signature header value against the raw body, in constant time. The
// header must be "sha256=<64 hex digits>"; the prefix and the digits are case-insensitive and
// surrounding white space is ignored. An empty header is ErrMissingSignature; another algorithm,
// a wrong length, non-hex digits or a digest that does not match is ErrInvalidSignature. An empty
// secret is a configuration error wrapping bitbucket.ErrInvalidInput. Verify never panics.
func Verify(body []byte, signatureHeader string, secret []byte) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: webhooks: empty secret", bitbucket.ErrInvalidInput)
	}
	h := strings.TrimSpace(signatureHeader)
	if h == "" {
		return ErrMissingSignature
	}
	if len(h) < len(sigPrefix) || !strings.EqualFold(h[:len(sigPrefix)], sigPrefix) {
		if alg, _, ok := strings.Cut(h, "="); ok && alg != "" && len(alg) <= 16 && isToken(alg) {
			return fmt.Errorf("%w: algorithm %q is not sha256", ErrInvalidSignature, strings.ToLower(alg))
		}
		return fmt.Errorf("%w: not in the form sha256=<hex>", ErrInvalidSignature)
	}
	digits := h[len(sigPrefix):]
	if len(digits) != 2*sha256.Size {
		return fmt.Errorf("%w: digest has %d hex digits, want %d", ErrInvalidSignature, len(digits), 2*sha256.Size)
	}
	var got [sha256.Size]byte
	if !decodeHex(got[:], digits) {
		return fmt.Errorf("%w: digest is not hex", ErrInvalidSignature)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	var want [sha256.Size]byte
	if !hmac.Equal(mac.Sum(want[:0]), got[:]) {
		return fmt.Errorf("%w: digest does not match the body", ErrInvalidSignature)
	}
	return nil
}

// decodeHex decodes the 2*len(dst) hex digits of s, either case, into dst without allocating.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := hexVal(s[2*i])
		lo, ok2 := hexVal(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// isToken reports whether s is made of letters, digits and '-' only, so that it is safe to quote
// as an algorithm name in an error.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
