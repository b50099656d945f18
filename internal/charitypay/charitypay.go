// Package charitypay pays what the platform owes to charity (R-CHAR-1):
// the custody account's interest and the refunds that could be made
// neither by the original route nor otherwise, which the ledger gathers
// in charity:payable, go to registered charitable organisations, through
// the custody bank, and every such transfer is public.
//
// Recipients are a list of their own, apart from package charity's
// referral list: that list suggests foundations to requesters and holds
// no bank account; this one holds the organisations money is paid to,
// with their unified social credit code (of a civil-affairs registered
// social organisation, social service institution or foundation), their
// registration certificate and their account, sealed at rest and masked
// everywhere (R-PII-1). Nobody adds one alone: finance proposes, another
// finance officer or an admin approves (staff.KindCharityRecipient,
// R-STAFF-1).
//
// A transfer is proposed by a finance officer, for no more than
// charity:payable less the transfers already in flight, with what it comes
// from (interest of a month, refunds a run could not make); a second,
// different finance officer or an admin approves it
// (staff.KindCharityTransfer); the bank jobs hand it to the custody bank's
// outbox as transfer CFCT<id>, and when the bank reports it paid the
// ledger posts charity:payable → bank:custody, kind charity_transfer, key
// custody:CFCT<id>. A rejection posts nothing; a return after payment
// posts the money back to charity:payable (custody:CFCT<id>:return).
package charitypay

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payeeid"
)

// Recipient is a registered charitable organisation money to charity may
// be paid to. Account is the plain number only from payee; everywhere
// else Masked is what is shown.
type Recipient struct {
	ID             int64
	Name           string
	CreditCode     string
	CertificateRef string
	BankName       string
	Account        string
	Masked         string
	Active         bool
	ProposedBy     int64
	ApprovedBy     int64
	CreatedAt      time.Time
}

// Draft is what finance types to add a recipient.
type Draft struct {
	Name           string
	CreditCode     string
	CertificateRef string
	BankName       string
	Account        string
	Reason         string
}

// Limits on the fields, in characters.
const (
	MaxName        = 100
	MaxCertificate = 100
	MaxBank        = 100
	MaxNote        = 1000
)

// charityTypes are the second characters of a credit code of authority 5
// (civil affairs, 民政) that a charitable organisation (慈善组织, Charity Law
// art. 8) can have: 1 a social organisation (社会团体), 2 a social service
// institution (民办非企业单位 / 社会服务机构), 3 a foundation (基金会).
const charityTypes = "123"

// CheckCreditCode validates a recipient's unified social credit code (GB
// 32100-2015: its length, alphabet, the organisation code's GB 11714 check
// character and the code's own check character, payeeid.ParseCreditCode)
// and that it is a civil-affairs registration of a type a charitable
// organisation can have. It returns the code normalised, or an
// *apperr.Error with the parser's key or "charitypay.credit_type".
func CheckCreditCode(s string) (string, error) {
	cc, err := payeeid.ParseCreditCode(s)
	if err != nil {
		return "", err
	}
	if cc.Authority != '5' || !strings.ContainsRune(charityTypes, rune(cc.Type)) {
		return "", apperr.New(apperr.Invalid, "charitypay.credit_type")
	}
	return cc.Code, nil
}

func field(e *apperr.Error, name, key string, args ...any) {
	e.Fields = append(e.Fields, apperr.FieldError{Field: name, Key: key, Args: args})
}

func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func checkText(e *apperr.Error, name, value string, max int) {
	switch {
	case value == "":
		field(e, name, "charitypay."+name+"_required")
	case !validText(value) || utf8.RuneCountInString(value) > max:
		field(e, name, "charitypay.text_invalid", max)
	}
}

// Validate checks a draft and returns it normalised. Its error is an
// *apperr.Error with code Invalid and a message per wrong field ("name",
// "credit_code", "certificate", "bank_name", "account", "reason").
func Validate(d Draft) (Draft, error) {
	d.Name, d.CertificateRef, d.BankName = strings.TrimSpace(d.Name), strings.TrimSpace(d.CertificateRef), strings.TrimSpace(d.BankName)
	d.Reason = strings.TrimSpace(d.Reason)
	e := apperr.New(apperr.Invalid, "charitypay.invalid")
	checkText(e, "name", d.Name, MaxName)
	if cc, err := CheckCreditCode(d.CreditCode); err != nil {
		if pe := apperr.As(err); pe != nil {
			field(e, "credit_code", pe.Key, pe.Args...)
		} else {
			field(e, "credit_code", "charitypay.credit_code_invalid")
		}
	} else {
		d.CreditCode = cc
	}
	checkText(e, "certificate", d.CertificateRef, MaxCertificate)
	checkText(e, "bank_name", d.BankName, MaxBank)
	if n, err := payeeid.ParseAccount(d.Account, payeeid.Corporate); err != nil {
		field(e, "account", "charitypay.account_invalid")
	} else {
		d.Account = n
	}
	checkText(e, "reason", d.Reason, MaxNote)
	if len(e.Fields) > 0 {
		return d, e
	}
	return d, nil
}

