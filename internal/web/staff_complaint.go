package web

// The complaint handlers' console (package complaint; R-COMP-1, R-COMP-2):
// the queue with its clocks, one complaint with its history, and the
// working calendar the clocks count on.

// StaffComplaints is the queue of complaints with its filters.
type StaffComplaints struct {
	Status, Category string // the filters chosen; "" for all
	Overdue, Mine    bool
	Statuses         []Option
	Categories       []Option
	Rows             []ComplaintRow
	CanCalendar      bool // the calendar page is open to the reader
}

// ComplaintRow is one complaint in the queue: its clocks, red when late.
type ComplaintRow struct {
	ID                     int64
	Number                 string
	CategoryKey, StatusKey string
	Received               string
	AckDue, HandleDue      string
	AckLate, HandleLate    bool
	Level                  int
	Assigned               string // "staff:3", "" when nobody
}

// StaffComplaint is one complaint for its handlers.
type StaffComplaint struct {
	ID                     int64
	Number                 string
	CategoryKey, StatusKey string
	Closed                 bool
	Text                   string
	StaffRef               string
	Subject                string // "staff:3" when the subject is known
	RequestID              int64
	Received               string
	AckDue, HandleDue      string
	Acked, ClosedAt        string
	AckLate, HandleLate    bool
	Level                  int
	Assigned               string
	ContactMasked          string
	// Revealed holds the unmasked contact after an audited reveal.
	Revealed             *ComplaintContact
	OutcomeKey, Response string
	Published            bool
	Evidence             []ComplaintFile
	Events               []ComplaintEventRow
	Handlers             []Option // whom it may be assigned to
	Outcomes             []Option // the outcomes Resolve takes
	CanHandle, CanReveal bool
	Form                 Form
	Notice               string
}

// ComplaintContact is a complainant's contact details, shown to a handler
// who asked to see them.
type ComplaintContact struct {
	Name, Phone, Email string
}

// ComplaintFile is an attached file.
type ComplaintFile struct {
	ID         int64
	Name, Kind string
	Size       string
}

// ComplaintEventRow is one step of a complaint's history.
type ComplaintEventRow struct {
	At, Actor, KindKey, Detail string
}

// StaffComplaintCalendar is the working calendar of the clocks: the
// holidays and make-up working days of a year.
type StaffComplaintCalendar struct {
	Year, Prev, Next int
	Days             []CalendarDay
	CanEdit          bool
	Form             Form
}

// CalendarDay is one listed day.
type CalendarDay struct {
	Day, Name, UpdatedBy string
	Working              bool
}

func init() {
	pageNames = append(pageNames, "staff_complaints", "staff_complaint", "staff_complaint_calendar")
}

func (StaffComplaints) template() string        { return "staff_complaints" }
func (StaffComplaint) template() string         { return "staff_complaint" }
func (StaffComplaintCalendar) template() string { return "staff_complaint_calendar" }

func (StaffComplaints) TitleKey() string        { return "complaintconsole.queue.title" }
func (StaffComplaint) TitleKey() string         { return "complaintconsole.complaint.title" }
func (StaffComplaintCalendar) TitleKey() string { return "complaintconsole.calendar.title" }
