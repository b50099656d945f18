// Package complaint receives, tracks and handles complaints and reports
// (R-COMP-1, R-COMP-2, R-PUB-3): the public form and the other published
// channels, a tracking number and status page for the complainant, the
// handlers' queue with its clocks (acknowledged within 1 working day,
// handled within 7), escalation when a clock runs out, and an outcome with a
// response that is published on the request page when the complaint is about
// one (R-DISC-2), next to how a dispute can be taken further (R-DISP-1).
//
// Rule files here (this one) import no storage; SQL is in store.go, use
// cases in service*.go.
package complaint

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/screen"
)

// Category is what a complaint is about.
type Category string

// The categories the form offers.
const (
	CategoryFalseInfo Category = "false_info" // the request's information is false
	CategoryMisuse    Category = "misuse"     // money is misused
	CategoryPrivacy   Category = "privacy"    // personal information is exposed or misused
	CategoryPayout    Category = "payout"     // a payout is late, wrong or refused
	CategoryStaff     Category = "staff"      // a staff member's conduct
	CategoryOther     Category = "other"
)

// Categories lists every category in the order the form shows them.
var Categories = []Category{CategoryFalseInfo, CategoryMisuse, CategoryPrivacy, CategoryPayout, CategoryStaff, CategoryOther}

// Status is where a complaint stands: received → triaged → investigating →
// resolved | dismissed.
type Status string

// The statuses.
const (
	StatusReceived      Status = "received"
	StatusTriaged       Status = "triaged" // acknowledged and assigned
	StatusInvestigating Status = "investigating"
	StatusResolved      Status = "resolved"  // an outcome with a response
	StatusDismissed     Status = "dismissed" // closed without action, with a response saying why
)

// Statuses lists every status in order.
var Statuses = []Status{StatusReceived, StatusTriaged, StatusInvestigating, StatusResolved, StatusDismissed}

// Outcome is what handling a complaint found and did.
type Outcome string

// The outcomes.
const (
	OutcomeUpheld    Outcome = "upheld"     // the complaint was right; action taken
	OutcomePartly    Outcome = "partly"     // partly right; some action taken
	OutcomeNotUpheld Outcome = "not_upheld" // investigated; nothing wrong found
	OutcomeDismissed Outcome = "dismissed"  // not investigated (duplicate, out of scope, no basis)
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeUpheld, OutcomePartly, OutcomeNotUpheld, OutcomeDismissed}

// Stats counts the complaints received in a period, for the public and
// annual reports and the exports (R-DISC-3, R-RPT-1).
type Stats struct {
	Received      int              // complaints received in the period
	ByCategory    map[Category]int // of those received, by category
	ByOutcome     map[Outcome]int  // of those received, the closed ones by outcome
	Open          int              // of those received, not closed by the end of the period
	AckedInTime   int              // acknowledged within 1 working day
	HandledInTime int              // closed within 7 working days
	Escalated     int              // a clock ran out at least once
	// MedianHandleHours is the median time from receipt to closing of
	// those closed, in whole hours; 0 when none is closed.
	MedianHandleHours int
}

// NeedsRequest reports whether a complaint of category c must name the
// request it is about: false information, misuse of money and a payout are
// always about one.
func (c Category) NeedsRequest() bool {
	return c == CategoryFalseInfo || c == CategoryMisuse || c == CategoryPayout
}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool { return slices.Contains(Categories, c) }

// Key is c's message catalog key.
func (c Category) Key() string { return "complaint.category." + string(c) }

// Key is s's message catalog key.
func (s Status) Key() string { return "complaint.status." + string(s) }

// Closed reports whether s ends handling.
func (s Status) Closed() bool { return s == StatusResolved || s == StatusDismissed }

// Key is o's message catalog key.
func (o Outcome) Key() string { return "complaint.outcome." + string(o) }

// Valid reports whether o is one of Outcomes.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Limits on what a complaint holds.
const (
	MaxText      = 5000 // characters of the complaint's text
	MaxResponse  = 3000 // characters of a handler's response
	MaxNote      = 3000 // characters of an investigation note
	MaxName      = 50   // characters of the contact name
	MaxStaffRef  = 64   // characters of the staff member named
	MaxEmail     = 254
	MaxEvidence  = 5 // files attached to one complaint
	MaxFileName  = 120
	MaxPerHour   = 5  // complaints from one client in an hour (the repeat limit)
	RepeatWindow = 24 // hours in which the same text from the same client is the same complaint
)

// Input is a complaint as the form or the API sends it.
type Input struct {
	Category Category
	// RequestID is the request the complaint is about; 0 for none.
	RequestID int64
	// StaffRef names the staff member complained about (a username or
	// number), for CategoryStaff; optional.
	StaffRef string
	Text     string
	// The complainant's contact details: personal data, sealed at rest
	// and masked on every view. At least one of phone and e-mail, unless
	// the complainant is signed in (AccountID).
	ContactName, ContactPhone, ContactEmail string
	// AccountID is the signed-in complainant's account; 0 when not signed
	// in.
	AccountID int64
	Evidence  []Evidence
}

