// Package vault encrypts personal data at rest (R-PII-1): ID numbers, names on
// ID cards, phone numbers, bank accounts, diagnoses, family finances and
// uploaded files.
//
// Each record holding personal data has its own data key: 32 random bytes,
// stored only wrapped under the master key (AES-256-GCM) in the table
// data_keys, beside the fingerprint of the master key that wraps it. A
// record's values are sealed with AES-256-GCM under its data key, with
// associated data naming where the value belongs ("users.phone:42"), so a
// sealed value copied to another row or column does not open. Rotating the
// master key (Rotate, carefund keys rotate) re-wraps the data keys only; the
// sealed values stay as they are.
//
// Equality lookups of encrypted values ("is this ID number in use?") use a
// blind index: an HMAC-SHA256 under the index key, separated by domain, so
// the database never holds the plain value or an unkeyed hash of it.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/carefund/carefund/internal/keyring"
)

// format is the version byte that starts every sealed value and wrapped key;
// a new format gets a new number, and Open keeps reading the old ones.
const format = 1

const (
	nonceSize = 12
	tagSize   = 16
	// Overhead is how many bytes Seal adds to the plaintext.
	Overhead = 1 + nonceSize + tagSize
)

// The errors of the package. They name no personal data, nor any key.
var (
	// ErrNoKey: no data key has the id asked for.
	ErrNoKey = errors.New("vault: no such data key")
	// ErrWrongMaster: the data key is wrapped under another master key than
	// the loaded one: the keys folder is not this database's, or the master
	// key was rotated after this process started.
	ErrWrongMaster = errors.New("vault: the data key is wrapped under another master key")
	// ErrCannotOpen: a sealed value or wrapped key does not open: it is
	// sealed under another key or for another place, or was altered.
	ErrCannotOpen = errors.New("vault: sealed data does not open: another key, another place, or altered")
	// ErrShredded: the data key was destroyed by Shred; what was sealed
	// under it is gone for good (R-PII-2).
	ErrShredded = errors.New("vault: the data key was shredded; what was sealed under it is anonymized")
	// ErrKeysChanged: the database's secret keys were changed (carefund keys
	// rotate) after this process loaded its own; it must be restarted before
	// it makes data keys, or they would be wrapped under a retired master.
	ErrKeysChanged = errors.New("vault: the database's secret keys changed after this process started; restart carefund")
)

// Vault makes and unwraps data keys and computes blind indexes. It is safe
// for concurrent use. It never prints its keys.
type Vault struct {
	master master
	index  keyring.Key
	keysFP string // keyring.Keys.Fingerprint, as meta 'key_fingerprint' holds it
}

// New returns a vault over the platform's root keys.
func New(keys *keyring.Keys) *Vault {
	return &Vault{master: newMaster(keys.Master), index: keys.Index, keysFP: keys.Fingerprint()}
}

// The redaction methods take a value, so that a Vault printed by value does
// not fall back to printing its fields: fmt cannot call the redacting methods
// of unexported fields, and would print the index key and the cipher's key
// schedule.
func (Vault) String() string               { return "vault.Vault{[redacted]}" }
func (v Vault) GoString() string           { return v.String() }
func (v Vault) Format(f fmt.State, _ rune) { io.WriteString(f, v.String()) }
func (v Vault) LogValue() slog.Value       { return slog.StringValue(v.String()) }
func (v Vault) MarshalText() ([]byte, error) {
	return []byte(v.String()), nil
}

// master wraps and unwraps data keys under one master key.
type master struct {
	aead cipher.AEAD
	fp   string // keyring.Key.Fingerprint of the master key
}

func newMaster(k keyring.Key) master {
	return master{aead: newAEAD(k[:]), fp: k.Fingerprint()}
}

// wrapAAD binds a wrapped key to its use, so nothing else the master key might
// ever seal can pass for a data key.
const wrapAAD = "carefund data key"

