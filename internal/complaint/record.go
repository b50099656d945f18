package complaint

import (
	"slices"
	"time"
)

// Complaint is a complaint as the handlers see it: the contact details
// masked (Contact reveals them, audited).
type Complaint struct {
	ID        int64
	Number    string
	Category  Category
	Status    Status
	Level     int // raised by one each time a clock runs out
	RequestID int64
	StaffRef  string
	// SubjectStaffID is the staff member complained about, when known;
	// they never handle it (R-COMP-1).
	SubjectStaffID int64
	Text           string
	AccountID      int64
	ContactMasked  string
	AssignedTo     int64
	ReceivedAt     time.Time
	Clocks
	AckedAt, ClosedAt                 time.Time
	AckEscalatedAt, HandleEscalatedAt time.Time
	Outcome                           Outcome
	Response                          string
	Published                         bool
}

// Overdue reports whether each clock ran out before its step was done:
// acknowledgement, and handling (R-COMP-2), as of now.
func (c Complaint) Overdue(now time.Time) (ack, handle bool) {
	late := func(done, due time.Time) bool {
		if done.IsZero() {
			return !now.Before(due)
		}
		return done.After(due)
	}
	return late(c.AckedAt, c.AckDue), late(c.ClosedAt, c.HandleDue)
}

// Public returns what the complainant may see of c, as of now (Track).
func (c Complaint) Public(now time.Time) Public {
	p := Public{Number: c.Number, Category: c.Category, Status: c.Status, RequestID: c.RequestID,
		ReceivedAt: c.ReceivedAt, AckDue: c.AckDue, HandleDue: c.HandleDue,
		AcknowledgedAt: c.AckedAt, ClosedAt: c.ClosedAt, Disputes: slices.Clone(DisputeRoutes)}
	p.AckOverdue, p.HandleOverdue = c.Overdue(now)
	if c.Status.Closed() {
		p.Outcome, p.Response, p.Published = c.Outcome, c.Response, c.Published
	}
	return p
}

// Event is one step of a complaint's history (staff only).
type Event struct {
	At     time.Time
	Actor  string // "staff:3", "system", "anonymous", "user:5"
	Kind   EventKind
	Detail string
}

// EventKind is what an Event records.
type EventKind string

// The kinds of events.
const (
	EventReceived     EventKind = "received"
	EventAcknowledged EventKind = "acknowledged"
	EventAssigned     EventKind = "assigned"
	EventNote         EventKind = "note"
	EventLinked       EventKind = "linked"
	EventEscalated    EventKind = "escalated"
	EventResolved     EventKind = "resolved"
	EventDismissed    EventKind = "dismissed"
)

// Key is k's message catalog key.
func (k EventKind) Key() string { return "complaint.event." + string(k) }

// EvidenceInfo describes an attached file without its content.
type EvidenceInfo struct {
	ID   int64
	Name string
	Kind string
	Size int64
}

// Detail is a complaint with its history and files, for its console page.
type Detail struct {
	Complaint
	Events   []Event
	Evidence []EvidenceInfo
}

// Filter selects the complaints of the queue.
type Filter struct {
	Status   Status   // "" for every open one
	Category Category // "" for all
	Overdue  bool     // only those with a clock run out
	// AssignedTo keeps those assigned to this staff member; 0 for all.
	AssignedTo int64
	Limit      int // 0 for 200
}

// Day is one day of the working calendar that differs from the rule
// (Monday to Friday): a holiday or a make-up working day.
type Day struct {
	Day       string // "2026-10-01"
	Working   bool
	Name      string
	UpdatedBy string
	UpdatedAt time.Time
}

// ParseDay reads a calendar day "2026-10-01".
func ParseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(DayLayout, s, Shanghai)
	return t, err == nil && t.Format(DayLayout) == s
}

// statRow is what Stats needs of one complaint.
type statRow struct {
	category                     Category
	outcome                      Outcome
	received, acked, closed      time.Time
	ackDue, handleDue, escalated time.Time
}

// computeStats counts rows, the complaints received in a period ending at
// to (R-DISC-3): a complaint closed after to counts as open.
func computeStats(rows []statRow, to time.Time) Stats {
	s := Stats{ByCategory: map[Category]int{}, ByOutcome: map[Outcome]int{}}
	var hours []int
	for _, r := range rows {
		s.Received++
		s.ByCategory[r.category]++
		if !r.acked.IsZero() && !r.acked.After(r.ackDue) && r.acked.Before(to) {
			s.AckedInTime++
		}
		if !r.escalated.IsZero() && r.escalated.Before(to) {
			s.Escalated++
		}
		if r.closed.IsZero() || !r.closed.Before(to) {
			s.Open++
			continue
		}
		s.ByOutcome[r.outcome]++
		if !r.closed.After(r.handleDue) {
			s.HandledInTime++
		}
		hours = append(hours, int(r.closed.Sub(r.received)/time.Hour))
	}
	if len(hours) > 0 {
		slices.Sort(hours)
		s.MedianHandleHours = hours[len(hours)/2]
		if len(hours)%2 == 0 {
			s.MedianHandleHours = (hours[len(hours)/2-1] + hours[len(hours)/2]) / 2
		}
	}
	return s
}
