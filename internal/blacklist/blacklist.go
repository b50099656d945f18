// Package blacklist keeps the platform's list of dishonest fundraisers
// (R-BL-1): a person on it in force cannot request help or publish a
// request.
//
// An entry names the person only by the blind index of their ID number, in
// the "id-number" domain that account.Service.IDIndex uses, so an entry
// matches a verified identity without the list ever holding a plain number.
// Staff see the masked number ("110***********002X") beside it. Every entry
// carries the reason and the evidence, who listed it and when, and an appeal
// path: the listed person appeals, staff uphold the entry or lift it.
//
// Entries are never deleted, not even by mistake: lifting is a status, the
// database refuses DELETE, and each step is kept in the entry's history.
// Listing and lifting are four-eyes actions (staff.KindBlacklist): a staff
// member proposes a Change and another one approves it, which runs
// Executor. Add and Lift are exported for that executor and for tests; the
// web layer goes through the proposals.
//
// The functions take a *store.Tx so that a caller can compose them with
// other writes and with its audit record in one transaction. They never put
// the index, the masked number or the texts in an error message.
package blacklist

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/screen"
)

// Status is where an entry stands. Every status but Lifted keeps the entry
// in force.
type Status string

// The statuses. Listed is an entry nobody has appealed against; an appeal
// makes it Appealed, and the decision Upheld (still in force) or Lifted.
const (
	Listed   Status = "listed"
	Appealed Status = "appealed"
	Upheld   Status = "upheld"
	Lifted   Status = "lifted"
)

// InForce reports whether an entry with the status stops the person.
func (s Status) InForce() bool { return s != Lifted }

// Entry is one listing of a person.
type Entry struct {
	ID int64
	// Index is the blind index of the person's ID number; Masked is the
	// number masked for staff (idcard.MaskID).
	Index, Masked string
	// Reason says why the person was listed; Evidence lists what proves it
	// (case numbers, report references, file names), as text.
	Reason, Evidence string
	ListedAt         time.Time
	ListedBy         string // the actor who proposed it, "staff:3"
	Status           Status
	// Appeal is the latest appeal's text and Decision the latest
	// decision's (upholding or lifting), "" when there was none.
	Appeal, Decision string
}

// ScreenEntry returns the part of e the machine pre-screen needs
// (screen.Facts.Blacklisted), or nil for a nil entry.
func (e *Entry) ScreenEntry() *screen.BlacklistEntry {
	if e == nil {
		return nil
	}
	return &screen.BlacklistEntry{ID: e.ID, Reason: e.Reason}
}

// The actions of a Change.
const (
	ActionAdd  = "add"
	ActionLift = "lift"
)

// Change is the payload of a staff.KindBlacklist proposal: add the person
// with Index (and Masked, Reason, Evidence), or lift the entry EntryID, with
// Reason as the decision.
type Change struct {
	Action   string `json:"action"`
	Index    string `json:"index,omitempty"`
	Masked   string `json:"masked,omitempty"`
	Reason   string `json:"reason"`
	Evidence string `json:"evidence,omitempty"`
	EntryID  int64  `json:"entry_id,omitempty"`
}

// Limits on the texts, in characters: staff read every one of them, and the
// appeal comes from the public.
const (
	MaxReason   = 1000
	MaxEvidence = 2000
	MaxAppeal   = 2000
	MaxDecision = 1000
)

var (
	indexPattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	maskedPattern = regexp.MustCompile(`^[0-9]{3}\*{11}[0-9]{3}[0-9X]$`)
)

// text checks a required free text of at most limit characters and adds a
// field error for it to e.
func text(e *apperr.Error, field, s string, limit int, required string) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		e.Fields = append(e.Fields, apperr.FieldError{Field: field, Key: "blacklist.text_invalid"})
	case s == "":
		e.Fields = append(e.Fields, apperr.FieldError{Field: field, Key: required})
	case utf8.RuneCountInString(s) > limit:
		e.Fields = append(e.Fields, apperr.FieldError{Field: field, Key: "blacklist.text_long", Args: []any{limit}})
	}
}

