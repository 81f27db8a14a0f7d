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
	got, err := parseSignature(signatureHeader)
	if err != nil {
		return err
	}
	if !matches(body, &got, secret) {
		return fmt.Errorf("%w: digest does not match the body", ErrInvalidSignature)
	}
	return nil
}

// VerifyAny checks an X-Hub-Signature header value as Verify does, against several secrets: the
// delivery is accepted when any of them signed it, which covers a secret being rotated (the old
// and the new one are both given until every hook has the new one). Every secret is tried, whether
// or not an earlier one matched, so the time taken does not tell which one did. Empty secrets
// never match; a list with no non-empty secret (a tenant with no secret configured, or none known)
// is ErrInvalidSignature, as is a digest that matches none. VerifyAny never panics.
func VerifyAny(body []byte, signatureHeader string, secrets [][]byte) error {
	got, err := parseSignature(signatureHeader)
	if err != nil {
		return err
	}
	ok, tried := false, 0
	for _, secret := range secrets {
		if len(secret) == 0 {
			continue
		}
		tried++
		if matches(body, &got, secret) {
			ok = true
		}
	}
	switch {
	case tried == 0:
		return fmt.Errorf("%w: no secret to verify this delivery with", ErrInvalidSignature)
	case !ok:
		return fmt.Errorf("%w: digest does not match the body", ErrInvalidSignature)
	}
	return nil
}

// parseSignature decodes a "sha256=<hex>" header value into its digest.
func parseSignature(signatureHeader string) (got [sha256.Size]byte, err error) {
	h := strings.TrimSpace(signatureHeader)
	if h == "" {
		return got, ErrMissingSignature
	}
	if len(h) < len(sigPrefix) || !strings.EqualFold(h[:len(sigPrefix)], sigPrefix) {
		if alg, _, ok := strings.Cut(h, "="); ok && alg != "" && len(alg) <= 16 && isToken(alg) {
			return got, fmt.Errorf("%w: algorithm %q is not sha256", ErrInvalidSignature, strings.ToLower(alg))
		}
		return got, fmt.Errorf("%w: not in the form sha256=<hex>", ErrInvalidSignature)
	}
	digits := h[len(sigPrefix):]
	if len(digits) != 2*sha256.Size {
		return got, fmt.Errorf("%w: digest has %d hex digits, want %d", ErrInvalidSignature, len(digits), 2*sha256.Size)
	}
	if !decodeHex(got[:], digits) {
		return got, fmt.Errorf("%w: digest is not hex", ErrInvalidSignature)
	}
	return got, nil
}

// matches reports, in constant time, whether got is the HMAC-SHA256 of body under secret.
func matches(body []byte, got *[sha256.Size]byte, secret []byte) bool {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	var want [sha256.Size]byte
	return hmac.Equal(mac.Sum(want[:0]), got[:])
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
