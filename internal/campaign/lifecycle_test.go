package campaign

import (
	"slices"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
)

// R-REQ-4: above ¥500,000 a certificate is needed; exactly ¥500,000 is not.
func TestNeedsCertificate(t *testing.T) {
	tests := []struct {
		target money.Fen
		want   bool
	}{
		{MinTarget, false},
		{CapFen - 1, false},
		{CapFen, false},
		{CapFen + 1, true},
		{MaxTarget, true},
	}
	for _, tt := range tests {
		t.Run(tt.target.String(), func(t *testing.T) {
			if got := NeedsCertificate(tt.target); got != tt.want {
				t.Errorf("NeedsCertificate(%s) = %v, want %v", tt.target, got, tt.want)
			}
		})
	}
}

// R-REQ-5: a second request for the same patient above ¥500,000 needs a list
// of medical expenses; a first one does not, nor a second within the cap.
func TestNeedsExpenseList(t *testing.T) {
	tests := []struct {
		name    string
		target  money.Fen
		earlier int
		want    bool
	}{
		{"FirstAboveCap", CapFen + 1, 0, false},
		{"SecondAtCap", CapFen, 1, false},
		{"SecondAboveCap", CapFen + 1, 1, true},
		{"ThirdAboveCap", MaxTarget, 2, true},
		{"NegativeCount", CapFen + 1, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsExpenseList(tt.target, tt.earlier); got != tt.want {
				t.Errorf("NeedsExpenseList(%s, %d) = %v, want %v", tt.target, tt.earlier, got, tt.want)
			}
		})
	}
}