// RecipientChange is the payload of a KindCharityRecipient proposal: the
// draft's id and its public fields, with the number masked.
type RecipientChange struct {
	Action      string `json:"action"` // add or deactivate
	DraftID     int64  `json:"draft_id,omitempty"`
	RecipientID int64  `json:"recipient_id,omitempty"`
	Name        string `json:"name"`
	CreditCode  string `json:"credit_code"`
	Masked      string `json:"masked,omitempty"`
}

// The actions of a KindCharityRecipient proposal.
const (
	ActionAdd        = "add"
	ActionDeactivate = "deactivate"
)

// State is where a transfer stands.
type State string

// The states of a transfer: proposed → approved → paying → paid |
// rejected, and paid → returned. A proposal its approver rejected is
// withdrawn.
const (
	Proposed  State = "proposed"
	Approved  State = "approved"
	Paying    State = "paying"
	Paid      State = "paid"
	Rejected  State = "rejected"
	Returned  State = "returned"
	Withdrawn State = "withdrawn"
)

// InFlight reports whether a transfer in state s still holds its amount
// of charity:payable: it may yet be paid.
func (s State) InFlight() bool { return s == Proposed || s == Approved || s == Paying }

// The kinds of source a transfer comes from.
const (
	SourceInterest = "interest"          // interest of a month, Period YYYY-MM
	SourceRefund   = "refund_to_charity" // refunds a run could not make, of request RequestID, Period "run <id>"
)

// Source is a part of a transfer: what it comes from.
type Source struct {
	Kind      string
	Period    string // YYYY-MM for interest; the refund run's id for a refund
	RequestID int64  // the request whose refunds could not be made; 0 for interest
	Amount    money.Fen
}

// Transfer is a transfer of money owed to charity to a recipient.
type Transfer struct {
	ID            int64
	RecipientID   int64
	RecipientName string
	CreditCode    string
	AccountMasked string
	Amount        money.Fen
	State         State
	Note          string
	ProposalID    int64
	ProposedBy    int64
	ApprovedBy    int64
	TransferID    string
	Reason        string
	EntryID       int64
	CreatedAt     time.Time
	PaidAt        time.Time
	Sources       []Source
}

// TransferPrefix begins the custody bank transfer id of a charity
// transfer: CFCT<id>. Payouts' are CFPO….
const TransferPrefix = "CFCT"

// BankTransferID returns the bank transfer id of transfer id.
func BankTransferID(id int64) string { return TransferPrefix + strconv.FormatInt(id, 10) }

