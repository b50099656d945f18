package web

// The pages of the donation flow: the form (phone-first), the page of a
// request that takes no donations, the thank-you page with its receipt, and
// the signed-in donor's own list.
//
// There is no fee, no tip and no other product anywhere in these pages, and
// nothing is chosen for the donor in advance (R-FEE-1).

func init() {
	pageNames = append(pageNames, "donate", "donation_receipt", "my_donations")
}

// Donate is the donation form of a request whose channel is open. Form
// carries what was typed (amount, preset, anonymous, message) and the
// hidden s (the share token) and client_token (one per rendering of the
// form, so that a double-clicked button makes one order: R-DON-1), with each
// message next to its field when the form comes back refused.
type Donate struct {
	ID      int64
	Title   string
	Patient string // masked: 张*明
	Raised  string // formatted in the reader's language
	Target  string
	Donors  int
	// Percent is how far Raised is towards Target, 0 to 100, for the
	// progress element.
	Percent int
	// Presets are the amounts offered, in yuan; none is chosen until the
	// donor picks one.
	Presets []string
	Form    Form
	// Terms are the rules versions the donor must agree to before giving
	// (R-RULES-2), each linked to its version: the form asks with an
	// unticked box named "agree" and sends their ids as hidden "rule"
	// fields, so that a version replaced meanwhile is asked about again.
	// Empty when the signed-in donor agreed to them all before.
	Terms []RuleLink
	// Agreed are the versions the signed-in donor agreed to before, shown
	// instead of asking again.
	Agreed []AgreedRule
}

// AgreedRule is a rules version a person agreed to, and the day.
type AgreedRule struct {
	RuleLink
	At string
}

// DonateClosed says that a request takes no donations now: its channel
// closed (with the public reason CloseKey and the note, if any) or has not
// opened yet.
type DonateClosed struct {
	ID        int64
	Title     string
	Waiting   bool   // approved and published; the channel has not opened yet
	CloseKey  string // the catalog key of the public reason, or ""
	CloseNote string
	ClosedAt  string
}

// DonationReceipt is the thank-you page of one order and, once the payment
// is confirmed, its receipt. Anyone with the order number can read it (the
// number is random, and only its donor was given it), so it shows nothing of
// the donor but whether they chose to be anonymous to the public (R-DON-2).
type DonationReceipt struct {
	OrderNo   string
	RequestID int64
	Title     string
	Amount    string
	Anonymous bool
	Message   string
	// MessageHeld says the message waits for staff before it is public.
	MessageHeld bool
	// State is one of donation's State* words: pending, paid,
	// refund_pending, refunded, lapsed, held.
	State    string
	PlacedAt string
	// TransactionID, PaidAt and EntryID are set once the payment is
	// confirmed: the provider's transaction, and the ledger entry that
	// credited the request's custody account.
	TransactionID string
	PaidAt        string
	EntryID       int64
	// Refresh says the page reloads itself every two seconds, while the
	// provider's confirmation is awaited. A meta refresh, not a script: the
	// content security policy allows no inline script.
	Refresh bool
	// Refund is what became of refunds of the donation, and whether its
	// donor may ask for one; nil before the payment is confirmed.
	Refund *RefundView
	// Logged says the ledger entry is in a signed checkpoint of the
	// transparency log (a link to its proof is shown); Logging that it is
	// on its way there.
	Logged, Logging bool
}

// StateKey is the catalog key of the receipt's state.
func (p DonationReceipt) StateKey() string { return "donate.state." + p.State }

// MyDonations lists the signed-in donor's donations, newest first.
type MyDonations struct {
	Donations []MyDonationRow
	// Notice says what the donor just did (a refund asked for).
	Notice string
}

// MyDonationRow is one of the donor's donations.
type MyDonationRow struct {
	OrderNo   string
	RequestID int64
	Title     string
	Amount    string
	Date      string
	State     string
	// Refund is the donation's refunds; nil when it was not paid.
	Refund *RefundView
}

// StateKey is the catalog key of the row's state.
func (r MyDonationRow) StateKey() string { return "donate.state." + r.State }

func (Donate) template() string          { return "donate" }
func (DonateClosed) template() string    { return "donate" }
func (DonationReceipt) template() string { return "donation_receipt" }
func (MyDonations) template() string     { return "my_donations" }

func (Donate) TitleKey() string          { return "donate.title" }
func (DonateClosed) TitleKey() string    { return "donate.closed.title" }
func (DonationReceipt) TitleKey() string { return "donate.receipt.title" }
func (MyDonations) TitleKey() string     { return "donate.my.title" }

// IsClosed tells the donate template which of its two pages to write.
func (Donate) IsClosed() bool { return false }

// IsClosed tells the donate template which of its two pages to write.
func (DonateClosed) IsClosed() bool { return true }
