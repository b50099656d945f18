package web

// What donors and publishers see of refunds (R-REF-1, R-DON-2): the state
// of a donation's refunds on "my donations" and the receipt, the donor's
// confirmation step, the publisher's "no more payouts: refund the rest"
// step and its runs' progress, and the public figures (R-DISC-1).

func init() {
	pageNames = append(pageNames, "refund_confirm")
}

// RefundView is the refunds of one donation as its donor sees them.
type RefundView struct {
	// State is none, asked, on_its_way, refunded or to_charity.
	State string
	// Amount is what the refunds give back; Refunded what was paid back,
	// with Date and Account (the provider's words for where it went);
	// ToCharity what could not be paid back and went to charity.
	Amount, Refunded, ToCharity string
	Date, Account               string
	// Ask is the URL of the confirmation step when the donor may ask for a
	// refund now; Refusal the text of why not otherwise ("" when nothing
	// to say).
	Ask     string
	Refusal string
}

// StateKey is the catalog key of the refund's state.
func (v RefundView) StateKey() string { return "refundui.state." + v.State }

// RefundConfirm is a confirmation step: a donor's refund of one donation
// (Donation set) or the publisher's refund of what is left (Request set).
// Token is this rendering's idempotency key; Refused is the refusal's
// text when the step cannot be taken, and then there is no button.
type RefundConfirm struct {
	DonationID int64
	OrderNo    string
	RequestID  int64
	Title      string
	Publisher  bool
	Amount     string
	Donors     int64
	Token      string
	Refused    string
}

// PublisherRefunds is the refund section of the publisher's request
// page: the "no more payouts" step when it may be taken, and the runs.
type PublisherRefunds struct {
	MayEnd     bool
	Refusal    string // why not, when the request is closed; "" otherwise
	Refundable string
	Donors     int64
	Runs       []PublisherRunRow
}

// PublisherRunRow is one refund run with its progress, as its publisher sees it.
type PublisherRunRow struct {
	ID        int64
	CauseKey  string
	StateKey  string
	Amount    string
	Refunds   int64
	Succeeded int64
	OnItsWay  int64
	ToCharity int64
	// Percent is how many of its refunds are settled, 0 to 100.
	Percent int
	Done    string // when it finished, or ""
}

// PublicFigures are a request's money as the ledger has it (R-DISC-1).
// Refunding, Fees and Recovered are "" when zero; Identity says in words
// that raised (+ recovered) = fees + paid out + refunded + being refunded
// + to charity + held; Ledger is the URL of the request's ledger as CSV
// (R-RPT-1).
type PublicFigures struct {
	Raised, Fees, PaidOut, Refunded, Refunding, ToCharity, Held, Recovered string
	Identity                                                               string
	Ledger                                                                 string
}

func (RefundConfirm) template() string { return "refund_confirm" }

// TitleKey is the title of the step.
func (p RefundConfirm) TitleKey() string {
	if p.Publisher {
		return "refundui.rest.title"
	}
	return "refundui.ask.title"
}
