package complaint

import (
	"crypto/rand"
	"errors"
	"strings"
	"time"
)

// numberAlphabet writes the random parts of tracking numbers and secrets:
// digits and capitals without the ones read as others (0 O, 1 I L, U).
const numberAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// The shape of a tracking number: "TS", the day of receipt in Shanghai,
// "-", and five random characters: "TS20261208-7K3Q9".
const (
	numberPrefix = "TS"
	numberRandom = 5
	numberLen    = len(numberPrefix) + 8 + 1 + numberRandom
	secretLen    = 10 // about 49 bits
)

// NewNumber returns a fresh tracking number for a complaint received at t.
func NewNumber(t time.Time) string {
	return numberPrefix + t.In(Shanghai).Format("20060102") + "-" + randomText(numberRandom)
}

// NewSecret returns a fresh tracking secret.
func NewSecret() string { return randomText(secretLen) }

func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		// 256 % 30 = 16: the first 16 letters are a little more likely,
		// which costs the secret well under a bit.
		b[i] = numberAlphabet[int(b[i])%len(numberAlphabet)]
	}
	return string(b)
}

// ErrNumber is the error of ParseNumber and ParseSecret.
var ErrNumber = errors.New("complaint: not a tracking number")

// ParseNumber reads a tracking number as a complainant types it: spaces
// around it ignored, letters of either case. It returns the number as
// issued, or ErrNumber for anything that cannot be one.
func ParseNumber(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != numberLen || !strings.HasPrefix(s, numberPrefix) || s[10] != '-' {
		return "", ErrNumber
	}
	if _, err := time.Parse("20060102", s[2:10]); err != nil {
		return "", ErrNumber
	}
	r, err := parseRandom(s[11:])
	if err != nil {
		return "", err
	}
	return s[:11] + r, nil
}

// ParseSecret reads a tracking secret as typed, like ParseNumber.
func ParseSecret(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != secretLen {
		return "", ErrNumber
	}
	return parseRandom(s)
}

func parseRandom(s string) (string, error) {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(numberAlphabet, s[i]) < 0 {
			return "", ErrNumber
		}
	}
	return s, nil
}
