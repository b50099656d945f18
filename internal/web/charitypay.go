package web

func init() {
	pageNames = append(pageNames, "charity_public", "staff_charity_pay")
}

// CharityPublic is the public page of money to charity (R-CHAR-1,
// R-DISC-2): every transfer paid to a charitable organisation, to whom,
// how much, when and what it came from, and the totals, which equal the
// ledger. It holds no personal data: recipients are organisations, their
// accounts are not shown, refunds are named by request number only.
type CharityPublic struct {
	Interest, Unrefundable, Paid, Held string
	Transfers                          []CharityTransferRow
}

// CharityTransferRow is one transfer; amounts and dates are formatted.
type CharityTransferRow struct {
	ID                    int64
	Recipient, CreditCode string
	Amount, PaidOn        string
	Returned              bool
	// Sources says what it came from, one line each.
	Sources []string
}

func (CharityPublic) template() string { return "charity_public" }

// TitleKey names the page.
func (CharityPublic) TitleKey() string { return "charity.public.title" }

// StaffCharityPay is the finance console of money to charity: what is
// owed and free, by source; the recipients (masked) and the form to
// propose one; the transfers and the form to propose one; and the credits
// on the custody statement nobody expected, each with the form that
// matches it to a request's recovery (R-REF-2).
type StaffCharityPay struct {
	Payable, InFlight, Free string
	Sources                 []CharitySourceRow
	Recipients              []CharityRecipientRow
	Transfers               []CharityStaffTransferRow
	Credits                 []UnmatchedCreditRow
	CanPropose, CanMatch    bool
	NewRecipient            Form
	NewTransfer             Form
	// MatchFailed is the difference whose match form MatchForm holds.
	MatchFailed int64
	MatchForm   Form
	Notice      string
}

// CharitySourceRow is what one source has left, with the name of the
// transfer form's field for its amount (and, for a refund run, the
// request's).
type CharitySourceRow struct {
	Label, Left, Field, RequestField string
}

// CharityRecipientRow is one recipient, masked.
type CharityRecipientRow struct {
	ID                                                     int64
	Name, CreditCode, Certificate, BankName, Masked, Since string
	Active                                                 bool
}

// CharityStaffTransferRow is one transfer as finance sees it.
type CharityStaffTransferRow struct {
	ID                                     int64
	Recipient, Amount, State, BankID, Note string
	Sources                                []string
	Created, Reason                        string
}

// UnmatchedCreditRow is an open difference that is a credit the ledger
// did not know.
type UnmatchedCreditRow struct {
	ID                         int64
	LineKey, Amount, Reference string
	Detail, Created            string
}

func (StaffCharityPay) template() string { return "staff_charity_pay" }

// TitleKey names the page.
func (StaffCharityPay) TitleKey() string { return "staff.charity-pay.title" }
