// Package incident records leaks, tampering and losses of personal data,
// actual or suspected (R-PII-3): who opened the incident, which people may
// be affected, every remediation, and a notice to the authority and to each
// person affected, with the channel, the time it was sent and its outcome,
// until it is closed.
//
// The people affected are found in the audit log, not typed in: every entry
// whose action starts with "pii." (a view, an export…) by the suspected actor
// in the incident's time window names an object, such as "user:5", whose
// data was seen. They are computed once, when the incident is opened, and
// kept, so the list the notices were sent from stays as it was.
//
// An incident only moves forward: open, contained (after a remediation),
// notified (once the authority and every person affected were told, see
// CheckNotified), closed (after a remediation, and with everyone told). Its steps are never changed or removed; the database
// refuses it. Each status change is itself recorded as a step of kind
// "status", so the record shows who moved it and when.
//
// Callers append the matching audit record (incident.open, incident.step,
// incident.status) in the same transaction.
package incident

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
)

// Status is where an incident stands.
type Status string

// The statuses, in the only order an incident moves through them (it may
// skip one).
const (
	StatusOpen      Status = "open"
	StatusContained Status = "contained"
	StatusNotified  Status = "notified"
	StatusClosed    Status = "closed"
)

// Statuses lists every status in order.
var Statuses = []Status{StatusOpen, StatusContained, StatusNotified, StatusClosed}

func (s Status) rank() int {
	for i, t := range Statuses {
		if s == t {
			return i
		}
	}
	return -1
}

// The kinds of step.
const (
	KindRemediation     = "remediation"      // what was done to stop or limit the leak
	KindNoticePeople    = "notice_people"    // written by RecordNotice only: a person affected was told
	KindNoticeRegulator = "notice_regulator" // written by RecordNotice only: the authority was told
	KindNote            = "note"             // anything else worth keeping
	KindStatus          = "status"           // written by SetStatus only; Text is the new status
)

// Kinds lists the kinds of step a person can add. Notices are recorded
// with RecordNotice, which adds their step.
var Kinds = []string{KindRemediation, KindNote}

// Limits on what a person types, in characters.
const (
	MaxTitle       = 200
	MaxDescription = 5000
	MaxText        = 5000
	MaxWindowDays  = 366
)

// An Incident is a suspected leak of personal data, opened by a security
// admin.
type Incident struct {
	ID          int64
	Type        string // one of Types
	Title       string
	Description string
	Status      Status
	OpenedBy    string // "staff:3"
	OpenedAt    time.Time
	// Scope: which audit entries may be involved, to find the affected
	// people.
	SuspectActor string // e.g. "staff:12"; "" for anyone
	From, To     time.Time
	// Affected lists the objects (e.g. "user:5") of audit entries whose
	// action starts with "pii." by SuspectActor (when set) in [From, To],
	// distinct and sorted, as they were when the incident was opened.
	Affected []string
	Steps    []Step   // remediation and notices, in order
	Notices  []Notice // to the authority and the people affected, in the order recorded
}

// Step is one thing done about an incident.
type Step struct {
	At   time.Time
	By   string // "staff:3"
	Kind string // one of Kinds, or KindStatus
	Text string
}

// Input is what a security admin types to open an incident.
type Input struct {
	Type         string // one of Types
	Title        string
	Description  string
	SuspectActor string // optional: "staff:12", "user:5", "system" or "anonymous"
	From, To     time.Time
}

// actorPattern is what an audit Actor looks like.
var actorPattern = regexp.MustCompile(`^(?:(?:staff|user):[1-9][0-9]{0,18}|system|anonymous)$`)

// Validate returns an apperr.Invalid error with a message for each wrong
// field ("title", "description", "suspect_actor", "from", "to"), or nil.
func (in Input) Validate() error {
	var fields []apperr.FieldError
	bad := func(field, key string, args ...any) {
		fields = append(fields, apperr.FieldError{Field: field, Key: key, Args: args})
	}
	if !slices.Contains(Types, in.Type) {
		bad("type", "incident.type_invalid")
	}
	title := strings.TrimSpace(in.Title)
	switch {
	case !validText(in.Title):
		bad("title", "incident.chars")
	case title == "":
		bad("title", "incident.title_empty")
	case utf8.RuneCountInString(title) > MaxTitle:
		bad("title", "incident.title_long", MaxTitle)
	}
	switch {
	case !validText(in.Description):
		bad("description", "incident.chars")
	case utf8.RuneCountInString(strings.TrimSpace(in.Description)) > MaxDescription:
		bad("description", "incident.description_long", MaxDescription)
	}
	if s := strings.TrimSpace(in.SuspectActor); s != "" && !actorPattern.MatchString(s) {
		bad("suspect_actor", "incident.suspect_invalid")
	}
	if in.From.IsZero() {
		bad("from", "incident.from_empty")
	}
	switch {
	case in.To.IsZero():
		bad("to", "incident.to_empty")
	case in.From.IsZero():
		// Nothing to compare To with.
	case in.To.Before(in.From):
		bad("to", "incident.to_before_from")
	case in.To.Sub(in.From) > MaxWindowDays*24*time.Hour:
		bad("to", "incident.window_long", MaxWindowDays)
	}
	if len(fields) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Key: "incident.invalid", Fields: fields}
	}
	return nil
}

// validText reports whether s can be stored as typed: PostgreSQL refuses
// invalid UTF-8 and NUL, and SQLite would keep them.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func micros(us int64) time.Time { return time.UnixMicro(us).UTC() }
