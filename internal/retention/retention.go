// Package retention anonymizes the personal data of requests for help on
// schedule (R-PII-2, M9): a request's help information is kept at least
// three years after the request completes, and then its personal data is
// anonymized. The ledger, the transparency log and the audit chain are
// left as they are: they hold amounts, dates and ids, never personal data.
// See docs/decisions/0034-retention.md.
//
// The rules are here, pure; what each table clears is an Anonymizer in
// store.go; the use cases (the job's run, the console's overview) are in
// service.go.
package retention

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/config"
)

// MinYears is the shortest retention period the law allows (R-PII-2):
// three years after a request completes. config.Validate refuses less.
const MinYears = config.MinRetentionYears

// Due returns when the personal data of a request completed at completed
// is due for anonymization with a retention period of years (R-PII-2): the
// same calendar day and time, years later. A period shorter than MinYears
// counts as MinYears: no configuration shortens what the law asks.
func Due(completed time.Time, years int) time.Time {
	return completed.UTC().AddDate(max(years, MinYears), 0, 0)
}

// From is when the retention period of a request completed at completed
// starts: after a completed wind-down (R-WIND-1, decision 0033) the later of
// the request's own completion and the wind-down's (woundDown, zero when
// there was none), so that no request's period starts before the platform
// finished giving money back.
func From(completed, woundDown time.Time) time.Time {
	if woundDown.After(completed) {
		return woundDown.UTC()
	}
	return completed.UTC()
}

// IsDue reports whether a request completed at completed is due at now.
func IsDue(completed, now time.Time, years int) bool { return !now.Before(Due(completed, years)) }

// Dormant reports whether an account whose last sign-in was at signedIn
// may lose its phone number and real name at now: nobody has signed in to
// it for the whole retention period. An account still in use keeps them,
// for its own use, even once its requests are anonymized.
func Dormant(signedIn, now time.Time, years int) bool { return IsDue(signedIn, now, years) }

// Tombstone is what a sealed column holds once anonymized, where a value
// must remain: it seals nothing, and its key is shredded besides.
var Tombstone = []byte("anonymized (R-PII-2)")

// TombstoneIndex is what a blind-index column holds once anonymized: a
// value unique to the row (some such columns are unique) that no personal
// data can reproduce, as it is derived from the table and row id alone.
func TombstoneIndex(table string, id int64) string {
	sum := sha256.Sum256([]byte("anonymized:" + table + ":" + strconv.FormatInt(id, 10)))
	return hex.EncodeToString(sum[:])
}

// Request is a completed request whose personal data is, or will be, due.
type Request struct {
	ID              int64
	PublisherUserID int64
	CompletedAt     time.Time
	// WoundDownAt is when the platform's wind-down completed, zero when
	// none did: the period counts from the later of the two (From).
	WoundDownAt time.Time
	DueAt       time.Time
}

// Record is one anonymization: which request, when it completed, when it
// was due, when it was done and what was cleared.
type Record struct {
	RequestID    int64
	CompletedAt  time.Time
	DueAt        time.Time
	AnonymizedAt time.Time
	Cleared      []string
}

// Result is what one run did.
type Result struct {
	Anonymized int
	Skipped    int // anonymized meanwhile by another run, or no longer due
	// Complaints counts the closed complaints anonymized (R-PII-2).
	Complaints int
}

// Detail is the audit record's detail: counts and names of columns, never
// a value.
func Detail(r Record) string {
	return fmt.Sprintf("completed %s, due %s, cleared %d kinds of personal data", r.CompletedAt.Format(time.DateOnly),
		r.DueAt.Format(time.DateOnly), len(r.Cleared))
}