// ParseBankTransferID returns the transfer a bank transfer id names.
func ParseBankTransferID(s string) (int64, bool) {
	digits, ok := strings.CutPrefix(s, TransferPrefix)
	if !ok || digits == "" || digits[0] == '0' || len(digits) > 18 {
		return 0, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	return id, err == nil && id > 0
}

// Proposal is what a finance officer proposes.
type Proposal struct {
	RecipientID int64
	Amount      money.Fen
	Sources     []Source
	Note        string
}

// Available is what may still be transferred: the balance of
// charity:payable less what transfers in flight hold, and, by source, what
// each month's interest and each refund run's unrefundable money left.
type Available struct {
	Payable  money.Fen
	InFlight money.Fen
	// BySource: the key is SourceKey of a source.
	BySource map[string]money.Fen
}

// Free is what a new transfer may take.
func (a Available) Free() money.Fen { return a.Payable - a.InFlight }

// SourceKey names a source for Available.BySource.
func SourceKey(kind, period string) string { return kind + "/" + period }

// The errors of transfers.
var (
	// ErrOverBalance: more than charity:payable less the transfers in
	// flight, or more than a source has left.
	ErrOverBalance = apperr.New(apperr.Conflict, "charitypay.over_balance")
	// ErrRecipient: no such active recipient.
	ErrRecipient = apperr.New(apperr.Conflict, "charitypay.recipient_inactive")
	// ErrState: the transfer is not in a state that can take the step.
	ErrState = apperr.New(apperr.Conflict, "charitypay.state")
	// ErrUnknownTransfer: a bank outcome for a transfer id that names no
	// charity transfer sent.
	ErrUnknownTransfer = apperr.New(apperr.Conflict, "charitypay.transfer_unknown")
)

// CheckProposal validates a proposal against what is available: a
// positive amount made of one to 32 positive sources, each of a known
// kind and no more than it has left, none twice, together the amount, and
// the amount no more than the free balance. Its error is an *apperr.Error
// with code Invalid and fields ("amount", "sources", "note"), or
// ErrOverBalance.
func CheckProposal(p Proposal, a Available) (Proposal, error) {
	p.Note = strings.TrimSpace(p.Note)
	e := apperr.New(apperr.Invalid, "charitypay.invalid")
	if p.Amount <= 0 || p.Amount > money.MaxFen {
		field(e, "amount", "charitypay.amount_invalid")
	}
	if len(p.Sources) == 0 || len(p.Sources) > 32 {
		field(e, "sources", "charitypay.sources_invalid")
	}
	var sum money.Fen
	seen := map[string]bool{}
	over := false
	for _, s := range p.Sources {
		k := SourceKey(s.Kind, s.Period)
		switch {
		case s.Amount <= 0 || s.Amount > money.MaxFen || seen[k]:
			field(e, "sources", "charitypay.sources_invalid")
		case s.Kind == SourceInterest && (!validMonth(s.Period) || s.RequestID != 0):
			field(e, "sources", "charitypay.sources_invalid")
		case s.Kind == SourceRefund && (s.RequestID <= 0 || !validRun(s.Period)):
			field(e, "sources", "charitypay.sources_invalid")
		case s.Kind != SourceInterest && s.Kind != SourceRefund:
			field(e, "sources", "charitypay.sources_invalid")
		case s.Amount > a.BySource[k]:
			over = true
		}
		seen[k] = true
		sum += s.Amount
	}
	if len(e.Fields) == 0 && sum != p.Amount {
		field(e, "sources", "charitypay.sources_sum")
	}
	if p.Note == "" || !validText(p.Note) || utf8.RuneCountInString(p.Note) > MaxNote {
		field(e, "note", "charitypay.note_required")
	}
	if len(e.Fields) > 0 {
		return p, e
	}
	if over || p.Amount > a.Free() {
		return p, ErrOverBalance
	}
	return p, nil
}

func validMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}

func validRun(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0 && strconv.FormatInt(n, 10) == s
}

// Outcome is what the custody bank did with a transfer.
type Outcome struct {
	Status string // paid, rejected or returned
	Reason string
	At     time.Time
}

// Step is what an outcome does to a transfer.
type Step int

// The steps Decide returns.
const (
	StepNone     Step = iota // a replay: nothing to do
	StepPay                  // post the payment, paying → paid
	StepReject               // paying → rejected, nothing posted
	StepReturn               // post the return, paid → returned
	StepPayFirst             // a return of a transfer not yet paid: pay, then return
	StepRefuse               // the outcome contradicts the record: kept, never applied
)

// Decide returns what outcome status does to a transfer in state s.
func Decide(s State, status string) Step {
	switch {
	case status == "paid" && s == Paying:
		return StepPay
	case status == "paid" && (s == Paid || s == Returned):
		return StepNone
	case status == "rejected" && s == Paying:
		return StepReject
	case status == "rejected" && s == Rejected:
		return StepNone
	case status == "returned" && s == Paid:
		return StepReturn
	case status == "returned" && s == Paying:
		return StepPayFirst
	case status == "returned" && s == Returned:
		return StepNone
	}
	return StepRefuse
}

// PublicTransfer is a paid transfer as the public page shows it.
type PublicTransfer struct {
	ID         int64
	Recipient  string
	CreditCode string
	Amount     money.Fen
	PaidOn     time.Time
	Sources    []Source
	Returned   bool
}

// Summary is the public account of money to charity (R-CHAR-1, R-DISC-2):
// what came in, what went out, what is held.
type Summary struct {
	Transfers []PublicTransfer
	// Interest and Unrefundable are what charity:payable received, by
	// kind of entry; Paid what transfers paid out (less returns); Held
	// the balance of charity:payable, which always equals
	// Interest + Unrefundable - Paid.
	Interest, Unrefundable, Paid, Held money.Fen
}

// Consistent reports whether the summary adds up.
func (s Summary) Consistent() bool { return s.Held == s.Interest+s.Unrefundable-s.Paid }
