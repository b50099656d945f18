package staff

import (
	"strings"
	"sync/atomic"
	"testing"
)

// R-ACC-2: staff passwords are stored as argon2id hashes in PHC form, with
// the OWASP parameters, and only the right password matches.
func TestPasswordHash(t *testing.T) {
	phc := hashPassword("correct horse battery", productionParams)
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not record argon2id with m=19456,t=2,p=1", phc)
	}
	if strings.Contains(phc, "correct horse") {
		t.Fatal("the hash contains the password")
	}
	p, salt, key, err := parsePHC(phc)
	if err != nil || p != productionParams || len(salt) != saltLen || len(key) != keyLen {
		t.Fatalf("parsePHC = %+v, %d-byte salt, %d-byte key, %v", p, len(salt), len(key), err)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"right", "correct horse battery", true},
		{"wrong", "correct horse batterz", false},
		{"empty", "", false},
		{"prefix", "correct horse", false},
		{"case", "Correct horse battery", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkPassword(phc, tt.password); got != tt.want {
				t.Errorf("checkPassword(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
	if other := hashPassword("correct horse battery", productionParams); other == phc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

// R-ACC-2: a hash that is not well-formed argon2id, or asks for absurd
// costs, matches no password and costs no computation.
func TestPasswordHashRefusesMalformed(t *testing.T) {
	good := hashPassword("correct horse battery", hashParams)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := map[string]string{
		"empty":         "",
		"argon2i":       "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"old version":   "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"huge memory":   "$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key,
		"huge time":     "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"zero threads":  "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"extra param":   "$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key,
		"bad salt":      "$argon2id$v=19$m=64,t=1,p=1$!!!$" + key,
		"short key":     "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA",
		"missing field": "$argon2id$v=19$m=64,t=1,p=1$" + salt,
		"plain text":    "correct horse battery",
	}
	var calls atomic.Int32
	countHashes(t, &calls)
	for name, phc := range tests {
		t.Run(name, func(t *testing.T) {
			if checkPassword(phc, "correct horse battery") {
				t.Errorf("%q matched", phc)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("malformed hashes cost %d argon2 computations, want 0", n)
	}
	if !checkPassword(good, "correct horse battery") {
		t.Error("the well-formed hash no longer matches: the test proves nothing")
	}
}

func TestNeedsRehash(t *testing.T) {
	weak := hashPassword("correct horse battery", argon2Params{Memory: 32, Time: 1, Threads: 1})
	if !needsRehash(weak) {
		t.Error("a hash weaker than hashParams does not need a rehash")
	}
	if needsRehash(hashPassword("correct horse battery", hashParams)) {
		t.Error("a hash with hashParams needs a rehash")
	}
}

// countHashes counts argon2id computations until the test ends.
func countHashes(t *testing.T, n *atomic.Int32) {
	orig := idKey
	idKey = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		n.Add(1)
		return orig(password, salt, time, memory, threads, keyLen)
	}
	t.Cleanup(func() { idKey = orig })
}

func FuzzParsePHC(f *testing.F) {
	f.Add(hashPassword("correct horse battery", argon2Params{Memory: 64, Time: 1, Threads: 1}))
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=-1,t=2,p=1$$")
	f.Fuzz(func(t *testing.T, phc string) {
		p, salt, key, err := parsePHC(phc)
		if err != nil {
			return
		}
		if p.Memory > maxMemory || p.Time > maxTime || p.Threads > maxThreads || p.Threads == 0 || p.Time == 0 {
			t.Errorf("accepted out-of-bounds parameters %+v", p)
		}
		if encodePHC(p, salt, key) != phc {
			t.Errorf("%q does not round-trip", phc)
		}
	})
}
