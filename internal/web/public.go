package web

// The public pages of requests for help: the home page's cards, a request's
// page and its versions (R-PUB-1, R-PUB-2, R-REQ-6, R-DISC-2), and the staff
// console's charity referral list (R-REQ-7).
//
// The server formats every amount and date in the reader's language before
// it reaches a template: templates only place text.

import "html/template"

func init() {
	pageNames = append(pageNames, "request_public", "request_versions", "staff_charities")
}

// HomeRequests is the home page once there are published requests to list:
// Home with each request's target, state and deadline. Home's RequestCard
// holds a title only; both render with the one home template, which reads
// Cards.
type HomeRequests struct {
	Cards []HomeCard
}

// HomeCard is one published request on the home page.
type HomeCard struct {
	URL, Title string
	Target     string // formatted in the reader's language; "" for none
	StateKey   string // the catalog key of what the card says of the channel
	Deadline   string // the day the channel closes, while it is open
	// Progress is set once the channel has opened: what was raised, for
	// the card's small progress bar.
	Progress *Progress
}

// Progress is what a request raised against its target, for a <progress>
// bar (no script, no inline style: the CSP forbids both).
type Progress struct {
	Raised    string // formatted in the reader's language
	RaisedFen int64
	TargetFen int64
	Percent   int64 // of the target, rounded down; may pass 100
}

// Cards returns the home page's requests as cards that show only a title,
// so that the home template serves Home as it does HomeRequests.
func (h Home) Cards() []HomeCard {
	out := make([]HomeCard, 0, len(h.Requests))
	for _, r := range h.Requests {
		out = append(out, HomeCard{URL: r.URL, Title: r.Title})
	}
	return out
}

// PublicRequest is the public page of a published request: its latest
// published text with the patient's name masked and no ID number (R-PUB-1),
// the risk notice and the rules (R-PUB-2), the state of the fundraising
// channel (R-PUB-4), what changed since the first version (R-REQ-6), a
// published certificate (R-REQ-4) and the progress updates (R-DISC-2).
type PublicRequest struct {
	ID int64
	// WeChat is the JS-SDK's share configuration, inside WeChat only.
	WeChat  *WeChatShare
	Version VersionView
	// Versions counts the published versions; above one the page says
	// what changed last and links to all of them.
	Versions int

	// The fundraising channel: open until Deadline, or closed with the
	// public notice CloseKey (and an optional note), or not yet open.
	StateKey  string
	Open      bool
	Deadline  string
	Closed    bool
	CloseKey  string
	CloseNote string
	ClosedAt  string
	Waiting   bool // approved; the channel has not opened yet

	// Published lists the materials reviewed and published on the page
	// (the certificate of R-REQ-4, the expense list of R-REQ-5); the files
	// themselves are not public.
	Published []PublishedMaterial
	Updates   []UpdateView

	// Meta is the page's share card: Open Graph tags for WeChat and other
	// apps that show a link with a title, a text and a picture.
	Meta ShareMeta
	// Progress is what the request raised; nil before its channel opened.
	Progress *Progress
	Donors   int    // the number of donations
	DaysLeft int    // whole days, rounded up, while the channel is open
	Donate   string // the donation form's URL, with the share token it came by
	// Donations are the newest donations, as the public may see them
	// (R-DON-2: an anonymous donor is never named).
	Donations []DonationView
	// Share is the share link the page was opened through, with what it
	// brought, when its sharer came back to it (?shared=1); nil otherwise.
	Share *ShareView
	// Complaint is the URL of the complaint form about this request (R-PUB-3).
	Complaint string
	// Complaints are the published responses to complaints about this
	// request (R-DISC-2), each shown with the dispute routes (R-DISP-1).
	Complaints []ComplaintResponseView
	// Payouts are the money paid out and its use (R-DISC-1, R-DISB-4).
	Payouts []PublicPayoutView
	// ResumeNote is the public note of a suspension that ended, on
	// ResumedAt (R-REV-4); "" when the request was never suspended.
	ResumeNote string
	ResumedAt  string
	// Figures are raised, paid out, refunded, to charity and held, from
	// the ledger (R-DISC-1); nil before the channel opened.
	Figures *PublicFigures
	// Timeline is what happened to the request and its money, newest
	// first: updates, payouts, their use, refunds, gifts to charity and
	// responses to complaints (R-DISC-1, R-DISC-2).
	Timeline []TimelineItem

	// Flow is the picture of where the money went (disclosure.FlowSVG):
	// safe HTML built from the ledger's figures and the catalogue, never
	// from anything a user typed; "" when there is nothing to draw.
	Flow template.HTML
}

