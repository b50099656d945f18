package console

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) error {
	return c.render(w, r, web.StaffSignIn{})
}

// signIn checks username, password and TOTP code together; whatever is
// wrong, the answer is the same (no user enumeration).
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := site.ReadForm(r); err != nil {
		return err
	}
	username := site.Limit(r.PostFormValue("username"), 64)
	token, err := c.Staff.SignIn(r.Context(), username, r.PostFormValue("password"), site.Limit(r.PostFormValue("totp"), 20),
		site.RemoteIP(r), site.CookieValue(r, site.StaffCookie))
	if err != nil {
		return reshow(c, w, r, err, map[string]string{"username": username}, func(f web.Form) (web.StaffSignIn, error) {
			return web.StaffSignIn{Form: f}, nil
		})
	}
	c.Pages.SetSessionCookie(w, r, site.StaffCookie, token)
	return site.Redirect(w, r, "/staff")
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) error {
	caller := site.CallerOf(r)
	if err := c.Auditor.Act(r, caller.Staff.Actor(), "", func(rec audit.Record) error {
		return c.Staff.SignOut(r.Context(), rec, caller.Token)
	}); err != nil {
		return err
	}
	c.Pages.ClearCookie(w, r, site.StaffCookie)
	return site.Redirect(w, r, "/staff/signin")
}

func (c *Console) passwordPage(w http.ResponseWriter, r *http.Request) error {
	return c.render(w, r, web.StaffPassword{Done: site.Params(r).Get("done") == "1"})
}

// password changes the signed-in member's password after checking the
// current one and a TOTP code; every other session of theirs ends.
func (c *Console) password(w http.ResponseWriter, r *http.Request) error {
	if err := site.ReadForm(r); err != nil {
		return err
	}
	m := me(r)
	token, err := c.Staff.ChangePassword(r.Context(), *m, r.PostFormValue("password"), r.PostFormValue("new_password"),
		site.Limit(r.PostFormValue("totp"), 20), site.RemoteIP(r))
	site.MarkAudited(r)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			// A new password that breaks the rules was refused before any
			// check; it is recorded here.
			c.Auditor.Refused(r, m.Actor(), "", err)
		}
		return reshow(c, w, r, err, nil, func(f web.Form) (web.StaffPassword, error) { return web.StaffPassword{Form: f}, nil })
	}
	c.Pages.SetSessionCookie(w, r, site.StaffCookie, token)
	return site.Redirect(w, r, "/staff/password?done=1")
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) error {
	return c.render(w, r, c.homeView(r))
}

// homeView lists the screens of the navigation bar, but the start page
// itself.
func (c *Console) homeView(r *http.Request) web.StaffHome {
	p := web.StaffHome{CanFind: c.may(r, "POST /staff/users")}
	for _, l := range c.Pages.Nav[me(r).Role] {
		if l.URL != "/staff" {
			p.Sections = append(p.Sections, l)
		}
	}
	return p
}

// findUser finds a person by phone number (blind index) and shows their
// page. The search is in the audit log, found or not; the view is recorded
// again by the page. It is a POST so that the number never sits in a URL,
// where proxies and browser histories keep it.
func (c *Console) findUser(w http.ResponseWriter, r *http.Request) error {
	if err := site.ReadForm(r); err != nil {
		return err
	}
	phone := site.Limit(r.PostFormValue("phone"), 40)
	var id int64
	err := c.Auditor.Act(r, "users", "", func(rec audit.Record) (err error) {
		id, err = c.Accounts.Find(r.Context(), rec, phone)
		return err
	})
	if err != nil {
		// Nobody with the number is a message on the form, not a page
		// that does not exist.
		f, status, ok := site.FormOf(lang(r), err, map[string]string{"phone": phone})
		if !ok {
			return err
		}
		p := c.homeView(r)
		p.Form = f
		return c.Pages.RenderStatus(w, r, status, p)
	}
	return site.Redirect(w, r, "/staff/users/"+strconv.FormatInt(id, 10))
}

// staffUser shows a user's personal data to the staff who need it. The view
// is written to the audit log before anything is shown (R-PII-1).
func (c *Console) staffUser(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	var prof account.Profile
	if err := c.Auditor.Act(r, "user:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) (err error) {
		prof, err = c.Accounts.ViewProfile(r.Context(), rec, id)
		return err
	}); err != nil {
		return err
	}
	p := web.StaffUser{ID: id, Phone: prof.User.Phone}
	if ident := prof.Identity; ident != nil {
		p.Verified, p.Name, p.Number, p.VerifiedAt = true, ident.Name, ident.Number, site.Minute(ident.CreatedAt)
	}
	w.Header().Set("Cache-Control", "no-store")
	return c.render(w, r, p)
}

func (c *Console) membersPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.MembersView(r)
	if err != nil {
		return err
	}
	switch site.Params(r).Get("done") {
	case "proposed":
		p.Notice = i18n.T(lang(r), "staff.proposed")
	case "unlocked":
		p.Notice = i18n.T(lang(r), "staff.unlocked")
	case "conflict":
		p.Notice = i18n.T(lang(r), "staff.relate.done")
	}
	return c.render(w, r, p)
}