func (m master) wrap(dataKey []byte) []byte { return seal(m.aead, wrapAAD, dataKey) }

func (m master) unwrap(wrapped []byte) ([]byte, error) {
	dk, err := open(m.aead, wrapAAD, wrapped)
	if err == nil && len(dk) != keyring.KeySize {
		err = ErrCannotOpen
	}
	return dk, err
}

func newAEAD(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // only for a key length other than 16, 24 or 32
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// seal returns format || nonce || AES-GCM(plaintext), with the format byte and
// aad authenticated.
func seal(aead cipher.AEAD, aad string, plaintext []byte) []byte {
	out := make([]byte, 1+nonceSize, Overhead+len(plaintext))
	out[0] = format
	rand.Read(out[1 : 1+nonceSize])
	return aead.Seal(out, out[1:1+nonceSize], plaintext, additional(aad))
}

func open(aead cipher.AEAD, aad string, sealed []byte) ([]byte, error) {
	if len(sealed) < Overhead || sealed[0] != format {
		return nil, ErrCannotOpen
	}
	pt, err := aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], additional(aad))
	if err != nil {
		return nil, ErrCannotOpen
	}
	return pt, nil
}

// additional is the associated data: the format byte, so a value cannot be
// relabelled as another format, then aad.
func additional(aad string) []byte {
	b := make([]byte, 0, 1+len(aad))
	return append(append(b, format), aad...)
}

// RecordKey is one record's data key, unwrapped, ready to seal and open that
// record's values. It keeps the AES-GCM cipher built from the key, not the
// key's bytes, so sealing many values costs one key expansion. It never
// prints: fmt and log/slog show only its ID. The zero RecordKey is not usable.
type RecordKey struct {
	ID   int64
	aead cipher.AEAD
}

func newRecordKey(id int64, dataKey []byte) *RecordKey {
	return &RecordKey{ID: id, aead: newAEAD(dataKey)}
}

func (k RecordKey) String() string             { return fmt.Sprintf("vault.RecordKey{ID: %d, [redacted]}", k.ID) }
func (k RecordKey) GoString() string           { return k.String() }
func (k RecordKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }
func (k RecordKey) LogValue() slog.Value       { return slog.StringValue(k.String()) }
func (k RecordKey) MarshalText() ([]byte, error) {
	return []byte(k.String()), nil
}

// Seal encrypts plaintext under the record's key. aad names where the value
// belongs (a table, column and row, such as "users.phone:42"); Open must be
// given the same aad. The output is a format byte, a 12-byte random nonce,
// then the ciphertext and its tag: Overhead bytes more than plaintext.
func (k *RecordKey) Seal(aad string, plaintext []byte) []byte { return seal(k.aead, aad, plaintext) }

// Open decrypts what Seal sealed with the same aad. It returns ErrCannotOpen
// for a value sealed under another key or aad, and for any altered byte.
func (k *RecordKey) Open(aad string, sealed []byte) ([]byte, error) { return open(k.aead, aad, sealed) }

// SealString is Seal for a string.
func (k *RecordKey) SealString(aad, s string) []byte { return k.Seal(aad, []byte(s)) }

// OpenString is Open for a string.
func (k *RecordKey) OpenString(aad string, sealed []byte) (string, error) {
	b, err := k.Open(aad, sealed)
	return string(b), err
}

// BlindIndex returns hex(HMAC-SHA256(index key, domain || 0x00 || value)):
// the same value gives the same index in one domain and unrelated ones in
// two, and without the index key the index tells nothing about the value.
// Callers normalise value first (one spelling of an ID number). domain is a
// constant of the calling code and must not contain a NUL byte.
func (v *Vault) BlindIndex(domain, value string) string {
	if strings.IndexByte(domain, 0) >= 0 {
		panic("vault: a blind index domain must not contain a NUL byte")
	}
	h := hmac.New(sha256.New, v.index[:])
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return hex.EncodeToString(h.Sum(nil))
}
