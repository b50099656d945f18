package server

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/termination"
	"github.com/carefund/carefund/internal/web"
)

// access says who may use a route. A route is for anyone, for signed-in
// members of the public, or for staff in the listed roles; never a mix, so
// the public and the staff console cannot leak into each other.
type access struct {
	anyone bool
	user   bool
	roles  []staff.Role
	// action names a staff route's action in the audit log.
	action string
}

var (
	anyone     = access{anyone: true}
	signedIn   = access{user: true}
	everyStaff = staff.Roles
)

func roles(action string, r ...staff.Role) access { return access{roles: r, action: action} }

// permissions is the permission matrix: every route, who may use it. A test
// walks every route × every kind of caller (anonymous, a public user, each
// staff role) against this table, and fails on a route missing from it.
var permissions = map[string]access{
	"GET /{$}":                                  anyone,
	"GET /rules":                                anyone,
	"GET /charity":                              anyone,
	"GET /figures":                              anyone,
	"GET /log":                                  anyone,
	"GET /rules/{kind}":                         anyone,
	"GET /rules/{kind}/versions/{id}":           anyone,
	"GET /complaints":                           anyone,
	"POST /complaints":                          anyone,
	"GET /complaints/track":                     anyone,
	"POST /complaints/track":                    anyone,
	"POST /language":                            anyone,
	"GET /static/{file}":                        anyone,
	"GET /log/checkpoint":                       anyone,
	"GET /log/key":                              anyone,
	"GET /log/tile/{path...}":                   anyone,
	"GET /healthz":                              anyone,
	"GET /readyz":                               anyone,
	"GET /dev/sms":                              anyone, // only when development pages are on
	"GET /signin":                               anyone,
	"POST /signin/code":                         anyone,
	"POST /signin":                              anyone,
	"POST /signout":                             signedIn,
	"GET /account":                              signedIn,
	"POST /account/sessions/{id}/end":           signedIn,
	"POST /account/consent":                     signedIn,
	"GET /account/verify":                       signedIn,
	"POST /account/verify":                      signedIn,
	"GET /staff/signin":                         anyone,
	"POST /staff/signin":                        anyone,
	"POST /staff/signout":                       roles("staff.sign_out", everyStaff...),
	"GET /staff":                                roles("staff.home", everyStaff...),
	"GET /staff/password":                       roles("staff.password_page", everyStaff...),
	"POST /staff/password":                      roles("staff.password_change", everyStaff...),
	"GET /staff/audit":                          roles("audit.browse", staff.Auditor, staff.SecurityAdmin),
	"GET /staff/members":                        roles("staff.list", staff.Admin, staff.SecurityAdmin, staff.Auditor),
	"POST /staff/members/{id}/role":             roles("staff.role_change.propose", staff.Admin, staff.SecurityAdmin),
	"POST /staff/members/{id}/unlock":           roles("staff.unlock", staff.SecurityAdmin),
	"GET /staff/approvals":                      roles("approval.list", everyStaff...),
	"POST /staff/approvals/{id}":                roles("approval.decide", staff.Reviewer, staff.Finance, staff.Admin, staff.SecurityAdmin),
	"GET /staff/rules":                          roles("rules.list", staff.Admin, staff.Auditor),
	"POST /staff/rules":                         roles("rules.draft", staff.Admin),
	"POST /staff/rules/{id}/report":             roles("rules.report", staff.Admin),
	"POST /staff/rules/{id}/effective":          roles("rules.make_effective", staff.Admin),
	"GET /staff/incidents":                      roles("incident.list", staff.SecurityAdmin, staff.Auditor),
	"POST /staff/incidents":                     roles("incident.open", staff.SecurityAdmin),
	"GET /staff/incidents/{id}":                 roles("incident.view", staff.SecurityAdmin, staff.Auditor),
	"POST /staff/incidents/{id}/steps":          roles("incident.step", staff.SecurityAdmin),
	"POST /staff/incidents/{id}/status":         roles("incident.status", staff.SecurityAdmin),
	"POST /staff/incidents/{id}/notices":        roles("incident.notice", staff.SecurityAdmin),
	"GET /staff/conformance":                    roles("conformance.view", staff.Auditor),
	"POST /staff/users":                         roles("pii.lookup", staff.Reviewer, staff.Complaints, staff.SecurityAdmin),
	"GET /staff/users/{id}":                     roles("pii.view", staff.Reviewer, staff.Complaints, staff.SecurityAdmin),
	"GET /staff/complaints":                     roles("complaint.list", staff.Complaints, staff.Admin, staff.Auditor),
	"GET /staff/complaints/{id}":                roles("complaint.view", staff.Complaints, staff.Admin, staff.Auditor),
	"POST /staff/complaints/{id}/reveal":        roles("pii.view.complaint_contact", staff.Complaints, staff.Admin),
	"GET /staff/complaints/{id}/evidence/{eid}": roles("pii.view.complaint_evidence", staff.Complaints, staff.Admin),
	"POST /staff/complaints/{id}/acknowledge":   roles("complaint.acknowledge", staff.Complaints, staff.Admin),
	"POST /staff/complaints/{id}/assign":        roles("complaint.assign", staff.Complaints, staff.Admin),
	"POST /staff/complaints/{id}/notes":         roles("complaint.note", staff.Complaints, staff.Admin),
	"POST /staff/complaints/{id}/link":          roles("complaint.link", staff.Complaints, staff.Admin),
	"POST /staff/complaints/{id}/resolve":       roles("complaint.resolve", staff.Complaints, staff.Admin),
	"POST /staff/complaints/{id}/dismiss":       roles("complaint.dismiss", staff.Complaints, staff.Admin),
	"GET /staff/complaint-calendar":             roles("complaint.calendar", staff.Complaints, staff.Admin, staff.Auditor),
	"POST /staff/complaint-calendar":            roles("complaint.calendar.set", staff.Admin),
	"POST /staff/complaint-calendar/remove":     roles("complaint.calendar.remove", staff.Admin),
	"GET /wind-down":                            anyone,
	"GET /staff/retention":                      roles("retention.view", staff.Admin, staff.Auditor),
	"GET /reports":                              anyone,
	"GET /reports/{name}":                       anyone,
	// The reports for the public and the ministry (R-DISC-3, R-DISC-4,
	// R-RPT-1): auditors, finance and admins read and download; finance
	// and admins record that the annual reports went to the ministry.
	"GET /staff/reports":                   roles("report.list", staff.Auditor, staff.Finance, staff.Admin),
	"GET /staff/reports/{file}":            roles("report.download", staff.Auditor, staff.Finance, staff.Admin),
	"POST /staff/reports/{year}/submitted": roles("report.annual.submit", staff.Finance, staff.Admin),

	"GET /my/requests":                                signedIn,
	"POST /my/requests":                               signedIn,
	"GET /my/requests/{id}":                           signedIn,
	"POST /my/requests/{id}":                          signedIn,
	"POST /my/requests/{id}/submit":                   signedIn,
	"GET /my/requests/{id}/submitted":                 signedIn,
	"POST /my/requests/{id}/materials":                signedIn,
	"GET /my/requests/{id}/materials/{mid}":           signedIn,
	"POST /my/requests/{id}/materials/{mid}/withdraw": signedIn,
	"POST /my/requests/{id}/close":                    signedIn,
	"POST /my/requests/{id}/extend":                   signedIn,
	"POST /my/requests/{id}/updates":                  signedIn,
	"GET /my/requests/{id}/edit":                      signedIn,
	"POST /my/requests/{id}/amend":                    signedIn,
	"GET /my/requests/{id}/payouts/new":               signedIn,
	"POST /my/requests/{id}/payouts/new":              signedIn,
	"GET /my/payouts/{id}":                            signedIn,
	"POST /my/payouts/{id}/answer":                    signedIn,
	"POST /my/payouts/{id}/usage":                     signedIn,
	"GET /requests/{id}":                              anyone,
	"GET /requests/{id}/versions":                     anyone,
	"GET /requests/{id}/ledger.csv":                   anyone,

	"GET /staff/review":                                roles("review.queue", staff.Reviewer),
	"GET /staff/review/{id}":                           roles("pii.view.request", staff.Reviewer),
	"POST /staff/review/{id}/claim":                    roles("review.claim", staff.Reviewer),
	"POST /staff/review/{id}/release":                  roles("review.release", staff.Reviewer),
	"POST /staff/review/{id}/ask":                      roles("review.ask_info", staff.Reviewer),
	"POST /staff/review/{id}/reject":                   roles("review.reject", staff.Reviewer),
	"POST /staff/review/{id}/approve":                  roles("review.approve", staff.Reviewer),
	"GET /staff/review/{id}/materials/{mid}":           roles("pii.view.material", staff.Reviewer),
	"POST /staff/review/{id}/materials/{mid}/reviewed": roles("material.reviewed", staff.Reviewer),
	"POST /staff/review/{id}/materials/{mid}/publish":  roles("material.publish", staff.Reviewer),
	"POST /staff/review/{id}/open":                     roles("request.open", staff.Reviewer),
	"POST /staff/review/{id}/close":                    roles("request.close", staff.Reviewer, staff.Admin),
	"GET /staff/patrol":                                roles("patrol.list", staff.Reviewer),
	"POST /staff/patrol/{id}/updates/{uid}/check":      roles("patrol.check", staff.Reviewer),
	"POST /staff/patrol/{id}/updates/{uid}/takedown":   roles("patrol.takedown", staff.Reviewer),
	"POST /staff/members/{id}/conflicts":               roles("review.conflict_add", staff.Admin),
	"GET /staff/payouts":                               roles("payout.queue", staff.Finance, staff.Admin, staff.Auditor),
	"GET /staff/payouts/{id}":                          roles("payout.view", staff.Finance),
	"POST /staff/payouts/{id}/claim":                   roles("payout.claim", staff.Finance),
	"POST /staff/payouts/{id}/ask":                     roles("payout.ask", staff.Finance),
	"POST /staff/payouts/{id}/reject":                  roles("payout.reject", staff.Finance),
	"POST /staff/payouts/{id}/approve":                 roles("payout.approve", staff.Finance),
	"POST /staff/payouts/{id}/reveal":                  roles("pii.view.payout_account", staff.Finance),
	"GET /staff/payouts/{id}/materials/{mid}":          roles("pii.view.material", staff.Finance),
	"GET /staff/charities":                             roles("charity.list", staff.Admin, staff.Reviewer),
	"POST /staff/charities":                            roles("charity.create", staff.Admin),
	"POST /staff/charities/{id}":                       roles("charity.update", staff.Admin),
	"POST /staff/charities/{id}/active":                roles("charity.set_active", staff.Admin),
	"GET /staff/charity-pay":                           roles("charitypay.view", staff.Finance, staff.Admin, staff.Auditor),
	"POST /staff/charity-pay/recipients":               roles("charitypay.recipient.propose", staff.Finance),
	"POST /staff/charity-pay/transfers":                roles("charitypay.transfer.propose", staff.Finance),
	"POST /staff/charity-pay/credits/{id}/recover":     roles("reconcile.match_recovery", staff.Finance),
	"GET /staff/hospitals":                             roles("hospital.list", staff.Finance, staff.Admin, staff.Auditor),
	"POST /staff/hospitals":                            roles("hospital.propose", staff.Finance),
	"POST /staff/hospitals/{id}":                       roles("hospital.change.propose", staff.Finance),
	"POST /staff/hospitals/{id}/deactivate":            roles("hospital.deactivate.propose", staff.Finance),
	"POST /staff/hospitals/{id}/reveal":                roles("pii.view.hospital_account", staff.Finance, staff.Admin),
	"GET /api/v1/openapi.json":                         anyone,
	"GET /api/v1/status":                               anyone,
	"POST /api/v1/signin/code":                         anyone,
	"POST /api/v1/signin":                              anyone,
	"POST /api/v1/signout":                             signedIn,
	"GET /api/v1/me":                                   signedIn,
	"POST /api/v1/me/identity":                         signedIn,
	"GET /api/v1/rules":                                anyone,
	"GET /api/v1/rules/{kind}":                         anyone,
	"GET /api/v1/my/requests":                          signedIn,
	"POST /api/v1/my/requests":                         signedIn,
	"GET /api/v1/my/requests/{id}":                     signedIn,
	"PUT /api/v1/my/requests/{id}":                     signedIn,
	"POST /api/v1/my/requests/{id}/submit":             signedIn,
	"POST /api/v1/my/requests/{id}/materials":          signedIn,
	"GET /api/v1/my/requests/{id}/payouts":             signedIn,
	"POST /api/v1/my/requests/{id}/payouts":            signedIn,
	"POST /api/v1/my/donations/{id}/refund":            signedIn,
	"GET /api/v1/my/refunds":                           signedIn,
	"GET /api/v1/my/payouts/{id}":                      signedIn,
	"POST /api/v1/my/payouts/{id}/answer":              signedIn,
	"POST /api/v1/my/payouts/{id}/usage":               signedIn,
	"GET /api/v1/figures":                              anyone,
	"GET /api/v1/requests":                             anyone,
	"GET /api/v1/requests/{id}":                        anyone,
	"POST /api/v1/requests/{id}/donations":             anyone,
	"GET /api/v1/donations/{no}":                       anyone,
	"GET /requests/{id}/donate":                        anyone,
	"POST /requests/{id}/donate":                       anyone,
	"POST /requests/{id}/share":                        anyone,
	"GET /donations/{no}":                              anyone,
	"GET /donations/{no}/proof":                        anyone, // as the receipt: whoever holds the order number
	"GET /wechat/oauth":                                anyone, // believed only with a state this browser was given
	"GET /my/donations":                                signedIn,
	"GET /my/wind-down":                                signedIn,
	"POST /my/wind-down/{id}/refund":                   signedIn,
	"GET /my/donations/{id}/refund":                    signedIn,
	"POST /my/donations/{id}/refund":                   signedIn,
	"GET /my/requests/{id}/refund-rest":                signedIn,
	"POST /my/requests/{id}/refund-rest":               signedIn,
	"GET /api/v1/my/donations":                         signedIn,
	"POST /pay/notify/{provider}":                      anyone, // believed only once the provider's signature is verified
	"POST /notify/{provider}/refund":                   anyone, // the same: believed only once its signature is verified
	"GET /sandbox/checkout/{id}":                       anyone, // only when the sandbox is configured
	"POST /sandbox/checkout/{id}":                      anyone,
	"/api/v1/":                                         anyone,
	"/":                                                anyone,
	// The content screen (R-CONT-1): reviewers handle held texts and take
	// texts down; admins keep the word list; both read it all.
	"GET /staff/content":                     roles("content.list", staff.Reviewer, staff.Admin),
	"POST /staff/content/terms":              roles("content.term.add", staff.Admin),
	"POST /staff/content/terms/remove":       roles("content.term.remove", staff.Admin),
	"POST /staff/content/records/{id}/clear": roles("content.clear", staff.Reviewer),
	"POST /staff/content/takedown":           roles("content.takedown", staff.Reviewer),
	// The money screens: finance acts, admins and auditors read; admins
	// approve custody changes on the approvals page and may record their
	// report and effect, as they do for the rules documents.
	"GET /staff/bank":                    roles("bank.list", staff.Finance, staff.Admin, staff.Auditor),
	"POST /staff/bank/settle":            roles("bank.settle_now", staff.Finance),
	"POST /staff/bank/statements":        roles("bank.statements_now", staff.Finance),
	"POST /staff/bank/advance":           roles("bank.sandbox_advance", staff.Finance),
	"GET /staff/custody":                 roles("custody.list", staff.Finance, staff.Admin, staff.Auditor),
	"POST /staff/custody":                roles("custody.change.propose", staff.Finance),
	"POST /staff/custody/{id}/report":    roles("custody.change.report", staff.Finance, staff.Admin),
	"POST /staff/custody/{id}/effective": roles("custody.change.make_effective", staff.Finance, staff.Admin),
	"GET /staff/reconcile":               roles("reconcile.list", staff.Finance, staff.Admin, staff.Auditor),
	"POST /staff/reconcile/upload":       roles("reconcile.import", staff.Finance),
	"POST /staff/reconcile/{id}/resolve": roles("reconcile.resolve", staff.Finance),
	"POST /staff/reconcile/{id}/correct": roles("reconcile.correct", staff.Finance),
	"GET /staff/refunds":                 roles("refund.runs", staff.Finance, staff.Admin, staff.Auditor),
	"POST /staff/refunds":                roles("refund.purpose_ended", staff.Finance),
	"GET /staff/refunds/{id}":            roles("refund.run", staff.Finance, staff.Admin, staff.Auditor),
	"POST /staff/refunds/{id}/charity":   roles("refund.to_charity", staff.Finance),
	// Suspension and termination (R-REV-4, R-REF-2): reviewers patrol and
	// suspend, reviewers and admins propose a termination, admins approve
	// it (the proposer never; staff.Policies); finance and auditors read.
	"GET /staff/terminations":                              roles("termination.list", termination.ViewRoles...),
	"POST /staff/requests/{id}/suspend":                    roles("request.suspend", termination.SuspendRoles...),
	"POST /staff/requests/{id}/resume":                     roles("request.resume", termination.SuspendRoles...),
	"POST /staff/requests/{id}/terminate":                  roles("termination.propose", staff.Policies[staff.KindTermination].Proposers...),
	"GET /staff/terminations/{id}":                         roles("termination.view", termination.ViewRoles...),
	"POST /staff/terminations/{id}/decide":                 roles("termination.decide", staff.Policies[staff.KindTermination].Approvers...),
	"POST /staff/terminations/{id}/evidence":               roles("termination.evidence", termination.ReferralRoles...),
	"POST /staff/terminations/{id}/referrals":              roles("termination.referral", termination.ReferralRoles...),
	"POST /staff/terminations/{id}/referrals/{rid}/reveal": roles("pii.view.referral_officer", termination.ReferralRoles...),
	"GET /staff/terminations/{id}/documents/{did}":         roles("termination.document.open", termination.ReferralRoles...),
	// The platform's wind-down (R-WIND-1): an admin proposes it, another
	// admin approves it (staff.Policies); finance and auditors follow it.
	"GET /staff/wind-down":              roles("winddown.view", staff.Admin, staff.Finance, staff.Auditor),
	"POST /staff/wind-down":             roles("winddown.propose", staff.Policies[staff.KindWindDown].Proposers...),
	"POST /staff/wind-down/{id}/decide": roles("winddown.decide", staff.Policies[staff.KindWindDown].Approvers...),
}