// MembersView is the members page as the signed-in member sees it; the
// review console shows it again when a conflict of interest is refused.
func (c *Console) MembersView(r *http.Request) (web.StaffMembers, error) {
	m := me(r)
	p := web.StaffMembers{Self: m.ID, CanEdit: c.may(r, "POST /staff/members/{id}/role"),
		CanRelate: c.may(r, "POST /staff/members/{id}/conflicts")}
	for _, role := range staff.Roles {
		p.Roles = append(p.Roles, string(role))
	}
	members, err := c.Staff.Members(r.Context())
	if err != nil {
		return p, err
	}
	l := lang(r)
	for _, m := range members {
		status := i18n.T(l, "staff.active")
		switch {
		case m.Disabled:
			status = i18n.T(l, "staff.disabled")
		case m.Locked && !m.LockedUntil.IsZero():
			status = i18n.T(l, "staff.locked_until", site.Minute(m.LockedUntil))
		case m.Locked:
			status = i18n.T(l, "staff.locked")
		}
		p.Members = append(p.Members, web.MemberRow{ID: m.ID, Username: m.Username, Role: string(m.Role), Status: status, Locked: m.Locked})
	}
	return p, nil
}

// proposeRole proposes a role change; it takes effect only when a second
// staff member approves it (four eyes).
func (c *Console) proposeRole(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	role, reason := r.PostFormValue("role"), site.Limit(r.PostFormValue("reason"), 1000)
	err = c.Auditor.Act(r, "staff:"+strconv.FormatInt(id, 10), "role:"+site.AuditText(role, 32), func(rec audit.Record) error {
		return c.Staff.ProposeRole(r.Context(), rec, *me(r), id, role, reason)
	})
	if err != nil {
		return reshow(c, w, r, err, nil, func(f web.Form) (web.StaffMembers, error) {
			p, err := c.MembersView(r)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/members?done=proposed")
}

func (c *Console) unlockMember(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := c.Auditor.Act(r, "staff:"+strconv.FormatInt(id, 10), "", func(rec audit.Record) error {
		return c.Staff.Unlock(r.Context(), rec, id)
	}); err != nil {
		return err
	}
	return site.Redirect(w, r, "/staff/members?done=unlocked")
}

func (c *Console) approvalsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := c.approvalsView(r)
	if err != nil {
		return err
	}
	if site.Params(r).Get("done") != "" {
		p.Notice = i18n.T(lang(r), "staff.decided")
	}
	return c.render(w, r, p)
}

func (c *Console) approvalsView(r *http.Request) (web.StaffApprovals, error) {
	l := lang(r)
	p := web.StaffApprovals{Self: me(r).ID}
	b, err := c.Staff.Board(r.Context())
	if err != nil {
		return p, err
	}
	row := func(pr staff.Proposal) web.ProposalRow {
		summary := proposalSummary(l, pr, b.Names)
		if pr.Kind == staff.KindCustodyChange {
			if s, ok := c.custodySummary(r, l, pr); ok {
				summary = s
			}
		}
		return web.ProposalRow{ID: pr.ID, Kind: string(pr.Kind), Object: pr.Object, Summary: summary,
			Reason: pr.Reason, ProposedBy: b.Names[pr.ProposedBy], ProposedByID: pr.ProposedBy, At: site.Minute(pr.ProposedAt),
			Status: string(pr.Status), Note: pr.DecisionNote}
	}
	for _, pr := range b.Pending {
		p.Pending = append(p.Pending, row(pr))
	}
	for _, pr := range b.Decided {
		d := row(pr)
		d.DecidedBy, d.DecidedAt = b.Names[pr.DecidedBy], site.Minute(pr.DecidedAt)
		p.Decided = append(p.Decided, d)
	}
	return p, nil
}

// proposalSummary says in words what a proposal would do.
func proposalSummary(l i18n.Lang, p staff.Proposal, names map[int64]string) string {
	if p.Kind == staff.KindHospital {
		if s, ok := hospitalSummary(l, p); ok {
			return s
		}
	}
	if s, ok := charityPaySummary(l, p); ok {
		return s
	}
	if p.Kind == staff.KindRoleChange {
		var change struct {
			StaffID int64  `json:"staff_id"`
			Role    string `json:"role"`
		}
		if json.Unmarshal(p.Payload, &change) == nil {
			return i18n.T(l, "staff.summary.role", names[change.StaffID], i18n.T(l, "role."+change.Role))
		}
	}
	if p.Kind == staff.KindAccountCreate {
		var ac staff.AccountCreate
		if json.Unmarshal(p.Payload, &ac) == nil {
			return i18n.T(l, "staff.summary.account_create", names[ac.StaffID], i18n.T(l, "role."+string(ac.Role)), ac.By)
		}
	}
	if p.Kind == staff.KindWindDown {
		return i18n.T(l, "staff.summary.wind_down")
	}
	return string(p.Kind) + " " + p.Object
}

// decide approves or rejects a proposal; nobody decides their own.
func (c *Console) decide(w http.ResponseWriter, r *http.Request) error {
	id, err := site.PathID(r)
	if err != nil {
		return err
	}
	if err := site.ReadForm(r); err != nil {
		return err
	}
	var approve bool
	switch r.PostFormValue("decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		return apperr.New(apperr.Invalid, "staff.decision_missing")
	}
	err = c.Auditor.Act(r, "proposal:"+strconv.FormatInt(id, 10), site.AuditText(r.PostFormValue("decision"), 16), func(rec audit.Record) error {
		return c.Staff.Decide(r.Context(), rec, *me(r), id, approve, site.Limit(r.PostFormValue("note"), 1000))
	})
	if err != nil {
		return reshow(c, w, r, err, nil, func(f web.Form) (web.StaffApprovals, error) {
			p, err := c.approvalsView(r)
			p.Form = f
			return p, err
		})
	}
	return site.Redirect(w, r, "/staff/approvals?done=1")
}
