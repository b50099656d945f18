// Package hospital keeps the hospital directory: the verified bank accounts
// of hospitals that a payout may go to directly (issue 14, R-DISB-2,
// R-DISB-3), shared by all requests.
//
// An entry has the hospital's name, its unified social credit code
// (GB 32100, check character verified, and of a type a hospital can have),
// its bank, account number and city. The account number is sealed at rest
// under the entry's data key, found by its blind index and shown masked in
// every list; a staff member's view of the full number is written to the
// audit log (R-PII-1).
//
// Nobody changes the directory alone (R-STAFF-1): finance proposes an
// addition, a change or a deactivation (staff.KindHospital), and another
// finance officer or an admin approves it; the executor registered for the
// kind carries it out in the approving transaction. What was typed is kept
// sealed in a draft row, so that the proposal, which every staff member
// with access to approvals reads, holds only the masked number.
//
// A deactivated entry is never offered for a new payout (Payee and Active
// see only active ones) but stays readable for the payouts that named it.
package hospital

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/payeeid"
)

// Hospital is an entry of the directory. Account is the plain number only
// when Payee returns the entry, for a payout; everywhere else it is empty
// and Masked is what is shown.
type Hospital struct {
	ID         int64
	Name       string
	CreditCode string
	BankName   string
	City       string
	Account    string // plain, only from Payee
	Masked     string // payeeid.MaskAccount of the number
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// DeactivatedAt is zero while the entry is active.
	DeactivatedAt time.Time
	// Vouchers are the staff who proposed or approved the entry's account,
	// set only by Payee: they take no step on a payout to it.
	Vouchers []int64
}

// Draft is what finance types to add an entry (ID 0) or change entry ID.
type Draft struct {
	ID         int64
	Name       string
	CreditCode string
	BankName   string
	City       string
	Account    string
	Reason     string // why; the approver reads it
}

// Limits on the fields, in characters.
const (
	MaxName   = 100
	MaxBank   = 100
	MaxCity   = 50
	MaxReason = 1000
)

// AccountIndexDomain is the blind index domain of hospital account numbers.
// It names payee accounts in general, not hospitals only: a payout that
// indexes its payee's account in the same domain finds a hospital's number
// typed as a person's, and one account across unrelated requests, whoever
// typed it (R-REF-3).
const AccountIndexDomain = "payee-account"

// hospitalTypes are the first two characters of a credit code a hospital
// can have (payeeid.creditTypes): 12, a public institution (most public
// hospitals); 52, a private non-profit unit (民办非企业单位, many private
// hospitals); 91, a company (for-profit hospitals). Organs of state,
// social organisations, foundations and individual businesses do not run
// hospitals a payout may go to.
var hospitalTypes = []string{"12", "52", "91"}

// The actions of a KindHospital proposal.
const (
	ActionAdd        = "add"
	ActionChange     = "change"
	ActionDeactivate = "deactivate"
)

// Change is the payload of a staff.KindHospital proposal. It names the
// draft that holds what was typed, sealed, and repeats the public fields
// and the masked number for the approver to read; it never holds the plain
// number.
type Change struct {
	Action     string `json:"action"`
	HospitalID int64  `json:"hospital_id,omitempty"`
	DraftID    int64  `json:"draft_id,omitempty"`
	Name       string `json:"name"`
	CreditCode string `json:"credit_code,omitempty"`
	BankName   string `json:"bank_name,omitempty"`
	City       string `json:"city,omitempty"`
	Masked     string `json:"masked,omitempty"`
}

func field(e *apperr.Error, name, key string, args ...any) {
	e.Fields = append(e.Fields, apperr.FieldError{Field: name, Key: key, Args: args})
}

// validText reports whether s is text both databases store the same: valid
// UTF-8 without control characters.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func checkText(e *apperr.Error, name, value string, max int) {
	switch {
	case value == "":
		field(e, name, "hospital."+name+"_required")
	case !validText(value):
		field(e, name, "hospital.text_invalid")
	case utf8.RuneCountInString(value) > max:
		field(e, name, "hospital.text_long", max)
	}
}

// fromParser turns a payeeid error into a message for field name, keeping
// the parser's key and arguments (its messages are in the catalog).
func fromParser(e *apperr.Error, name string, err error) {
	if pe := apperr.As(err); pe != nil {
		field(e, name, pe.Key, pe.Args...)
		return
	}
	field(e, name, "hospital."+name+"_invalid")
}

// Validate checks a draft and returns it normalised: text trimmed, the
// credit code and account number in their one spelling. Its error is an
// *apperr.Error with code Invalid and a message per wrong field ("name",
// "credit_code", "bank_name", "city", "account", "reason").
func Validate(d Draft) (Draft, error) {
	d.Name, d.BankName, d.City = strings.TrimSpace(d.Name), strings.TrimSpace(d.BankName), strings.TrimSpace(d.City)
	d.Reason = strings.TrimSpace(d.Reason)
	e := apperr.New(apperr.Invalid, "hospital.invalid")
	checkText(e, "name", d.Name, MaxName)
	if cc, err := payeeid.ParseCreditCode(d.CreditCode); err != nil {
		fromParser(e, "credit_code", err)
	} else if !HospitalType(cc) {
		field(e, "credit_code", "hospital.credit_type")
	} else {
		d.CreditCode = cc.Code
	}
	checkText(e, "bank_name", d.BankName, MaxBank)
	checkText(e, "city", d.City, MaxCity)
	if n, err := payeeid.ParseAccount(d.Account, payeeid.Corporate); err != nil {
		fromParser(e, "account", err)
	} else {
		d.Account = n
	}
	checkReason(e, d.Reason)
	if len(e.Fields) > 0 {
		return d, e
	}
	return d, nil
}

func checkReason(e *apperr.Error, reason string) {
	switch {
	case reason == "":
		field(e, "reason", "staff.reason_required")
	case !utf8.ValidString(reason) || strings.ContainsRune(reason, 0) || utf8.RuneCountInString(reason) > MaxReason:
		field(e, "reason", "staff.reason_long")
	}
}

// HospitalType reports whether a credit code is of an institution type a
// hospital can have (hospitalTypes).
func HospitalType(cc payeeid.CreditCode) bool {
	for _, t := range hospitalTypes {
		if cc.Authority == t[0] && cc.Type == t[1] {
			return true
		}
	}
	return false
}

// CheckDeactivation checks a deactivation's reason: an *apperr.Error with
// code Invalid and a message for field "reason", or nil.
func CheckDeactivation(reason string) error {
	e := apperr.New(apperr.Invalid, "hospital.invalid")
	checkReason(e, strings.TrimSpace(reason))
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}