// R-REQ-4: the channel of a request above the cap opens only after the
// certificate is reviewed and published; R-REQ-5: a second one above the cap
// only after its expense list is reviewed.
func TestCanOpenFundraising(t *testing.T) {
	above := CapFen + 1
	tests := []struct {
		name string
		o    Opening
		key  string // "" when it may open
	}{
		{"WithinCap", Opening{Target: CapFen}, ""},
		{"WithinCapSecond", Opening{Target: CapFen, EarlierRequests: 3}, ""},
		{"AboveCapNothing", Opening{Target: above}, KeyCertificateMissing},
		{"AboveCapPublishedNotReviewed", Opening{Target: above, CertificatePublished: true}, KeyCertificateMissing},
		{"AboveCapReviewedNotPublished", Opening{Target: above, CertificateReviewed: true}, KeyCertificateUnpublished},
		{"AboveCapReady", Opening{Target: above, CertificateReviewed: true, CertificatePublished: true}, ""},
		{"SecondAboveCapNoList", Opening{Target: above, EarlierRequests: 1, CertificateReviewed: true, CertificatePublished: true}, KeyExpenseListMissing},
		{"SecondAboveCapReady", Opening{Target: above, EarlierRequests: 1, CertificateReviewed: true, CertificatePublished: true, ExpenseListReviewed: true}, ""},
		{"SecondAboveCapListOnly", Opening{Target: above, EarlierRequests: 1, ExpenseListReviewed: true}, KeyCertificateMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CanOpenFundraising(tt.o)
			if tt.key == "" {
				if err != nil {
					t.Fatalf("CanOpenFundraising = %v, want nil", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Conflict || e.Key != tt.key {
				t.Fatalf("CanOpenFundraising = %v, want Conflict %s", err, tt.key)
			}
			if !i18n.Has(tt.key) {
				t.Errorf("%s is not in the catalog", tt.key)
			}
		})
	}
}

// The life cycle of DESIGN.md: every allowed move, and a refusal with
// Conflict for every other pair of state and event.
func TestTransition(t *testing.T) {
	allowed := []struct {
		from State
		ev   Event
		to   State
	}{
		{Draft, Submit, Submitted},
		{Submitted, Screen, Screening},
		// R-REV-1: the machine screen, then a human.
		{Screening, ScreenPass, InReview},
		{Screening, ScreenReject, Rejected},
		// R-REV-2: the reviewer asks for more, approves or rejects.
		{InReview, AskInfo, NeedsInfo},
		{InReview, Approve, Approved},
		{InReview, Reject, Rejected},
		{NeedsInfo, Submit, InReview},
		{NeedsInfo, Reject, Rejected},
		{Approved, Open, Fundraising},
		// R-PUB-4: the channel closes (also before it opened: purpose gone).
		{Approved, Close, Closed},
		{Fundraising, Close, Closed},
		{Closed, Settle, Settling},
		{Settling, Complete, Completed},
		// R-REV-4, R-REF-2: any public state can be suspended; fraud terminates.
		{Approved, Suspend, Suspended},
		{Fundraising, Suspend, Suspended},
		{Closed, Suspend, Suspended},
		{Settling, Suspend, Suspended},
		{Completed, Suspend, Suspended},
		{Suspended, Terminate, Terminated},
		{Terminated, Complete, Completed},
	}
	events := []Event{Submit, Screen, ScreenPass, ScreenReject, AskInfo, Approve, Reject, Open, Close, Settle, Complete, Suspend, Terminate, "resume", ""}
	want := map[[2]string]State{}
	for _, a := range allowed {
		want[[2]string{string(a.from), string(a.ev)}] = a.to
	}
	for _, from := range append(States, "anonymized", "") {
		for _, ev := range events {
			t.Run(string(from)+"/"+string(ev), func(t *testing.T) {
				to, err := Transition(from, ev)
				if w, ok := want[[2]string{string(from), string(ev)}]; ok {
					if err != nil || to != w {
						t.Errorf("Transition(%s, %s) = %s, %v; want %s", from, ev, to, err, w)
					}
					return
				}
				if apperr.CodeOf(err) != apperr.Conflict || to != from {
					t.Errorf("Transition(%s, %s) = %s, %v; want %s, Conflict", from, ev, to, err, from)
				}
			})
		}
	}
	// Nothing is allowed that the list above does not name.
	n := 0
	for _, m := range transitions {
		n += len(m)
	}
	if n != len(allowed) {
		t.Errorf("transitions has %d moves, the test lists %d", n, len(allowed))
	}
}

// No move skips review: from draft, the only way to fundraising is through
// screening, human review and approval (R-REV-1).
func TestNoPathSkipsReview(t *testing.T) {
	// Breadth-first search over the table without the review states'
	// events: fundraising must not be reachable.
	seen := map[State]bool{Draft: true}
	queue := []State{Draft}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for ev, to := range transitions[s] {
			if ev == Approve || seen[to] {
				continue
			}
			seen[to] = true
			queue = append(queue, to)
		}
	}
	if seen[Fundraising] || seen[Approved] {
		t.Error("fundraising is reachable from draft without Approve")
	}
}

func TestResume(t *testing.T) {
	for _, s := range States {
		t.Run(string(s), func(t *testing.T) {
			_, suspendable := transitions[s][Suspend]
			got, err := Resume(s)
			if suspendable {
				if err != nil || got != s {
					t.Errorf("Resume(%s) = %s, %v; want %s", s, got, err, s)
				}
				return
			}
			if apperr.CodeOf(err) != apperr.Conflict {
				t.Errorf("Resume(%s) = %s, %v; want Conflict", s, got, err)
			}
		})
	}
}

func TestStateKeys(t *testing.T) {
	if len(States) != len(transitions) {
		t.Errorf("%d states, %d in the table", len(States), len(transitions))
	}
	for _, s := range States {
		if _, ok := transitions[s]; !ok {
			t.Errorf("state %s is not in the table", s)
		}
		if !i18n.Has(s.NameKey()) {
			t.Errorf("%s is not in the catalog", s.NameKey())
		}
	}
	if !i18n.Has(KeyTransition) || !i18n.Has(KeyCloseReason) {
		t.Error("transition or close reason key is not in the catalog")
	}
}

// R-PUB-4: the channel closes for a known reason; the purpose gone says why
// (recovery, death, treatment abandoned), and each has a public notice.
func TestClosing(t *testing.T) {
	tests := []struct {
		name   string
		c      Closing
		fields []string // the fields with errors; nil when valid
		key    string   // the public key of a valid closing
	}{
		{"TargetReached", Closing{Reason: TargetReached}, nil, "campaign.close.target_reached"},
		{"PeriodEnded", Closing{Reason: PeriodEnded}, nil, "campaign.close.period_ended"},
		{"PurposeAchieved", Closing{Reason: PurposeAchieved}, nil, "campaign.close.purpose_achieved"},
		{"Recovered", Closing{Reason: PurposeGone, Cause: Recovered}, nil, "campaign.close.purpose_gone.recovered"},
		{"Died", Closing{Reason: PurposeGone, Cause: Died}, nil, "campaign.close.purpose_gone.died"},
		{"Abandoned", Closing{Reason: PurposeGone, Cause: TreatmentAbandoned}, nil, "campaign.close.purpose_gone.treatment_abandoned"},
		{"ByRequester", Closing{Reason: ClosedByRequester}, nil, "campaign.close.closed_by_requester"},
		{"ByStaff", Closing{Reason: ClosedByStaff}, nil, "campaign.close.closed_by_staff"},
		{"WindDown", Closing{Reason: WindDown}, nil, "campaign.close.wind_down"},
		{"Empty", Closing{}, []string{"reason"}, ""},
		{"Unknown", Closing{Reason: "bored"}, []string{"reason"}, ""},
		{"GoneWithoutCause", Closing{Reason: PurposeGone}, []string{"cause"}, ""},
		{"GoneUnknownCause", Closing{Reason: PurposeGone, Cause: "moved"}, []string{"cause"}, ""},
		{"CauseWithoutGone", Closing{Reason: TargetReached, Cause: Died}, []string{"cause"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				if got := tt.c.PublicKey(); got != tt.key || !i18n.Has(got) {
					t.Errorf("PublicKey = %s (in catalog: %v), want %s", got, i18n.Has(got), tt.key)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid {
				t.Fatalf("Validate = %v, want Invalid", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if len(got) != len(tt.fields) || got[0] != tt.fields[0] {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
	// Every reason and cause is covered by the table above.
	if len(CloseReasons) != 7 || len(GoneCauses) != 3 {
		t.Errorf("%d reasons and %d causes; the test covers 7 and 3", len(CloseReasons), len(GoneCauses))
	}
}

// R-PUB-4 (P): 30 days, extendable once.
func TestPeriod(t *testing.T) {
	opened := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		extensions int
		canExtend  bool
		deadline   time.Time
	}{
		{-1, false, time.Date(2025, 3, 31, 9, 0, 0, 0, time.UTC)},
		{0, true, time.Date(2025, 3, 31, 9, 0, 0, 0, time.UTC)},
		{1, false, time.Date(2025, 4, 30, 9, 0, 0, 0, time.UTC)},
		{2, false, time.Date(2025, 4, 30, 9, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := CanExtend(tt.extensions); got != tt.canExtend {
			t.Errorf("CanExtend(%d) = %v, want %v", tt.extensions, got, tt.canExtend)
		}
		if got := Deadline(opened, tt.extensions); !got.Equal(tt.deadline) {
			t.Errorf("Deadline(%d) = %s, want %s", tt.extensions, got, tt.deadline)
		}
	}
}

// TestEditableAmendable: the publisher changes the filing only while it is
// a draft or the reviewer asked for more (R-REV-2), and changes a published
// text only while it is approved or raising money (R-REQ-6); no state is
// both.
func TestEditableAmendable(t *testing.T) {
	editable := []State{Draft, NeedsInfo}
	amendable := []State{Approved, Fundraising}
	for _, s := range States {
		if got, want := Editable(s), slices.Contains(editable, s); got != want {
			t.Errorf("Editable(%s) = %v, want %v", s, got, want)
		}
		if got, want := Amendable(s), slices.Contains(amendable, s); got != want {
			t.Errorf("Amendable(%s) = %v, want %v", s, got, want)
		}
	}
	for _, c := range PublisherCloseReasons {
		if !slices.Contains(CloseReasons, c) {
			t.Errorf("the publisher's reason %s is not a close reason", c)
		}
	}
}