// normalize trims the texts and upper-cases the masked number's check
// character.
func normalize(c Change) Change {
	c.Action = strings.TrimSpace(c.Action)
	c.Index = strings.TrimSpace(c.Index)
	c.Masked = strings.ToUpper(strings.TrimSpace(c.Masked))
	c.Reason = strings.TrimSpace(c.Reason)
	c.Evidence = strings.TrimSpace(c.Evidence)
	return c
}

// Validate checks a Change before it is proposed, and again when it is
// carried out. It returns an *apperr.Error with code Invalid and a message
// per wrong field: "action", "index", "masked", "reason", "evidence" for an
// addition, "entry_id" and "reason" (the decision) for a lifting.
func Validate(c Change) error {
	c = normalize(c)
	e := apperr.New(apperr.Invalid, "blacklist.invalid")
	switch c.Action {
	case ActionAdd:
		if !indexPattern.MatchString(c.Index) {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "index", Key: "blacklist.index_invalid"})
		}
		if !maskedPattern.MatchString(c.Masked) {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "masked", Key: "blacklist.masked_invalid"})
		}
		text(e, "reason", c.Reason, MaxReason, "blacklist.reason_required")
		text(e, "evidence", c.Evidence, MaxEvidence, "blacklist.evidence_required")
	case ActionLift:
		if c.EntryID <= 0 {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "entry_id", Key: "blacklist.entry_required"})
		}
		text(e, "reason", c.Reason, MaxDecision, "blacklist.decision_required")
	default:
		e.Fields = append(e.Fields, apperr.FieldError{Field: "action", Key: "blacklist.action_unknown"})
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Person returns the index and the masked form of an ID number that staff
// typed, for a Change. index is account.Service.IDIndex. It returns
// apperr.Invalid with a message for field "id_number" when the number is
// not a valid ID number (the field error carries idcard's key).
func Person(number string, today time.Time, index func(string) string) (idx, masked string, err error) {
	id, err := idcard.Parse(number, today)
	if err != nil {
		key := "blacklist.invalid"
		if e := apperr.As(err); e != nil {
			key = e.Key
		}
		return "", "", &apperr.Error{Code: apperr.Invalid, Key: "blacklist.invalid",
			Fields: []apperr.FieldError{{Field: "id_number", Key: key, Args: argsOf(err)}}}
	}
	return index(id.Number), idcard.MaskID(id.Number), nil
}

func argsOf(err error) []any {
	if e := apperr.As(err); e != nil {
		return e.Args
	}
	return nil
}

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var listedAt int64
	var status string
	if err := row.Scan(&e.ID, &e.Index, &e.Masked, &e.Reason, &e.Evidence, &listedAt, &e.ListedBy,
		&status, &e.Appeal, &e.Decision); err != nil {
		return Entry{}, err
	}
	e.ListedAt, e.Status = time.UnixMicro(listedAt).UTC(), Status(status)
	return e, nil
}

// Event is one step in an entry's history.
type Event struct {
	At     time.Time
	Actor  string // "staff:3", or "appellant" for an appeal
	Action string // "add", "appeal", "uphold" or "lift"
	Text   string // the reason, appeal or decision
}

// decisionText checks a decision's text.
func decisionText(s string) (string, error) {
	s = strings.TrimSpace(s)
	e := apperr.New(apperr.Invalid, "blacklist.invalid")
	text(e, "reason", s, MaxDecision, "blacklist.decision_required")
	if len(e.Fields) > 0 {
		return "", e
	}
	return s, nil
}

// Shared is what the platform shares of an entry with other platforms
// (R-BL-1): the blind index, when it was listed and whether it is in force,
// never the masked number, the reason or the evidence. The index is an HMAC
// under the platform's index key; a partner that is to match its own users
// against it needs that key (or an index computed under a key both agreed
// on), which is an agreement between the platforms, not something this
// list carries.
type Shared struct {
	Index    string    `json:"index"`
	ListedAt time.Time `json:"listed_at"`
	Status   Status    `json:"status"`
}
