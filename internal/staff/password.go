package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2Params are the cost parameters of an argon2id hash.
type argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// hashParams are the parameters new hashes get: OWASP's recommended minimum
// for argon2id (19 MiB, 2 passes, 1 lane). Each hash records its own
// parameters, so raising these later only changes new hashes, and a staff
// member's hash is renewed with the new ones at their next sign-in.
// Tests lower them to keep the suite fast.
var hashParams = argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// idKey computes argon2id. It is a variable so that a test can count the
// computations (an unknown username must cost one, like a known one).
var idKey = argon2.IDKey

const (
	saltLen = 16
	keyLen  = 32
)

// Bounds on the parameters read back from a stored hash: a damaged or
// planted hash must not make one sign-in take a gigabyte or a minute.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 16
	maxThreads = 16
)

// b64 is the PHC string's base64: no padding, and strict, so that one hash has one
// spelling.
var b64 = base64.RawStdEncoding.Strict()

// hashPassword returns the argon2id hash of password in PHC string form,
// $argon2id$v=19$m=…,t=…,p=…$salt$hash, with a new random salt.
func hashPassword(password string, p argon2Params) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := idKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return encodePHC(p, salt, key)
}

func encodePHC(p argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errPHC = errors.New("not an argon2id PHC string")

// parsePHC takes a PHC string apart, refusing any other algorithm or
// version and parameters out of bounds.
func parsePHC(phc string) (p argon2Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errPHC
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) != parts[3] {
		return p, nil, nil, errPHC
	}
	if p.Memory < 8*threads || p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime || threads < 1 || threads > maxThreads {
		return p, nil, nil, errPHC
	}
	p.Threads = uint8(threads)
	if salt, err = decodeB64(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errPHC
	}
	if key, err = decodeB64(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errPHC
	}
	return p, salt, key, nil
}

// decodeB64 decodes one field of a PHC string strictly: every byte must be
// in the base64 alphabet (encoding/base64 silently skips '\r' and '\n'),
// and the field must be the canonical encoding of what it decodes to, so
// that one hash has exactly one spelling.
func decodeB64(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, errPHC
		}
	}
	b, err := b64.DecodeString(s)
	if err != nil || b64.EncodeToString(b) != s {
		return nil, errPHC
	}
	return b, nil
}

// checkPassword reports whether password matches the PHC hash, computing
// argon2id exactly once when the hash is well formed. A malformed hash
// matches nothing.
func checkPassword(phc, password string) bool {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false
	}
	got := idKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// needsRehash reports whether a hash was made with weaker parameters than
// new hashes get.
func needsRehash(phc string) bool {
	p, _, _, err := parsePHC(phc)
	return err == nil && (p.Memory < hashParams.Memory || p.Time < hashParams.Time || p.Threads < hashParams.Threads)
}

// dummyHash returns a well-formed hash, with the current parameters, that
// no password matches: checking against it costs what checking a real
// account costs, so an unknown username cannot be told apart by timing.
func dummyHash() string {
	salt := make([]byte, saltLen)
	key := make([]byte, keyLen)
	rand.Read(salt)
	rand.Read(key)
	return encodePHC(hashParams, salt, key)
}
