package bank

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/payeeid"
)

// The custody account record (R-FUND-3, R-FIN-1): the dedicated deposit
// account all donations are collected in, and every change of it. Like a
// major change of the rules documents (R-RULES-3, internal/rules), a
// change is recorded as reported to the Ministry of Civil Affairs, with the
// date and the reference, before it takes effect; and, as money is at
// stake, a second person approves it first (four eyes, R-STAFF-1: proposed
// by finance, approved by an admin, staff.KindCustodyChange).

// Action is what a custody change does to the account.
type Action string

// The actions of R-FUND-3.
const (
	ActionOpen   Action = "open"   // a custody account is opened
	ActionChange Action = "change" // its bank or number changes
	ActionClose  Action = "close"  // it is closed
	ActionRevoke Action = "revoke" // it is revoked (撤销)
)

// Actions lists the actions in the order a form offers them.
var Actions = []Action{ActionOpen, ActionChange, ActionClose, ActionRevoke}

// ChangeState is where a custody change stands.
type ChangeState string

// The states, in order: proposed → approved → reported → effective; a
// change not yet in effect may be withdrawn.
const (
	ChangeProposed  ChangeState = "proposed"
	ChangeApproved  ChangeState = "approved"
	ChangeReported  ChangeState = "reported"
	ChangeEffective ChangeState = "effective"
	ChangeWithdrawn ChangeState = "withdrawn"
)

// CustodyAccount is a custody account as it is in effect. The number is
// shown masked only (R-PII-1).
type CustodyAccount struct {
	ID            int64
	BankName      string
	AccountMasked string
	OpenedOn      time.Time
	State         string // open, closed or revoked
	EndedOn       time.Time
}

// ChangeRequest is what finance proposes.
type ChangeRequest struct {
	Action Action
	// AccountID is the account changed, closed or revoked; 0 to open one.
	AccountID int64
	// BankName and Number are the account's bank and number, to open or
	// change; Number is personal-data grade (sealed, masked).
	BankName string
	Number   string
	// EffectiveOn is the date the change happens at the bank.
	EffectiveOn time.Time
	Reason      string
}

// CustodyChange is a recorded change.
type CustodyChange struct {
	ID            int64
	Action        Action
	AccountID     int64
	BankName      string
	AccountMasked string
	EffectiveOn   time.Time
	Reason        string
	State         ChangeState
	ProposalID    int64
	ProposedBy    int64
	ProposedAt    time.Time
	ApprovedBy    int64
	ReportedOn    time.Time
	ReportRef     string
	ReportedBy    int64
	EffectiveAt   time.Time
	EffectiveBy   int64
}

// The limits of a change's text.
const (
	MaxBankName = 100
	MaxReason   = 1000
	MaxRef      = 100
)

// CheckChange validates a change request and returns it cleaned (the
// number as digits). Errors are apperr.Invalid with FieldErrors on
// "action", "account", "bank_name", "number", "effective_on", "reason".
func CheckChange(r ChangeRequest) (ChangeRequest, error) {
	var errs []apperr.FieldError
	add := func(field, key string) { errs = append(errs, apperr.FieldError{Field: field, Key: key}) }
	r.BankName, r.Reason = strings.TrimSpace(r.BankName), strings.TrimSpace(r.Reason)
	switch r.Action {
	case ActionOpen:
		if r.AccountID != 0 {
			add("account", "bank.custody.account_given")
		}
	case ActionChange, ActionClose, ActionRevoke:
		if r.AccountID <= 0 {
			add("account", "bank.custody.account_required")
		}
	default:
		add("action", "bank.custody.action_unknown")
	}
	if r.Action == ActionOpen || r.Action == ActionChange {
		if r.BankName == "" || utf8.RuneCountInString(r.BankName) > MaxBankName {
			add("bank_name", "bank.custody.bank_name")
		}
		n, err := payeeid.ParseAccount(r.Number, payeeid.Corporate)
		if err != nil {
			add("number", "bank.custody.number")
		}
		r.Number = n
	} else if r.BankName != "" || r.Number != "" {
		add("number", "bank.custody.number_given")
	}
	if r.EffectiveOn.IsZero() {
		add("effective_on", "bank.custody.date_required")
	}
	if r.Reason == "" || utf8.RuneCountInString(r.Reason) > MaxReason || !utf8.ValidString(r.Reason) {
		add("reason", "bank.custody.reason")
	}
	if len(errs) > 0 {
		return r, &apperr.Error{Code: apperr.Invalid, Fields: errs}
	}
	r.EffectiveOn = Day(r.EffectiveOn)
	return r, nil
}

// CheckReport validates a report to the ministry: a date not after today
// and not before the change was proposed (the ministry cannot be told of a
// change before it was decided), and a reference.
func CheckReport(reportedOn time.Time, ref string, proposedAt, now time.Time) error {
	var errs []apperr.FieldError
	switch {
	case reportedOn.IsZero():
		errs = append(errs, apperr.FieldError{Field: "reported_on", Key: "bank.custody.date_required"})
	case Day(reportedOn).After(Day(now)):
		errs = append(errs, apperr.FieldError{Field: "reported_on", Key: "bank.custody.report_future"})
	case Day(reportedOn).Before(Day(proposedAt)):
		errs = append(errs, apperr.FieldError{Field: "reported_on", Key: "bank.custody.report_before_proposal"})
	}
	ref = strings.TrimSpace(ref)
	if ref == "" || utf8.RuneCountInString(ref) > MaxRef {
		errs = append(errs, apperr.FieldError{Field: "report_ref", Key: "bank.custody.report_ref"})
	}
	if len(errs) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Fields: errs}
	}
	return nil
}

// custodyIndexDomain is the blind index domain of custody account numbers.
const custodyIndexDomain = "custody-account"

// custodyAAD binds a sealed custody account number to its change.
func custodyAAD(changeID int64) string { return "custody-change:" + strconv.FormatInt(changeID, 10) }

// custodyAccountAAD binds a sealed custody account number to its account.
func custodyAccountAAD(id int64) string { return "custody-account:" + strconv.FormatInt(id, 10) }
