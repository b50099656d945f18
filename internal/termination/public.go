package termination

import (
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
)

// ViewRoles may see the terminations board and a termination's page
// (evidence and officers stay masked until opened, each opening audited).
var ViewRoles = []staff.Role{staff.Reviewer, staff.Admin, staff.Finance, staff.Auditor}

// Public is what the request page shows of a suspension or a termination
// (R-REV-4, R-DISC-2): the notice and dates, the reason in public words,
// that a referral was made (station and date, no personal data), and the
// money: paid out, to recover, recovered, and what donors get back.
type Public struct {
	// Title is the published title, for the notice page of a request the
	// public pages no longer show in full.
	Title       string
	Suspended   bool
	Notice      string
	SuspendedAt time.Time
	// Resumed: the latest suspension ended and the request went back;
	// ResumeNote says why.
	Resumed    bool
	ResumeNote string
	ResumedAt  time.Time

	Terminated   bool
	PublicReason string
	Findings     []Finding
	TerminatedAt time.Time
	Referrals    []PublicReferral
	PaidOut      money.Fen
	Recovery     Recovery
	// Refundable is what donors may still get back (the refund service's
	// figure); HasRefundable says it was read.
	Refundable    money.Fen
	HasRefundable bool
}

// Shown reports whether the page has anything to show.
func (p Public) Shown() bool { return p.Suspended || p.Resumed || p.Terminated }

// PublicReferral is a referral as the public sees it.
type PublicReferral struct {
	Station    string
	ReferredOn string
}

// publicReferrals strips referrals to what the public sees.
func publicReferrals(rs []Referral) []PublicReferral {
	out := make([]PublicReferral, len(rs))
	for i, r := range rs {
		out[i] = PublicReferral{Station: r.Station, ReferredOn: r.ReferredOn}
	}
	return out
}

// Detail is a termination's console page.
type Detail struct {
	Termination Termination
	Title       string // the request's title
	Recovery    Recovery
	Evidence    []Document
	Referrals   []Referral // each with its documents
}

// Board is the terminations console page: open suspensions, proposals
// waiting for a decision, and terminations with their recovery.
type Board struct {
	Suspended  []Suspension
	Proposed   []Termination
	Terminated []Row
}

// Row is a termination with its recovery figures.
type Row struct {
	Termination Termination
	Recovery    Recovery
}
