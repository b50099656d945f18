package web

// The publisher's pages: their requests for help, the filing form with its
// materials, what happens after submission, and the page of a request that
// is no longer a draft.

func init() {
	pageNames = append(pageNames, "my_requests", "request_form", "request_submitted", "request_status")
}

// MyRequests lists the signed-in publisher's requests.
type MyRequests struct {
	Requests []MyRequestRow
	// Verified says the publisher has a verified real name (R-ACC-1);
	// without one the page asks for it before a request can be started.
	Verified bool
	Form     Form
}

// MyRequestRow is one request in the publisher's list.
type MyRequestRow struct {
	ID       int64
	Title    string // may be empty for a new draft
	StateKey string
	Updated  string
}

// Option is one choice of a select or a group of radio buttons.
type Option struct {
	Value, Key string
}

// TopicRow is one disclosure question of the form (R-REQ-2).
type TopicRow struct {
	Topic       string
	QuestionKey string
	AmountKey   string // "" when the topic takes no amount
	NeedsAmount bool
}

// MaterialRow is one uploaded document, without its file name.
type MaterialRow struct {
	ID       int64
	KindKey  string
	Type     string
	Size     string
	Uploaded string
	Reviewed bool
}

// KindRow is one kind of material the form asks for.
type KindRow struct {
	Kind     string
	NameKey  string
	HintKey  string
	Required bool
	Have     int
}

// RequestForm is the filing form of a draft, or of a request the reviewer
// asked more of (R-REQ-1, R-REQ-2, R-REQ-3).
type RequestForm struct {
	ID       int64
	Revision int
	// NeedsInfo says the reviewer asked for more; Questions is what they
	// asked, shown above the form.
	NeedsInfo     bool
	Questions     string
	Relationships []Option
	Topics        []TopicRow
	UseRows       []int // the indexes of the use rows the form shows
	Materials     []MaterialRow
	Kinds         []KindRow
	Rules         []RuleLink
	MaxUpload     int // in MiB
	Saved         string
	Form          Form
	// Amend says the request is published: the form changes its text,
	// which becomes a new public version (R-REQ-6). The patient, the
	// documents and the consents stay as they are.
	Amend bool
}

// ReferralRow is one organisation of the referral list (R-REQ-7).
type ReferralRow struct {
	Name, Summary, URL string
	Demo               bool
}

// RequestSubmitted is what a publisher sees after submitting: what happens
// next, and organisations that could help too (R-REQ-7).
type RequestSubmitted struct {
	ID        int64
	StateKey  string
	Charities []ReferralRow
}

// UpdateRow is one progress update as its publisher sees it.
type UpdateRow struct {
	At, Body  string
	TakenDown bool
	Reason    string
}

// RequestStatus is a request that is no longer a draft, as its publisher
// sees it: where it is, why, and what they can still do.
type RequestStatus struct {
	ID       int64
	Title    string
	StateKey string
	// Reason is the reviewer's reason for a rejection, or the public
	// reason of a closing, already in the reader's language.
	Reason    string
	Published bool // the public page exists
	Deadline  string
	CanClose  bool
	CanExtend bool
	CanUpdate bool
	CanAmend  bool
	Closings  []Option
	Causes    []Option
	Updates   []UpdateRow
	Notice    string
	Form      Form
	// Support is what the request raised and where it came from, once
	// its channel opened; nil before.
	Support *SupportView
	// Payouts are the request's payout applications (payout.go); CanPay
	// offers a new one, once the request is published.
	Payouts []PayoutRow
	CanPay  bool
	// Refunds is what the request gave back or may give back (refund.go);
	// nil before it was published.
	Refunds *PublisherRefunds
}

// SupportView is what a published request raised and where it came from:
// each share link, and the donations that came by none (direct).
type SupportView struct {
	Raised  string
	Target  string
	Donors  int // the number of donations
	Sources []SourceRow
	Direct  SourceRow
	More    int // share links left out of Sources
}

// SourceRow is one share link (Sharer: masked, or "you") or the direct
// donations, with what it brought.
type SourceRow struct {
	Sharer    string // already in the reader's language
	Visits    int
	Donations int
	Raised    string
}

func (MyRequests) template() string       { return "my_requests" }
func (RequestForm) template() string      { return "request_form" }
func (RequestSubmitted) template() string { return "request_submitted" }
func (RequestStatus) template() string    { return "request_status" }

func (MyRequests) TitleKey() string       { return "filing.my.title" }
func (RequestForm) TitleKey() string      { return "filing.form.title" }
func (RequestSubmitted) TitleKey() string { return "filing.submitted.title" }
func (RequestStatus) TitleKey() string    { return "filing.status.title" }

func (RequestForm) script() string { return "filing.js" }
