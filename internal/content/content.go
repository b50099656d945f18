// Package content is the screen of public texts (R-CONT-1): every request,
// update, donation message and complaint response passes the same screen
// (internal/screen's Harm) against the maintained word list; what it finds
// goes into the handling record; a held text stays off public pages until
// staff clear it or take it down; and staff can take any public text down
// with a public reason its page shows in its place. A takedown never
// deletes the text: it stays for the record.
//
// Other services screen their texts with Check inside their own
// transaction, and ask Statuses which of their texts a public page may
// show.
package content

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/screen"
)

// Place is where a public text lives.
type Place string

// The places of public texts.
const (
	PlaceRequest           Place = "request"            // a request's story; Ref is its id
	PlaceUpdate            Place = "update"             // a request's update; Ref is the update's id
	PlaceDonationMessage   Place = "donation_message"   // a donor's message; Ref is the order number
	PlaceComplaintResponse Place = "complaint_response" // a published response; Ref is the complaint's
)

// Places lists every place.
var Places = []Place{PlaceRequest, PlaceUpdate, PlaceDonationMessage, PlaceComplaintResponse}

// Valid reports whether p is one of Places.
func (p Place) Valid() bool { return slices.Contains(Places, p) }

// Action is what happens to a screened text.
type Action = screen.ContentAction

// The actions of Check.
const (
	ActionPass   = screen.ContentPass
	ActionHold   = screen.ContentHold
	ActionRefuse = screen.ContentRefuse
)

// Candidate is a public text to screen.
type Candidate struct {
	Place Place
	Ref   string
	Text  string
}

// Decision is the screen's answer about a Candidate.
type Decision struct {
	Action     Action
	Categories []screen.Category
	// RecordID is the handling record written, 0 when the text passed.
	RecordID int64
}

// The states of a handling record.
const (
	StateHeld      = "held"
	StateCleared   = "cleared"
	StateTakenDown = "taken_down"
	StateRefused   = "refused"
)

// Record is one entry of the handling record.
type Record struct {
	ID         int64
	Place      Place
	Ref        string
	Categories []screen.Category
	// Terms are the terms found, for staff only.
	Terms      []string
	Action     Action
	State      string
	ScreenedAt time.Time
	HandledBy  string
	HandledAt  time.Time
	Note       string
}

// Status is what a public page may show of a text.
type Status struct {
	// Held keeps the text off the page until staff clear it.
	Held bool
	// TakenDown replaces the text with Reason, its public reason.
	TakenDown bool
	Reason    string
	// Cleared says staff cleared a hold of the text: a caller that marks
	// held texts itself may show it.
	Cleared bool
}

// Public reports whether the text itself may be shown.
func (s Status) Public() bool { return !s.Held && !s.TakenDown }

// TermChange is one change of the word list: a term added or removed.
type TermChange struct {
	ID        int64
	Term      screen.Term
	Removed   bool
	ChangedBy string
	ChangedAt time.Time
}

// Limits, in runes.
const (
	MaxTerm   = 50
	MaxReason = 500
	MaxNote   = 500
)

// Message keys of content's errors.
const (
	KeyInvalid        = "content.invalid"
	KeyTermInvalid    = "content.term_invalid"
	KeyCategory       = "content.category_invalid"
	KeyTermExists     = "content.term_exists"
	KeyTermMissing    = "content.term_missing"
	KeyReasonRequired = "content.reason_required"
	KeyReasonTooLong  = "content.reason_too_long"
	KeyNoteTooLong    = "content.note_too_long"
	KeyNotHeld        = "content.not_held"
	KeyAlreadyDown    = "content.already_down"
	KeyPlace          = "content.place_invalid"
	// KeyRefused is the field error of a refused text: it says the text
	// breaks the platform's content rules, never which word did it.
	KeyRefused = "content.refused"
	// KeyTakenDown is the public line in place of a taken-down text.
	KeyTakenDown = "content.taken_down"
	// KeyHeld is the line a writer sees in place of their held text.
	KeyHeld = "content.held"
)

// Refusal returns the error a service returns for a refused text on field
// (R-CONT-1): apperr.Invalid with KeyRefused on the field.
func Refusal(field string) error {
	return &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid,
		Fields: []apperr.FieldError{{Field: field, Key: KeyRefused}}}
}

// Terms applies changes, oldest first, to the built-in list and returns
// the list in force: an added term joins its category once, a removed one
// leaves it, built-in or not.
func Terms(changes []TermChange) []screen.Term {
	list := screen.DefaultTerms()
	for _, c := range changes {
		i := slices.IndexFunc(list, func(t screen.Term) bool { return sameTerm(t, c.Term) })
		switch {
		case c.Removed && i >= 0:
			list = slices.Delete(list, i, i+1)
		case !c.Removed && i < 0:
			list = append(list, c.Term)
		}
	}
	return list
}

// sameTerm reports whether a and b are the same entry: the same category
// and the same text once normalised.
func sameTerm(a, b screen.Term) bool {
	return a.Category == b.Category && screen.Normalise(a.Text) == screen.Normalise(b.Text)
}

// CheckTerm checks a term to add or remove: a known category (field
// "category") and 1 to MaxTerm runes of text that are not all spaces or
// invisible characters and hold no control characters (field "term").
// It returns the term trimmed, or apperr.Invalid KeyInvalid.
func CheckTerm(t screen.Term) (screen.Term, error) {
	var errs []apperr.FieldError
	if !t.Category.Valid() {
		errs = append(errs, apperr.FieldError{Field: "category", Key: KeyCategory})
	}
	t.Text = strings.TrimSpace(t.Text)
	if !utf8.ValidString(t.Text) || strings.ContainsFunc(t.Text, unicode.IsControl) ||
		utf8.RuneCountInString(t.Text) > MaxTerm || screen.Normalise(t.Text) == "" {
		errs = append(errs, apperr.FieldError{Field: "term", Key: KeyTermInvalid, Args: []any{MaxTerm}})
	}
	if errs != nil {
		return screen.Term{}, &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: errs}
	}
	return t, nil
}

// CheckReason checks a takedown's public reason: 1 to MaxReason runes of
// valid text (field "reason"). It returns the reason trimmed.
func CheckReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	var key string
	switch {
	case reason == "" || !utf8.ValidString(reason) || strings.ContainsFunc(reason, isControl):
		key = KeyReasonRequired
	case utf8.RuneCountInString(reason) > MaxReason:
		key = KeyReasonTooLong
	default:
		return reason, nil
	}
	return "", &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid,
		Fields: []apperr.FieldError{{Field: "reason", Key: key, Args: []any{MaxReason}}}}
}

// CheckNote checks a handler's note: at most MaxNote runes (field "note").
func CheckNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if !utf8.ValidString(note) || strings.ContainsFunc(note, isControl) || utf8.RuneCountInString(note) > MaxNote {
		return "", &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid,
			Fields: []apperr.FieldError{{Field: "note", Key: KeyNoteTooLong, Args: []any{MaxNote}}}}
	}
	return note, nil
}

// isControl reports control characters other than line breaks and tabs.
func isControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }

// joinCategories and splitCategories store categories as one column.
func joinCategories(cs []screen.Category) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

func splitCategories(s string) []screen.Category {
	var out []screen.Category
	for _, c := range strings.Split(s, ",") {
		if c != "" {
			out = append(out, screen.Category(c))
		}
	}
	return out
}
