// Package console is the staff console: signing in, the members and their
// roles, the review of requests and the patrol of their updates, four-eyes
// approvals, the audit log, rules documents, personal-data incidents,
// finding a person, the charity referral list, the hospital directory, and
// the money screens: the custody bank's transfers, the custody account and
// the reconciliation. Package server
// mounts its routes on the one mux, behind the permission check, the
// middleware and the error pages every route has; the permission matrix
// covers these routes like any other.
//
// Handlers only translate: read the request, call one service method, show
// the result. Every staff action goes through Auditor.Act, so that the
// service appends its audit record in the transaction that does it, and a
// refusal is recorded on its own.
package console

import (
	"net/http"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/incident"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/refundfund"
	"github.com/carefund/carefund/internal/report"
	"github.com/carefund/carefund/internal/retention"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/termination"
	"github.com/carefund/carefund/internal/web"
	"github.com/carefund/carefund/internal/winddown"
)

// Console serves the staff console's screens.
type Console struct {
	Pages     *site.Pages
	Auditor   *site.Auditor
	Access    site.Access
	Staff     *staff.Service
	Accounts  *account.Service
	Rules     *rules.Service
	Charities *charity.Service
	Hospitals *hospital.Service
	Incidents *incident.Service
	Log       *audit.Log
	Reviews   *review.Service
	// Content is the content screen's word list, queue and takedowns
	// (content.go, R-CONT-1).
	Content *content.Service
	// Payouts is the payout applications' service (payouts.go).
	Payouts *payout.Service
	// Bank is the custody bank's outbox and account record, BankSandbox
	// the sandbox bank behind it (nil with a real bank), Reconcile the
	// reconciliation of the custody account; nil hides their screens.
	Bank        *bank.Service
	BankSandbox *bank.Sandbox
	Reconcile   *reconcile.Service
	// Refunds is the refund runs' service (refunds.go); nil hides them.
	Refunds *refund.Service
	// Terminations suspends and terminates requests (terminations.go);
	// nil hides its screens.
	Terminations *termination.Service
	// WindDown is the platform's wind-down (winddown.go); nil hides its
	// screen.
	WindDown *winddown.Service
	// CharityPay is money to charity (charitypay.go); nil hides its
	// screen.
	CharityPay *charitypay.Service
	// Complaints is the complaint handlers' service (complaints.go); nil
	// hides its screens.
	Complaints *complaint.Service
	// RefundFund is the top-ups of providers' balances from custody,
	// listed on the bank page; nil leaves them out.
	RefundFund *refundfund.Service
	// Retention is the anonymization of personal data on schedule
	// (retention.go); nil hides its screen.
	Retention *retention.Service
	// Reports makes the reports and exports for download (reports.go);
	// nil hides its screen.
	Reports *report.Service
	// SettleNow and ImportNow run the settlement and statement jobs once.
	SettleNow, ImportNow MoneyJob
	// Now is the clock, which the review queue measures waiting from;
	// nil means time.Now.
	Now func() time.Time
}

