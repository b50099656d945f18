package web

// The public side of complaints and reports (R-PUB-3, R-COMP-1, R-COMP-2,
// R-DISP-1): /complaints with the published channels, the clocks promised
// and the form; the receipt with the tracking number and the secret, shown
// once; and the status page, where the complainant sees both clocks and,
// once closed, the outcome, the response and how to take a dispute further.
// Contact details typed into the form come back only to the person who
// typed them, on a refused form; no page shows them afterwards.

func init() {
	pageNames = append(pageNames, "complaint_form", "complaint_receipt", "complaint_track")
}

// ComplaintForm is /complaints: the channels, the clocks, the dispute routes
// and the form, which keeps everything typed when refused (files excepted:
// a browser never sends a file back).
type ComplaintForm struct {
	// Phone and Email are the published channels besides the form,
	// configured by the operator (R-COMP-2).
	Phone, Email string
	// Categories are the form's choices, none preselected.
	Categories []Option
	// RequestID is the request the complaint is about (from ?request=N),
	// RequestTitle its public title; 0 and "" when none or not public.
	RequestID    int64
	RequestTitle string
	// SignedIn says the form may be sent without contact details: the
	// platform reaches a signed-in complainant through their account.
	SignedIn bool
	// MaxUpload is the largest evidence in MiB, all files together;
	// MaxFiles how many files.
	MaxUpload int
	MaxFiles  int
	// Disputes are the catalog keys of the dispute routes (R-DISP-1).
	Disputes []string
	// Key is the form's idempotency token: sending it twice files one
	// complaint.
	Key  string
	Form Form
}

func (ComplaintForm) template() string { return "complaint_form" }
func (ComplaintForm) TitleKey() string { return "complain.title" }

// ComplaintReceipt is what the complainant gets once: the tracking number
// and the secret the status page asks for.
type ComplaintReceipt struct {
	Number string
	Secret string
	// Again says the form had been sent before: this is the first
	// complaint's receipt, not a second complaint.
	Again bool
}

func (ComplaintReceipt) template() string { return "complaint_receipt" }
func (ComplaintReceipt) TitleKey() string { return "complaintweb.receipt.title" }

// ComplaintTrack is the status page: the form (number and secret) and, when
// it found one, the complaint as its complainant may see it.
type ComplaintTrack struct {
	Status *ComplaintStatus
	// SignedIn says a signed-in complainant may leave the secret out for
	// their own complaints.
	SignedIn bool
	Form     Form
}

func (ComplaintTrack) template() string { return "complaint_track" }
func (ComplaintTrack) TitleKey() string { return "complaintweb.track.title" }

// ComplaintStatus is one complaint as its complainant sees it: where it
// stands and both clocks of R-COMP-2; once closed, the outcome and the
// response with the dispute routes (R-DISP-1).
type ComplaintStatus struct {
	Number      string
	CategoryKey string
	StatusKey   string
	Received    string
	// RequestID is the request it is about, 0 for none.
	RequestID int64
	// The two clocks: acknowledged within 1 working day, handled within 7.
	Ack, Handle Clock
	Closed      bool
	OutcomeKey  string
	Response    string
	// Disputes are the catalog keys of the dispute routes, shown next to
	// the outcome (R-DISP-1).
	Disputes []string
}

// Clock is one of a complaint's clocks: when it is due, when it was met
// (Done, "" while running) and whether it ran out (Late).
type Clock struct {
	Due  string
	Done string
	Late bool
}

// ComplaintResponseView is a published response to a complaint about a
// request, on the request's page (R-DISC-2), with the dispute routes next
// to it (R-DISP-1).
type ComplaintResponseView struct {
	Number      string
	CategoryKey string
	OutcomeKey  string
	Response    string
	// Removed is the public reason the response was taken down for
	// (R-CONT-1); Response is empty then.
	Removed string
	At      string
	// Disputes are the catalog keys of the dispute routes (R-DISP-1).
	Disputes []string
}