// TimelineItem is one event of a request's timeline, ready to show.
// KindKey names what happened; Amount is "" for an event without money;
// Text is the publisher's or staff's public words (an update, a usage
// update, a complaint response), or a taken-down update's reason when
// Removed; a payout names its payee by kind (ToKey) or the hospital, never
// an account (R-PII-1).
type TimelineItem struct {
	At, Date        string
	KindKey         string
	Amount          string
	Text            string
	Removed         bool
	ToKey, Hospital string
	StateKey        string
	Receipts        int
}

// ShareMeta is a page's share card. Image and URL are absolute: WeChat
// fetches them from outside.
type ShareMeta struct {
	Title, Description, Image, URL string
}

// DonationView is one donation as the public sees it. Donor is a masked
// name (138****8000), or empty when the donor chose to be anonymous
// (Anonymous) or was not signed in.
type DonationView struct {
	Amount    string
	Donor     string
	Anonymous bool
	Message   string // empty when none, or not let through yet
	// Removed is the public reason the message was taken down for
	// (R-CONT-1), shown in its place.
	Removed string
	At      string
}

// ShareView is a share link and what it brought: visits, donations and
// their sum. It names nobody, and shares pay nobody (R-REF-3).
type ShareView struct {
	URL       string // absolute, to copy
	Visits    int
	Donations int
	Raised    string
}

// VersionView is one published version of a request, ready to show.
type VersionView struct {
	Number  int
	At      string
	Changes []string // the changed fields' names, in the reader's language

	Title           string
	Patient         string // masked: 张*明
	RelationshipKey string
	Diagnosis       string
	HospitalName    string
	HospitalCity    string
	Story           string
	Target          string
	Use             []UseView
	Disclosures     []DisclosureView
	// Nested says the version sits under a heading of its own (the
	// versions page), so its headings go one level down.
	Nested bool
}

// UseView is one line of the use of the target amount.
type UseView struct {
	Label, Amount, Note string
}

// DisclosureView is the answer to one disclosure topic (R-REQ-2).
type DisclosureView struct {
	QuestionKey string
	Answered    bool
	Yes         bool
	Detail      string
	AmountKey   string // "" when there is no amount to show
	Amount      string
}

// PublishedMaterial says that a material was reviewed and published.
type PublishedMaterial struct {
	KindKey, ReviewedAt, PublishedAt string
	Summary                          string // the reviewer's public summary of it
}

// UpdateView is one progress update; a taken-down one shows the platform's
// reason instead of its text (R-REV-4).
type UpdateView struct {
	At, Body string
	Removed  bool
	Reason   string
}

// RequestVersions lists every published version of a request, newest first,
// each in full: old versions stay readable (R-REQ-6).
type RequestVersions struct {
	ID       int64
	Title    string // of the latest version
	Versions []VersionView
}

// StaffCharities is the console's charity referral list (R-REQ-7): every
// organisation, active or not, and for admins the forms to add, change,
// activate and deactivate them.
type StaffCharities struct {
	Orgs    []CharityRow
	CanEdit bool
	New     CharityForm // the form to add an organisation
	Notice  string
}

// CharityRow is one organisation as stored, with its edit form.
type CharityRow struct {
	ID                                      int64
	Name, Summary, Categories, Regions, URL string
	Order                                   int
	Active                                  bool
	Updated                                 string
	Edit                                    CharityForm
}

// CharityForm is the form of one organisation: filled with what is stored,
// or with what was typed when it was refused, each message next to its
// field. Suffix keeps the fields' ids unique on a page of many forms.
type CharityForm struct {
	Action, Suffix string
	Form           Form
}

// Asset returns the URL of static file name with its content hash, or ""
// when there is none: for pages that must give an absolute URL of one
// (a share card's picture).
func (r *Renderer) Asset(name string) string { return r.assets[name] }

func (HomeRequests) template() string    { return "home" }
func (PublicRequest) template() string   { return "request_public" }
func (RequestVersions) template() string { return "request_versions" }
func (StaffCharities) template() string  { return "staff_charities" }

func (HomeRequests) TitleKey() string    { return "site.name" }
func (PublicRequest) TitleKey() string   { return "public.request.title" }
func (RequestVersions) TitleKey() string { return "public.versions.title" }
func (StaffCharities) TitleKey() string  { return "charities.title" }