// Cookie names. The staff cookie is SameSite=Strict: the console is never
// entered from a link on another site.
const (
	userCookie  = site.UserCookie
	staffCookie = site.StaffCookie
)

// matrix answers the console's questions about the permission matrix.
type matrix struct{}

func (matrix) Allows(pattern string, role staff.Role) bool {
	return slices.Contains(permissions[pattern].roles, role)
}

func (matrix) Action(pattern string) string { return permissions[pattern].action }

// caller is who sent a request, as far as the route needed to know: the
// fields of the site.Caller the guard put in the request's context.
type caller struct {
	user  *session.Session // a signed-in member of the public
	staff *staff.Staff     // a signed-in staff member
	sess  *session.Session // the staff member's session
	token string           // the session cookie's value
}

func callerOf(r *http.Request) *caller {
	c := site.CallerOf(r)
	return &caller{user: c.User, staff: c.Staff, sess: c.Session, token: c.Token}
}

// guard enforces the route's access before its handler runs: 401 for a
// caller who must sign in (a page redirects to the sign-in page), 403 for one
// who may not. Every staff route's outcome goes into the audit log.
func (s *Server) guard(pattern string, h handlerFunc) handlerFunc {
	acc, ok := permissions[pattern]
	if !ok {
		// New refuses to build a server with such a route; this is only a
		// second line.
		return func(http.ResponseWriter, *http.Request) error {
			return apperr.New(apperr.Forbidden, "access.denied")
		}
	}
	switch {
	case acc.anyone:
		return func(w http.ResponseWriter, r *http.Request) error {
			c := &site.Caller{}
			if ck, err := r.Cookie(userCookie); err == nil {
				// Pages for anyone still show "my account" to the signed-in.
				if sess, err := session.Lookup(r.Context(), s.db, session.User, ck.Value, s.now()); err == nil {
					c.User, c.Token = &sess, ck.Value
				}
			}
			return h(w, site.WithCaller(r, c))
		}
	case acc.user:
		return func(w http.ResponseWriter, r *http.Request) error {
			ck, err := r.Cookie(userCookie)
			if err != nil {
				return s.mustSignIn(w, r, "/signin")
			}
			sess, err := session.Lookup(r.Context(), s.db, session.User, ck.Value, s.now())
			if err != nil {
				if apperr.CodeOf(err) == apperr.Unauthorized {
					s.log.Info("refused a session cookie", "route", pattern, "remote", remoteIP(r))
					s.clearCookie(w, r, userCookie)
					return s.mustSignIn(w, r, "/signin")
				}
				return err
			}
			return h(w, site.WithCaller(r, &site.Caller{User: &sess, Token: ck.Value}))
		}
	default:
		return func(w http.ResponseWriter, r *http.Request) error {
			ck, err := r.Cookie(staffCookie)
			if err != nil {
				return s.mustSignIn(w, r, "/staff/signin")
			}
			sess, err := session.Lookup(r.Context(), s.db, session.Staff, ck.Value, s.now())
			if err != nil {
				if apperr.CodeOf(err) == apperr.Unauthorized {
					s.log.Info("refused a staff session cookie", "route", pattern, "remote", remoteIP(r))
					s.clearCookie(w, r, staffCookie)
					return s.mustSignIn(w, r, "/staff/signin")
				}
				return err
			}
			member, err := s.staffService.Get(r.Context(), sess.Subject)
			if err != nil {
				return err
			}
			r = site.WithCaller(r, &site.Caller{Staff: &member, Session: &sess, Token: ck.Value})
			if member.Disabled || member.Locked {
				// Locked or disabled since signing in: the session ends
				// for good, not only in this browser.
				s.audit(r, apperr.New(apperr.Forbidden, "staff.account_inactive"))
				if err := s.staffService.EndSessions(r.Context(), member.ID); err != nil {
					return err
				}
				s.clearCookie(w, r, staffCookie)
				return s.mustSignIn(w, r, "/staff/signin")
			}
			if !slices.Contains(acc.roles, member.Role) {
				err := apperr.New(apperr.Forbidden, "access.denied")
				s.audit(r, err)
				return err
			}
			err = h(w, r)
			if !auditedBy(r) {
				s.audit(r, err)
			}
			return err
		}
	}
}

// mustSignIn answers a caller who is not signed in: a page they asked for
// with GET sends them to sign in and back; anything else is a 401.
func (s *Server) mustSignIn(w http.ResponseWriter, r *http.Request, signIn string) error {
	if r.Method == http.MethodGet && !isAPI(r) {
		http.Redirect(w, r, signIn+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	if signIn == "/signin" && !isAPI(r) && !wantsJSON(r) {
		// A form sent after the session ended (a draft left open
		// overnight): say so, and come back to the page it was sent from.
		// What was saved before is kept; nothing of this form was.
		next := ""
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
			next = localNext(ref.RequestURI())
		}
		return s.renderStatus(w, r, http.StatusUnauthorized, web.SignIn{Next: next,
			Form: web.Form{Message: i18n.T(s.lang(r), "signin.expired")}})
	}
	return apperr.New(apperr.Unauthorized, "access.signin")
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	s.site.ClearCookie(w, r, name)
}

// setSessionCookie hands the browser its session token.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, name, token string) {
	s.site.SetSessionCookie(w, r, name, token)
}

// cookieValue returns the value of the named cookie, or "".
func cookieValue(r *http.Request, name string) string { return site.CookieValue(r, name) }