// Routes lists the console's URLs, in the order of its navigation bar
// (package server builds the bar from them and the permission matrix).
func (c *Console) Routes() []site.Route {
	return []site.Route{
		{Pattern: "GET /staff/signin", Handler: c.signInPage},
		{Pattern: "POST /staff/signin", Handler: c.signIn},
		{Pattern: "POST /staff/signout", Handler: c.signOut},
		{Pattern: "GET /staff", Handler: c.home},
		{Pattern: "GET /staff/password", Handler: c.passwordPage},
		{Pattern: "POST /staff/password", Handler: c.password},
		// The review console (review.go), ahead of the charity list: the
		// order of the navigation bar.
		{Pattern: "GET /staff/review", Handler: c.reviewQueue},
		{Pattern: "GET /staff/review/{id}", Handler: c.reviewRequest},
		{Pattern: "POST /staff/review/{id}/claim", Handler: c.claimRequest},
		{Pattern: "POST /staff/review/{id}/release", Handler: c.releaseRequest},
		{Pattern: "POST /staff/review/{id}/ask", Handler: c.askInfo},
		{Pattern: "POST /staff/review/{id}/reject", Handler: c.rejectRequest},
		{Pattern: "POST /staff/review/{id}/approve", Handler: c.approveRequest},
		{Pattern: "GET /staff/review/{id}/materials/{mid}", Handler: c.reviewMaterial},
		{Pattern: "POST /staff/review/{id}/materials/{mid}/reviewed", Handler: c.markMaterialReviewed},
		{Pattern: "POST /staff/review/{id}/materials/{mid}/publish", Handler: c.publishMaterial},
		{Pattern: "POST /staff/review/{id}/open", Handler: c.openFundraising},
		{Pattern: "POST /staff/review/{id}/close", Handler: c.staffCloseRequest},
		{Pattern: "GET /staff/patrol", Handler: c.patrolPage},
		{Pattern: "POST /staff/patrol/{id}/updates/{uid}/check", Handler: c.checkUpdate},
		{Pattern: "POST /staff/patrol/{id}/updates/{uid}/takedown", Handler: c.takeDownUpdate},
		// The content screen (content.go, R-CONT-1).
		{Pattern: "GET /staff/content", Handler: c.contentPage},
		{Pattern: "POST /staff/content/terms", Handler: c.changeTerm(false)},
		{Pattern: "POST /staff/content/terms/remove", Handler: c.changeTerm(true)},
		{Pattern: "POST /staff/content/records/{id}/clear", Handler: c.clearContent},
		{Pattern: "POST /staff/content/takedown", Handler: c.takeDownContent},
		{Pattern: "POST /staff/members/{id}/conflicts", Handler: c.addConflict},
		// The finance console of payouts (payouts.go).
		{Pattern: "GET /staff/payouts", Handler: c.payoutQueue},
		{Pattern: "GET /staff/payouts/{id}", Handler: c.payoutPage},
		{Pattern: "POST /staff/payouts/{id}/claim", Handler: c.claimPayout},
		{Pattern: "POST /staff/payouts/{id}/ask", Handler: c.askPayout},
		{Pattern: "POST /staff/payouts/{id}/reject", Handler: c.rejectPayout},
		{Pattern: "POST /staff/payouts/{id}/approve", Handler: c.approvePayout},
		{Pattern: "POST /staff/payouts/{id}/reveal", Handler: c.revealAccount},
		{Pattern: "GET /staff/payouts/{id}/materials/{mid}", Handler: c.payoutMaterial},
		// The charity referral list (charities.go).
		{Pattern: "GET /staff/charities", Handler: c.charitiesPage},
		{Pattern: "POST /staff/charities", Handler: c.createCharity},
		{Pattern: "POST /staff/charities/{id}", Handler: c.updateCharity},
		{Pattern: "POST /staff/charities/{id}/active", Handler: c.setCharityActive},
		// The hospital directory (hospitals.go).
		// Money to charity and recoveries (charitypay.go).
		{Pattern: "GET /staff/charity-pay", Handler: c.charityPayPage},
		{Pattern: "POST /staff/charity-pay/recipients", Handler: c.proposeRecipient},
		{Pattern: "POST /staff/charity-pay/transfers", Handler: c.proposeCharityTransfer},
		{Pattern: "POST /staff/charity-pay/credits/{id}/recover", Handler: c.matchRecovery},
		{Pattern: "GET /staff/hospitals", Handler: c.hospitalsPage},
		{Pattern: "POST /staff/hospitals", Handler: c.proposeHospital},
		{Pattern: "POST /staff/hospitals/{id}", Handler: c.proposeHospitalChange},
		{Pattern: "POST /staff/hospitals/{id}/deactivate", Handler: c.proposeHospitalDeactivation},
		{Pattern: "POST /staff/hospitals/{id}/reveal", Handler: c.revealHospital},
		// The money screens (bank.go, custody.go, reconcile.go).
		{Pattern: "GET /staff/bank", Handler: c.bankPage},
		{Pattern: "POST /staff/bank/settle", Handler: c.settleNow},
		{Pattern: "POST /staff/bank/statements", Handler: c.fetchStatementsNow},
		{Pattern: "POST /staff/bank/advance", Handler: c.advanceBank},
		{Pattern: "GET /staff/custody", Handler: c.custodyPage},
		{Pattern: "POST /staff/custody", Handler: c.proposeCustody},
		{Pattern: "POST /staff/custody/{id}/report", Handler: c.reportCustody},
		{Pattern: "POST /staff/custody/{id}/effective", Handler: c.effectCustody},
		{Pattern: "GET /staff/reconcile", Handler: c.reconcilePage},
		{Pattern: "POST /staff/reconcile/upload", Handler: c.uploadStatement},
		{Pattern: "POST /staff/reconcile/{id}/resolve", Handler: c.resolveDifference},
		{Pattern: "POST /staff/reconcile/{id}/correct", Handler: c.correctDifference},
		// Refund runs (refunds.go).
		{Pattern: "GET /staff/refunds", Handler: c.refundsPage},
		{Pattern: "POST /staff/refunds", Handler: c.startRun},
		{Pattern: "GET /staff/refunds/{id}", Handler: c.refundRunPage},
		{Pattern: "POST /staff/refunds/{id}/charity", Handler: c.giveToCharity},
		// Suspension and termination (terminations.go).
		{Pattern: "GET /staff/terminations", Handler: c.terminationsPage},
		{Pattern: "POST /staff/requests/{id}/suspend", Handler: c.suspendRequest},
		{Pattern: "POST /staff/requests/{id}/resume", Handler: c.resumeRequest},
		{Pattern: "POST /staff/requests/{id}/terminate", Handler: c.proposeTermination},
		{Pattern: "GET /staff/terminations/{id}", Handler: c.terminationPage},
		{Pattern: "POST /staff/terminations/{id}/decide", Handler: c.decideTermination},
		{Pattern: "POST /staff/terminations/{id}/evidence", Handler: c.addEvidence},
		{Pattern: "POST /staff/terminations/{id}/referrals", Handler: c.addReferral},
		{Pattern: "POST /staff/terminations/{id}/referrals/{rid}/reveal", Handler: c.revealOfficer},
		{Pattern: "GET /staff/terminations/{id}/documents/{did}", Handler: c.terminationDocument},
		// Complaints and reports (complaints.go).
		{Pattern: "GET /staff/complaints", Handler: c.complaintQueue},
		{Pattern: "GET /staff/complaints/{id}", Handler: c.complaintPage},
		{Pattern: "POST /staff/complaints/{id}/reveal", Handler: c.revealComplaintContact},
		{Pattern: "GET /staff/complaints/{id}/evidence/{eid}", Handler: c.complaintEvidence},
		{Pattern: "POST /staff/complaints/{id}/acknowledge", Handler: c.acknowledgeComplaint},
		{Pattern: "POST /staff/complaints/{id}/assign", Handler: c.assignComplaint},
		{Pattern: "POST /staff/complaints/{id}/notes", Handler: c.noteComplaint},
		{Pattern: "POST /staff/complaints/{id}/link", Handler: c.linkComplaint},
		{Pattern: "POST /staff/complaints/{id}/resolve", Handler: c.resolveComplaint},
		{Pattern: "POST /staff/complaints/{id}/dismiss", Handler: c.dismissComplaint},
		{Pattern: "GET /staff/complaint-calendar", Handler: c.complaintCalendar},
		{Pattern: "POST /staff/complaint-calendar", Handler: c.setCalendarDay},
		{Pattern: "POST /staff/complaint-calendar/remove", Handler: c.removeCalendarDay},
		// The platform's wind-down (winddown.go).
		{Pattern: "GET /staff/wind-down", Handler: c.windDownPage},
		{Pattern: "POST /staff/wind-down", Handler: c.proposeWindDown},
		{Pattern: "POST /staff/wind-down/{id}/decide", Handler: c.decideWindDown},
		{Pattern: "GET /staff/approvals", Handler: c.approvalsPage},
		{Pattern: "POST /staff/approvals/{id}", Handler: c.decide},
		{Pattern: "GET /staff/members", Handler: c.membersPage},
		{Pattern: "POST /staff/members/{id}/role", Handler: c.proposeRole},
		{Pattern: "POST /staff/members/{id}/unlock", Handler: c.unlockMember},
		{Pattern: "GET /staff/rules", Handler: c.rulesAdmin},
		{Pattern: "POST /staff/rules", Handler: c.draftRule},
		{Pattern: "POST /staff/rules/{id}/report", Handler: c.reportRule},
		{Pattern: "POST /staff/rules/{id}/effective", Handler: c.effectiveRule},
		{Pattern: "GET /staff/audit", Handler: c.auditPage},
		// The reports and exports (reports.go).
		{Pattern: "GET /staff/reports", Handler: c.reportsPage},
		{Pattern: "GET /staff/reports/{file}", Handler: c.reportFile},
		{Pattern: "POST /staff/reports/{year}/submitted", Handler: c.markSubmitted},
		{Pattern: "GET /staff/incidents", Handler: c.incidentsPage},
		// Retention of personal data (retention.go), read-only.
		{Pattern: "GET /staff/retention", Handler: c.retentionPage},
		{Pattern: "POST /staff/incidents", Handler: c.openIncident},
		{Pattern: "GET /staff/incidents/{id}", Handler: c.incidentPage},
		{Pattern: "POST /staff/incidents/{id}/steps", Handler: c.incidentStep},
		{Pattern: "POST /staff/incidents/{id}/status", Handler: c.incidentStatus},
		{Pattern: "POST /staff/incidents/{id}/notices", Handler: c.incidentNotice},
		{Pattern: "GET /staff/conformance", Handler: c.conformancePage},
		{Pattern: "POST /staff/users", Handler: c.findUser},
		{Pattern: "GET /staff/users/{id}", Handler: c.staffUser},
	}
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, p web.Page) error {
	return c.Pages.Render(w, r, p)
}

func lang(r *http.Request) i18n.Lang { return site.Lang(r) }

func (c *Console) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// may reports whether the signed-in member may use the route.
func (c *Console) may(r *http.Request, pattern string) bool {
	return c.Access.Allows(pattern, site.CallerOf(r).Staff.Role)
}

// me is the signed-in staff member.
func me(r *http.Request) *staff.Staff { return site.CallerOf(r).Staff }

// reshow answers a refused form with the page built by view (site.Reshow).
func reshow[P web.Page](c *Console, w http.ResponseWriter, r *http.Request, refusal error, values map[string]string, view func(web.Form) (P, error)) error {
	return site.Reshow(c.Pages, w, r, refusal, values, view)
}
