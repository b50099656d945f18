package incident

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
)

// The types of incident R-PII-3 names: personal data leaked, tampered with
// or lost, actually or suspectedly.
const (
	TypeLeak      = "leak"
	TypeTampering = "tampering"
	TypeLoss      = "loss"
)

// Types lists the types of incident.
var Types = []string{TypeLeak, TypeTampering, TypeLoss}

// The audiences of a notice.
const (
	AudienceAuthority = "authority" // the authority the incident is reported to
	AudiencePerson    = "person"    // one of the people affected
)

// The channels a notice goes by.
var Channels = []string{"sms", "email", "letter", "in_app"}

// The outcomes of a notice. A failed notice does not count as telling
// anyone; a new notice is recorded when it is tried again.
const (
	OutcomeSent      = "sent"
	OutcomeDelivered = "delivered"
	OutcomeFailed    = "failed"
)

// Outcomes lists the outcomes of a notice.
var Outcomes = []string{OutcomeSent, OutcomeDelivered, OutcomeFailed}

// Limits on what a person types in a notice, in characters.
const (
	MaxAuthority = 200
	MaxReference = 200
	MaxNote      = 2000
)

// A Notice is one notice of an incident to the authority or to one person
// affected, as recorded by staff: what went, by which channel, when, by
// whom, and how it ended.
type Notice struct {
	ID         int64
	Audience   string // AudienceAuthority or AudiencePerson
	Recipient  string // the authority's name, or the affected object ("user:5")
	Reference  string // the authority's reference number, or the message's id
	Channel    string // one of Channels
	SentAt     time.Time
	SentBy     string // "staff:3"
	Outcome    string // one of Outcomes
	Note       string
	RecordedAt time.Time
}

// Told reports whether the notice reached, or went out to, its recipient.
func (n Notice) Told() bool { return n.Outcome == OutcomeSent || n.Outcome == OutcomeDelivered }

// NoticeInput is what staff type to record a notice.
type NoticeInput struct {
	Audience  string
	Recipient string // the authority's name, or an affected object
	Reference string
	Channel   string
	SentAt    time.Time
	Outcome   string
	Note      string
}

// Validate returns an apperr.Invalid error with a message for each wrong
// field ("audience", "recipient", "reference", "channel", "sent_at",
// "outcome", "note"), or nil. affected is the incident's list of people; a
// person notice must name one of them. now bounds sent_at: a notice is
// recorded after it is sent, never before.
func (in NoticeInput) Validate(affected []string, now time.Time) error {
	var fields []apperr.FieldError
	bad := func(field, key string, args ...any) {
		fields = append(fields, apperr.FieldError{Field: field, Key: key, Args: args})
	}
	recipient := strings.TrimSpace(in.Recipient)
	switch in.Audience {
	case AudienceAuthority:
		switch {
		case !validText(in.Recipient):
			bad("recipient", "incident.chars")
		case recipient == "":
			bad("recipient", "incident.authority_empty")
		case utf8.RuneCountInString(recipient) > MaxAuthority:
			bad("recipient", "incident.authority_long", MaxAuthority)
		}
	case AudiencePerson:
		if !slices.Contains(affected, recipient) {
			bad("recipient", "incident.recipient_unknown")
		}
	default:
		bad("audience", "incident.audience_invalid")
	}
	switch {
	case !validText(in.Reference):
		bad("reference", "incident.chars")
	case utf8.RuneCountInString(strings.TrimSpace(in.Reference)) > MaxReference:
		bad("reference", "incident.reference_long", MaxReference)
	}
	if !slices.Contains(Channels, in.Channel) {
		bad("channel", "incident.channel_invalid")
	}
	switch {
	case in.SentAt.IsZero():
		bad("sent_at", "incident.sent_at_empty")
	case in.SentAt.After(now):
		bad("sent_at", "incident.sent_at_future")
	}
	if !slices.Contains(Outcomes, in.Outcome) {
		bad("outcome", "incident.outcome_invalid")
	}
	switch {
	case !validText(in.Note):
		bad("note", "incident.chars")
	case utf8.RuneCountInString(strings.TrimSpace(in.Note)) > MaxNote:
		bad("note", "incident.note_long", MaxNote)
	}
	if len(fields) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Key: "incident.invalid", Fields: fields}
	}
	return nil
}

// PersonNotice is where one affected person stands: whether they were
// told, and by the first notice that told them.
type PersonNotice struct {
	Object string
	Told   bool
	First  Notice // the first notice that told them, when Told
	Tries  int    // every notice recorded for them, failed ones included
}

// People returns, for each affected object in order, whether and when it
// was told (R-PII-3).
func People(affected []string, notices []Notice) []PersonNotice {
	out := make([]PersonNotice, 0, len(affected))
	for _, o := range affected {
		p := PersonNotice{Object: o}
		for _, n := range notices {
			if n.Audience != AudiencePerson || n.Recipient != o {
				continue
			}
			p.Tries++
			if n.Told() && (!p.Told || n.SentAt.Before(p.First.SentAt)) {
				p.Told, p.First = true, n
			}
		}
		out = append(out, p)
	}
	return out
}

// Untold returns the affected objects no notice told, in order.
func Untold(affected []string, notices []Notice) []string {
	var out []string
	for _, p := range People(affected, notices) {
		if !p.Told {
			out = append(out, p.Object)
		}
	}
	return out
}

// AuthorityTold reports whether a notice to an authority went out.
func AuthorityTold(notices []Notice) bool {
	return slices.ContainsFunc(notices, func(n Notice) bool { return n.Audience == AudienceAuthority && n.Told() })
}

// CheckNotified returns nil when an incident may be marked notified or
// closed: the authority was told, and each person affected was told
// (R-PII-3). Otherwise it returns apperr.Conflict naming what is missing:
// "incident.needs_notice_authority", or "incident.needs_notice_people"
// with how many people are still untold.
func CheckNotified(affected []string, notices []Notice) error {
	if !AuthorityTold(notices) {
		return apperr.New(apperr.Conflict, "incident.needs_notice_authority")
	}
	if untold := Untold(affected, notices); len(untold) > 0 {
		return apperr.New(apperr.Conflict, "incident.needs_notice_people", len(untold))
	}
	return nil
}