// Evidence is a file attached to a complaint, checked by internal/upload.
type Evidence struct {
	Name string
	Data []byte
}

// SubmitMeta is what the channel knows about a submission besides its
// content.
type SubmitMeta struct {
	// ClientKey is a hash of the client's address, for the repeat limit;
	// never the address itself.
	ClientKey string
	// IdempotencyKey is the form's token: a second submission with it
	// returns the first Receipt.
	IdempotencyKey string
}

// Receipt is what the complainant keeps: the tracking number and the
// secret that opens the status page (shown once, with the number).
type Receipt struct {
	Number string
	Secret string
}

// Contact is the complainant's contact details, plain: only ever in a
// sealed column, and shown unmasked only to a handler who reveals it
// (audited).
type Contact struct {
	Name  string `json:"n,omitempty"`
	Phone string `json:"p,omitempty"`
	Email string `json:"e,omitempty"`
}

// Masked is c for display: the name and the phone number masked, the
// e-mail address's local part hidden after its first character.
func (c Contact) Masked() string {
	var parts []string
	if c.Name != "" {
		parts = append(parts, idcard.MaskName(c.Name))
	}
	if c.Phone != "" {
		parts = append(parts, idcard.MaskPhone(c.Phone))
	}
	if c.Email != "" {
		parts = append(parts, MaskEmail(c.Email))
	}
	return strings.Join(parts, " · ")
}

// MaskEmail hides an e-mail address's local part after its first
// character: "zhang.san@example.com" → "z***@example.com". Anything
// without one @ is hidden whole.
func MaskEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return strings.Repeat("*", utf8.RuneCountInString(s))
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}

// Field names of the form, as apperr.FieldError.Field.
const (
	FieldCategory = "category"
	FieldRequest  = "request"
	FieldStaffRef = "staff_ref"
	FieldText     = "text"
	FieldName     = "contact_name"
	FieldPhone    = "contact_phone"
	FieldEmail    = "contact_email"
	FieldEvidence = "evidence"
	FieldResponse = "response"
	FieldOutcome  = "outcome"
	FieldNote     = "note"
	FieldAssignee = "assignee"
	FieldDay      = "day"
)

// Message keys (catalog_complaint.go).
const (
	KeyInvalid       = "complaint.invalid"
	KeyCategory      = "complaint.category_invalid"
	KeyNeedsRequest  = "complaint.needs_request"
	KeyNoRequest     = "complaint.request_not_found"
	KeyTextEmpty     = "complaint.text_empty"
	KeyTextLong      = "complaint.text_long"
	KeyChars         = "complaint.chars"
	KeyNoContact     = "complaint.no_contact"
	KeyPhone         = "complaint.phone_invalid"
	KeyEmail         = "complaint.email_invalid"
	KeyNameLong      = "complaint.name_long"
	KeyStaffRefLong  = "complaint.staff_ref_long"
	KeyTooManyFiles  = "complaint.too_many_files"
	KeyRateLimited   = "complaint.rate_limited"
	KeyNotFound      = "complaint.not_found"
	KeyClosed        = "complaint.closed"
	KeySubject       = "complaint.assignee_is_subject"
	KeyAssignee      = "complaint.assignee_invalid"
	KeyResponseEmpty = "complaint.response_empty"
	KeyResponseLong  = "complaint.response_long"
	KeyOutcome       = "complaint.outcome_invalid"
	KeyNoteEmpty     = "complaint.note_empty"
	KeyNoteLong      = "complaint.note_long"
	KeyLinked        = "complaint.already_linked"
	KeyAcked         = "complaint.already_acknowledged"
	KeyDay           = "complaint.day_invalid"
)

