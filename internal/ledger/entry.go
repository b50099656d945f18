package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// Entry is a balanced set of postings, posted at once or not at all.
type Entry struct {
	// Key makes posting exactly-once: a second Post with the same key returns
	// the first entry. It comes from outside (the payment provider's
	// transaction id, a client's Idempotency-Key), namespaced by the caller:
	// "wechatpay:4200001234".
	Key  string
	Kind string // what happened: donation, settlement, payout, refund, …
	Memo string // for staff; never personal data
	// Reverses is the ID of the entry this one undoes, or 0.
	Reverses int64
	Postings []Posting
	// After, when not nil, runs in the transaction that writes the entry,
	// right after its rows and balances: what must commit with the entry
	// or not at all (the donation an entry pays for, the channel it
	// closes). It runs only when the entry is written now, never for a
	// replay, and may run more than once if a batch is retried; only the
	// run in the committed transaction counts, so it must keep no state
	// outside tx. An error fails the batch, which is then retried entry by
	// entry, this one with its hook. It is not part of what the key
	// protects (see hash).
	After AfterFunc
}

// Posting moves an amount into or out of one account. A positive amount is a
// debit, a negative amount a credit; an entry's amounts sum to zero.
type Posting struct {
	Account string
	Amount  money.Fen
}

// Transfer returns the common two-posting entry: debit one account, credit
// another, by a positive amount.
func Transfer(key, kind, debit, credit string, amount money.Fen) Entry {
	return Entry{Key: key, Kind: kind, Postings: []Posting{{debit, amount}, {credit, -amount}}}
}

// Posted is the outcome of a Post.
type Posted struct {
	ID        int64
	CreatedAt time.Time
	// Replayed is true when the key had been posted before: nothing new was
	// written, and ID is the first entry's.
	Replayed bool
}

// The errors Post returns, within an *apperr.Error; check with errors.Is.
var (
	// ErrInsufficientFunds: a non-negative account (a request, a payable)
	// would go below zero. Code Conflict.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrKeyReused: the key was posted before with different content. Code
	// Conflict.
	ErrKeyReused = errors.New("idempotency key already used for a different entry")
	// ErrAlreadyReversed: the entry named by Reverses has been reversed, or is
	// itself a reversal. Code Conflict.
	ErrAlreadyReversed = errors.New("entry already reversed")
	// ErrInvalid: the entry is malformed (unbalanced, unknown account…).
	// Code Invalid.
	ErrInvalid = errors.New("invalid entry")
)

// MaxPostings bounds the postings of one entry.
const MaxPostings = 32

// Validate checks an entry on its own, without the database: a key, a kind,
// at least two postings to known accounts, each account once, no zero or
// oversized amounts, a sum of zero, and money out of custody only by the
// kinds of CustodyOutflowKinds.
func Validate(e Entry) error {
	switch {
	case e.Key == "" || len(e.Key) > 200 || !utf8.ValidString(e.Key) || strings.ContainsFunc(e.Key, isControl):
		return invalid("the key must be 1 to 200 printable characters")
	case !validKind(e.Kind):
		return invalid("kind %q must be 1 to 40 lower-case letters or _", e.Kind)
	case len(e.Memo) > 500 || !utf8.ValidString(e.Memo) || strings.ContainsFunc(e.Memo, isControl):
		return invalid("the memo must be printable text of at most 500 bytes")
	case len(e.Postings) < 2 || len(e.Postings) > MaxPostings:
		return invalid("an entry has 2 to %d postings, not %d", MaxPostings, len(e.Postings))
	case e.Reverses < 0:
		return invalid("reverses must be an entry ID")
	}
	var sum money.Fen
	seen := make(map[string]bool, len(e.Postings))
	for _, p := range e.Postings {
		if _, err := Classify(p.Account); err != nil {
			return invalid("%v", err)
		}
		if seen[p.Account] {
			return invalid("account %s appears twice; merge its postings", p.Account)
		}
		seen[p.Account] = true
		if p.Amount == 0 || p.Amount > money.MaxFen || p.Amount < -money.MaxFen {
			return invalid("posting to %s: amount %s is zero or too large", p.Account, p.Amount)
		}
		sum += p.Amount
	}
	if sum != 0 {
		return invalid("postings sum to %s, not zero", sum)
	}
	return CheckCustodyOutflow(e)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func validKind(k string) bool {
	if len(k) == 0 || len(k) > 40 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if (k[i] < 'a' || k[i] > 'z') && k[i] != '_' {
			return false
		}
	}
	return true
}

func invalid(format string, args ...any) error {
	return &apperr.Error{Code: apperr.Invalid, Key: "ledger.invalid",
		Err: fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))}
}

func conflict(key string, err error) error {
	return &apperr.Error{Code: apperr.Conflict, Key: key, Err: err}
}

// hash digests what an entry says, independent of posting order, so that a
// replay of the same entry matches and a different entry under the same key
// does not.
func hash(e Entry) string {
	ps := slices.Clone(e.Postings)
	slices.SortFunc(ps, func(a, b Posting) int { return strings.Compare(a.Account, b.Account) })
	h := sha256.New()
	var b []byte
	b = append(b, e.Kind...)
	b = append(b, 0)
	b = append(b, e.Memo...)
	b = append(b, 0)
	b = strconv.AppendInt(b, e.Reverses, 10)
	for _, p := range ps {
		b = append(b, 0)
		b = append(b, p.Account...)
		b = append(b, 0)
		b = strconv.AppendInt(b, int64(p.Amount), 10)
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
