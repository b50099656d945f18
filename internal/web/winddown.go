package web

import "sync/atomic"

// The pages of the platform's wind-down (R-WIND-1): the banner every page
// shows once it is approved, the public progress page and the console's.

func init() {
	pageNames = append(pageNames, "winddown_public", "staff_winddown", "my_winddown")
}

// Banner is the wind-down's notice at the top of every page, public and
// console alike: the notice staff wrote, the date everything is out by,
// and whether it is complete.
type Banner struct {
	Notice    string
	Deadline  string
	Completed bool
}

// bannerSource is what SetBanner installed.
type bannerSource struct{ get func() *Banner }

// SetBanner makes every page show the banner get returns (nil: none). get
// is called once per page and must cost nothing: the server keeps the
// wind-down's state in memory and reads it again after a change.
func (r *Renderer) SetBanner(get func() *Banner) {
	r.banner.Store(&bannerSource{get: get})
}

func (r *Renderer) currentBanner() *Banner {
	if s := r.banner.Load(); s != nil && s.get != nil {
		return s.get()
	}
	return nil
}

// bannerHolder is the Renderer's field for SetBanner.
type bannerHolder = atomic.Pointer[bannerSource]

// WindDownPublic is the public progress page /wind-down: the notice, the
// schedule and the money, from the ledger, formatted.
type WindDownPublic struct {
	// Active is false before any wind-down: the page says so.
	Active                      bool
	Notice                      string
	WithdrawnOn, Ministry       string
	Start, RefundFrom, Deadline string
	Day                         int
	Completed                   string // "" while under way
	HeldAtStart, Received       string
	PaidOut, Refunded           string
	ToCharity, Held             string
	Requests, Emptied, Late     int
}

// StaffWindDown is the console's page: the form to propose the wind-down
// (admins), the proposal waiting for a second admin with the form to
// decide it, and once approved every request still holding money, what it
// holds, its next step and whether it is late.
type StaffWindDown struct {
	CanPropose, CanDecide bool
	Propose               Form
	// Pending is the proposal waiting (ID 0: none); Decide its form.
	Pending WindDownProposal
	Decide  Form
	// Progress is the approved wind-down's (Active false before).
	Progress WindDownPublic
	Rows     []WindDownRow
	Notice   string
	Message  string
}

// WindDownProposal is a proposal as the console shows it.
type WindDownProposal struct {
	ID                                    int64
	Reason, Notice, WithdrawnOn, Ministry string
	ProposedBy, ProposedAt                string
}

// WindDownRow is one request still holding money.
type WindDownRow struct {
	RequestID                 int64
	StateKey                  string
	HeldAtStart, Held         string
	Request, Payouts, Refunds string
	StepKey                   string
	Late                      bool
	RefundRun                 int64
}

func (WindDownPublic) template() string { return "winddown_public" }
func (StaffWindDown) template() string  { return "staff_winddown" }

func (WindDownPublic) TitleKey() string { return "winddown.title" }
func (StaffWindDown) TitleKey() string  { return "staff.wind-down.title" }

// MyWindDown is a requester's page during the wind-down: each of their
// requests still in it, what it holds, its next step, and the button to
// have it refunded now rather than at day 30.
type MyWindDown struct {
	Active               bool
	RefundFrom, Deadline string
	Rows                 []MyWindDownRow
	Notice, Message      string
}

// MyWindDownRow is one of the requester's requests.
type MyWindDownRow struct {
	RequestID     int64
	Held, StepKey string
	Late, CanAsk  bool
}

func (MyWindDown) template() string { return "my_winddown" }
func (MyWindDown) TitleKey() string { return "winddown.my.title" }
