package staff

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"net/url"
	"strconv"
	"time"
	"unicode"
)

// TOTP as authenticator apps implement it (RFC 6238 over RFC 4226 HOTP):
// HMAC-SHA-1, 6 digits, 30-second steps, and one step of clock drift
// accepted either way.
const (
	totpDigits = 6
	totpPeriod = 30 // seconds
	totpSkew   = 1  // steps accepted either side of now
	secretLen  = 20 // bytes: the 160 bits RFC 4226 recommends for SHA-1
)

// totpStep returns the time step t falls in.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// hotp returns the RFC 4226 one-time password for counter, digits long.
func hotp(secret []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write(binary.BigEndian.AppendUint64(nil, counter))
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	s := strconv.FormatUint(uint64(code%mod), 10)
	for len(s) < digits {
		s = "0" + s
	}
	return s
}

// CodeAt returns the code an authenticator app enrolled with secret shows at
// t: for tests and tools that sign a staff member in.
func CodeAt(secret []byte, t time.Time) string { return totpAt(secret, t, totpDigits) }

// totpAt returns the code for the time step t falls in.
func totpAt(secret []byte, t time.Time, digits int) string {
	return hotp(secret, uint64(totpStep(t)), digits)
}

// parseTOTPCode reads an authenticator code as typed: digits, ASCII or
// full-width (a phone's Chinese keyboard), with white space (ASCII or
// ideographic) and dashes ignored, as the apps show "123 456". It returns
// the ASCII digits, or "" for anything else or more than totpDigits digits;
// matchTOTP checks the count.
func parseTOTPCode(s string) string {
	b := make([]byte, 0, totpDigits)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= '０' && r <= '９':
			b = append(b, byte('0'+r-'０'))
		case unicode.IsSpace(r) || r == '-':
		default:
			return ""
		}
		if len(b) > totpDigits {
			return ""
		}
	}
	return string(b)
}

// matchTOTP looks for code among the steps within totpSkew of now that come
// after the step last used, and returns the step it matched. Refusing steps
// up to and including last makes every code single-use, and also refuses a
// code from before the last one used.
func matchTOTP(secret []byte, code string, now time.Time, last int64) (int64, bool) {
	if len(code) != totpDigits {
		return 0, false
	}
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	step := totpStep(now)
	matched, ok := int64(0), 0
	// Compare against every step in the window, whatever matches, so the
	// time taken does not say which step matched.
	for s := step - totpSkew; s <= step+totpSkew; s++ {
		if s <= 0 {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(hotp(secret, uint64(s), totpDigits)), []byte(code))
		if eq == 1 && s > last && ok == 0 {
			matched, ok = s, 1
		}
	}
	return matched, ok == 1
}

// enrolmentURI returns the otpauth:// URI an authenticator app scans (the
// Key URI Format of Google Authenticator, which the other apps follow).
func enrolmentURI(username string, secret []byte) string {
	q := url.Values{}
	q.Set("secret", base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", strconv.Itoa(totpDigits))
	q.Set("period", strconv.Itoa(totpPeriod))
	return (&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + username, RawQuery: q.Encode()}).String()
}

// issuer names the platform in authenticator apps.
const issuer = "carefund"