// Validate checks in as the form sent it and returns it trimmed, or
// apperr.Invalid with a message on each wrong field (R-COMP-1): a
// complainant nobody can reach, a complaint that must name a request and
// does not, an empty or overlong text. A script in the text is only text:
// it is kept as typed and escaped wherever it is shown. Files are checked
// by internal/upload, not here; only their count is.
func Validate(in Input) (Input, error) {
	in.StaffRef = strings.TrimSpace(in.StaffRef)
	in.Text = strings.TrimSpace(in.Text)
	in.ContactName = strings.TrimSpace(in.ContactName)
	in.ContactPhone = normalisePhone(in.ContactPhone)
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	var fields []apperr.FieldError
	add := func(field, key string, args ...any) {
		fields = append(fields, apperr.FieldError{Field: field, Key: key, Args: args})
	}
	if !in.Category.Valid() {
		add(FieldCategory, KeyCategory)
	} else if in.Category.NeedsRequest() && in.RequestID <= 0 {
		add(FieldRequest, KeyNeedsRequest)
	}
	if in.RequestID < 0 {
		add(FieldRequest, KeyNoRequest)
	}
	switch {
	case !validText(in.Text) || !validText(in.StaffRef) || !validText(in.ContactName):
		add(FieldText, KeyChars)
	case in.Text == "":
		add(FieldText, KeyTextEmpty)
	case utf8.RuneCountInString(in.Text) > MaxText:
		add(FieldText, KeyTextLong, MaxText)
	}
	if utf8.RuneCountInString(in.StaffRef) > MaxStaffRef {
		add(FieldStaffRef, KeyStaffRefLong, MaxStaffRef)
	}
	if utf8.RuneCountInString(in.ContactName) > MaxName {
		add(FieldName, KeyNameLong, MaxName)
	}
	if in.ContactPhone != "" && !validPhone(in.ContactPhone) {
		add(FieldPhone, KeyPhone)
	}
	if in.ContactEmail != "" && !validEmail(in.ContactEmail) {
		add(FieldEmail, KeyEmail)
	}
	if in.ContactPhone == "" && in.ContactEmail == "" && in.AccountID == 0 {
		add(FieldPhone, KeyNoContact)
		add(FieldEmail, KeyNoContact)
	}
	if len(in.Evidence) > MaxEvidence {
		add(FieldEvidence, KeyTooManyFiles, MaxEvidence)
	}
	if len(fields) > 0 {
		return in, &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: fields}
	}
	return in, nil
}

// normalisePhone drops spaces, dashes and a +86 prefix.
func normalisePhone(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if rest, ok := strings.CutPrefix(s, "+86"); ok {
		return rest
	}
	return s
}

// validPhone accepts a mainland mobile number (11 digits from 1) or a
// landline with area code (7 to 12 digits from 0).
func validPhone(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	switch {
	case len(s) == 11 && s[0] == '1':
		return true
	case len(s) >= 7 && len(s) <= 12 && s[0] == '0':
		return true
	}
	return false
}

// validEmail accepts local@domain.tld of printable ASCII without spaces.
func validEmail(s string) bool {
	if len(s) > MaxEmail {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(domain, "@") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r > '~' || r == '<' || r == '>' || r == '"' {
			return false
		}
	}
	return true
}

// validText refuses invalid UTF-8 and control characters other than line
// breaks and tabs; everything else, markup included, is text.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// TextHash identifies the same complaint sent again: the category, the
// request and the text, with spacing and case ignored.
func TextHash(in Input) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s", in.Category, in.RequestID, screen.Normalise(in.Text))
	return hex.EncodeToString(h.Sum(nil))
}

// DisputeRoute is a way a party may take a dispute further when the
// outcome does not satisfy them (R-DISP-1).
type DisputeRoute string

// The routes, in the order they are offered: settle by agreement, complain
// to the civil affairs authority that designated the platform, arbitrate
// when the parties agree to, go to court.
const (
	DisputeSettlement  DisputeRoute = "settlement"
	DisputeAuthority   DisputeRoute = "authority"
	DisputeArbitration DisputeRoute = "arbitration"
	DisputeCourt       DisputeRoute = "court"
)

// DisputeRoutes lists every route, shown next to every outcome (R-DISP-1).
var DisputeRoutes = []DisputeRoute{DisputeSettlement, DisputeAuthority, DisputeArbitration, DisputeCourt}

// Key is r's message catalog key.
func (r DisputeRoute) Key() string { return "complaint.dispute." + string(r) }

// Public is what the complainant may see of their complaint (Track).
type Public struct {
	Number    string
	Category  Category
	Status    Status
	RequestID int64
	// The clocks (R-COMP-2): when it was received, when it must be and
	// was acknowledged, when it must be handled by.
	ReceivedAt, AckDue, HandleDue time.Time
	AcknowledgedAt                time.Time // zero until acknowledged
	ClosedAt                      time.Time // zero until closed
	// AckOverdue and HandleOverdue say a clock ran out before its step.
	AckOverdue, HandleOverdue bool
	// Outcome and Response are set once closed.
	Outcome  Outcome
	Response string
	// Published says the response is shown on the request's page.
	Published bool
	// Disputes are how to take the outcome further (R-DISP-1).
	Disputes []DisputeRoute
}

// PublicResponse is a published response about a request, for the
// request's page and timeline (R-DISC-2), with the dispute routes
// (R-DISP-1).
type PublicResponse struct {
	Number   string
	Category Category
	Outcome  Outcome
	Response string
	// Removed is the public reason staff gave for taking the response
	// down (R-CONT-1); Response is empty then.
	Removed  string
	At       time.Time
	Disputes []DisputeRoute
}

// Channels are the published complaint channels besides the online form
// (R-COMP-2), as the operator configures them (--complaint-phone,
// --complaint-email), for /complaints.
type Channels struct {
	Phone string
	Email string
}

// ResponseRef names complaint number's response to the content screen
// (content.PlaceComplaintResponse).
func ResponseRef(number string) string { return number }
