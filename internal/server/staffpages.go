package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/incident"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
	"github.com/carefund/carefund/internal/web"
)

// staffSealer seals staff members' TOTP secrets under one data key of the
// vault, kept for the life of the installation, so that `carefund keys
// rotate` re-wraps it with every other data key.
type staffSealer struct{ key *vault.RecordKey }

func (s staffSealer) Seal(aad string, plaintext []byte) ([]byte, error) {
	return s.key.Seal(aad, plaintext), nil
}

func (s staffSealer) Open(aad string, sealed []byte) ([]byte, error) { return s.key.Open(aad, sealed) }

// StaffSealer returns the sealer of staff secrets for the database, making
// its data key on first use.
func StaffSealer(ctx context.Context, db *store.DB, v *vault.Vault) (staff.Sealer, error) {
	return newStaffSealer(ctx, db, v)
}

func newStaffSealer(ctx context.Context, db *store.DB, v *vault.Vault) (staff.Sealer, error) {
	const metaKey = "staff_secrets_data_key"
	var key *vault.RecordKey
	err := db.Write(ctx, func(tx *store.Tx) error {
		var value string
		err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = $1", metaKey).Scan(&value)
		if err == nil {
			id, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return fmt.Errorf("meta %s: %w", metaKey, err)
			}
			key, err = v.Key(ctx, tx, id)
			return err
		}
		if key, err = v.NewKey(ctx, tx); err != nil {
			return err
		}
		return tx.SetMeta(ctx, metaKey, strconv.FormatInt(key.ID, 10))
	})
	if err != nil {
		return nil, fmt.Errorf("the data key of staff secrets: %w", err)
	}
	return staffSealer{key}, nil
}

func newApprovals() *staff.Approvals { return staff.NewApprovals() }

func (s *Server) staffSignInPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, web.StaffSignIn{})
}

// staffSignIn checks username, password and TOTP code together; whatever is
// wrong, the answer is the same (no user enumeration).
func (s *Server) staffSignIn(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	username := limit(r.PostFormValue("username"), 64)
	source := remoteIP(r)
	// The session starts in the transaction that records the sign-in, so
	// the audit log never says "signed in" without one.
	var token string
	rec := func(ctx context.Context, tx *store.Tx, id int64, result, reason string) error {
		actor := "anonymous"
		if id > 0 {
			actor = "staff:" + strconv.FormatInt(id, 10)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{Actor: actor, Action: "staff.sign_in", Object: actor,
			Result: result, Source: source, Detail: reason}); err != nil {
			return err
		}
		if result != audit.ResultOK {
			return nil
		}
		if err := session.End(ctx, tx, cookieValue(r, staffCookie)); err != nil {
			return err
		}
		var err error
		token, _, err = session.Start(ctx, tx, session.Staff, id, source)
		return err
	}
	_, err := staff.Authenticate(r.Context(), s.db, s.sealer, username, r.PostFormValue("password"),
		limit(r.PostFormValue("totp"), 20), s.now(), rec)
	if err != nil {
		return reshow(s, w, r, err, map[string]string{"username": username}, func(f web.Form) (web.StaffSignIn, error) {
			return web.StaffSignIn{Form: f}, nil
		})
	}
	s.setSessionCookie(w, r, staffCookie, token)
	http.Redirect(w, r, "/staff", http.StatusSeeOther)
	return nil
}

func (s *Server) staffSignOut(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if err := s.staffWrite(r, c.staff.Actor(), "", func(tx *store.Tx) error {
		return session.End(r.Context(), tx, c.token)
	}); err != nil {
		return err
	}
	s.clearCookie(w, r, staffCookie)
	http.Redirect(w, r, "/staff/signin", http.StatusSeeOther)
	return nil
}

func (s *Server) staffPasswordPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, web.StaffPassword{Done: r.URL.Query().Get("done") == "1"})
}

// staffPassword changes the signed-in member's password after checking the
// current one and a TOTP code; every other session of theirs ends.
func (s *Server) staffPassword(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	c := callerOf(r)
	source := remoteIP(r)
	var token string
	_, err := staff.ChangePassword(r.Context(), s.db, s.sealer, c.staff.ID, r.PostFormValue("password"), r.PostFormValue("new_password"),
		limit(r.PostFormValue("totp"), 20), s.now(), func(ctx context.Context, tx *store.Tx, id int64, result, reason string) error {
			if _, err := audit.Append(ctx, tx, audit.Record{Actor: c.staff.Actor(), Action: "staff.password_change", Object: c.staff.Actor(),
				Result: result, Source: source, Detail: reason}); err != nil {
				return err
			}
			if result != audit.ResultOK {
				return nil
			}
			if err := session.EndAll(ctx, tx, session.Staff, id); err != nil {
				return err
			}
			var err error
			token, _, err = session.Start(ctx, tx, session.Staff, id, source)
			return err
		})
	markAudited(r)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			// A new password that breaks the rules was refused before any
			// check; it is recorded here.
			s.auditRefusal(r, c.staff.Actor(), "", err)
		}
		return reshow(s, w, r, err, nil, func(f web.Form) (web.StaffPassword, error) { return web.StaffPassword{Form: f}, nil })
	}
	s.setSessionCookie(w, r, staffCookie, token)
	http.Redirect(w, r, "/staff/password?done=1", http.StatusSeeOther)
	return nil
}

// staffSections are the console's sections, each shown to the roles its
// route allows.
var staffSections = []web.NavLink{
	{URL: "/staff/review", Key: "staff.review.title"},
	{URL: "/staff/patrol", Key: "staff.patrol.title"},
	{URL: "/staff/charities", Key: "staff.charities.title"},
	{URL: "/staff/approvals", Key: "staff.approvals.title"},
	{URL: "/staff/members", Key: "staff.members.title"},
	{URL: "/staff/rules", Key: "staff.rules.title"},
	{URL: "/staff/audit", Key: "staff.audit.title"},
	{URL: "/staff/incidents", Key: "staff.incidents.title"},
}

func (s *Server) staffHome(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, s.staffHomeView(r))
}

func (s *Server) staffHomeView(r *http.Request) web.StaffHome {
	role := callerOf(r).staff.Role
	p := web.StaffHome{CanFind: slices.Contains(permissions["POST /staff/users"].roles, role)}
	for _, l := range staffSections {
		if slices.Contains(permissions["GET "+l.URL].roles, role) {
			p.Sections = append(p.Sections, l)
		}
	}
	return p
}

// findUser finds a person by phone number (blind index) and shows their
// page. The search is in the audit log, found or not; the view is recorded
// again by the page. It is a POST so that the number never sits in a URL,
// where proxies and browser histories keep it.
func (s *Server) findUser(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	phone := limit(r.PostFormValue("phone"), 40)
	var id int64
	err := s.staffWrite(r, "users", "", func(tx *store.Tx) (err error) {
		id, err = s.accounts.FindByPhone(r.Context(), tx, phone)
		return err
	})
	if err != nil {
		f, status, ok := formOf(s.lang(r), err, map[string]string{"phone": phone})
		if !ok {
			return err
		}
		p := s.staffHomeView(r)
		p.Form = f
		return s.renderStatus(w, r, status, p)
	}
	http.Redirect(w, r, "/staff/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// auditPage lets the auditor browse and filter the audit log (R-STAFF-1).
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	values := map[string]string{}
	for _, k := range []string{"actor", "action", "object", "result", "from", "to"} {
		values[k] = limit(q.Get(k), 64)
	}
	f := audit.Filter{Actor: values["actor"], Action: values["action"], Object: values["object"], Result: values["result"], Limit: 100}
	form := web.Form{Values: values, Errors: map[string]string{}}
	lang := s.lang(r)
	var err error
	if f.From, err = parseDay(values["from"], false); err != nil {
		form.Errors["from"] = i18n.T(lang, "form.date")
	}
	if f.To, err = parseDay(values["to"], true); err != nil {
		form.Errors["to"] = i18n.T(lang, "form.date")
	}
	if b := q.Get("before"); b != "" {
		if f.Before, err = strconv.ParseInt(b, 10, 64); err != nil || f.Before < 0 {
			return apperr.New(apperr.Invalid, "")
		}
	}
	p := web.StaffAudit{Form: form}
	if len(form.Errors) == 0 {
		var entries []audit.Entry
		if err := s.db.Read(r.Context(), func(tx *store.Tx) error {
			entries, err = audit.List(r.Context(), tx, f)
			return err
		}); err != nil {
			return err
		}
		for _, e := range entries {
			p.Entries = append(p.Entries, web.AuditRow{Seq: e.Seq, At: e.At.In(chinaTime).Format("2006-01-02 15:04:05"),
				Actor: e.Actor, Action: e.Action, Object: e.Object, Result: e.Result, Source: e.Source, Detail: e.Detail, Hash: e.Hash[:12]})
		}
		if len(entries) == f.Limit {
			older := url.Values{}
			for k, v := range values {
				if v != "" {
					older.Set(k, v)
				}
			}
			older.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
			p.Older = "/staff/audit?" + older.Encode()
		}
	}
	return s.render(w, r, p)
}

// parseDay reads a yyyy-mm-dd date in China time; end makes it the end of
// that day. Empty is the zero time.
func parseDay(v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, chinaTime)
	if err != nil {
		return t, err
	}
	if end {
		t = t.Add(24*time.Hour - time.Microsecond)
	}
	return t.UTC(), nil
}

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.membersView(r)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "proposed":
		p.Notice = i18n.T(s.lang(r), "staff.proposed")
	case "unlocked":
		p.Notice = i18n.T(s.lang(r), "staff.unlocked")
	case "conflict":
		p.Notice = i18n.T(s.lang(r), "staff.relate.done")
	}
	return s.render(w, r, p)
}

func (s *Server) membersView(r *http.Request) (web.StaffMembers, error) {
	me := callerOf(r).staff
	p := web.StaffMembers{Self: me.ID, CanEdit: slices.Contains(permissions["POST /staff/members/{id}/role"].roles, me.Role),
		CanRelate: slices.Contains(permissions["POST /staff/members/{id}/conflicts"].roles, me.Role)}
	for _, role := range staff.Roles {
		p.Roles = append(p.Roles, string(role))
	}
	lang := s.lang(r)
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		members, err := staff.List(r.Context(), tx)
		for _, m := range members {
			status := i18n.T(lang, "staff.active")
			switch {
			case m.Disabled:
				status = i18n.T(lang, "staff.disabled")
			case m.Locked:
				status = i18n.T(lang, "staff.locked")
			}
			p.Members = append(p.Members, web.MemberRow{ID: m.ID, Username: m.Username, Role: string(m.Role), Status: status, Locked: m.Locked})
		}
		return err
	})
	return p, err
}

// proposeRole proposes a role change; it takes effect only when a second
// staff member approves it (four eyes).
func (s *Server) proposeRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	me := callerOf(r).staff
	role, reason := r.PostFormValue("role"), limit(r.PostFormValue("reason"), 1000)
	err = s.staffWrite(r, "staff:"+strconv.FormatInt(id, 10), "role:"+auditText(role, 32), func(tx *store.Tx) error {
		parsed, err := staff.ParseRole(role)
		if err != nil {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "role", Key: "staff.role_unknown"}}}
		}
		if _, err := staff.Get(r.Context(), tx, id); err != nil {
			return err
		}
		_, err = s.approvals.Propose(r.Context(), tx, *me, staff.KindRoleChange, "staff:"+strconv.FormatInt(id, 10),
			map[string]any{"staff_id": id, "role": parsed}, reason)
		return err
	})
	if err != nil {
		return reshow(s, w, r, err, nil, func(f web.Form) (web.StaffMembers, error) {
			p, err := s.membersView(r)
			p.Form = f
			return p, err
		})
	}
	http.Redirect(w, r, "/staff/members?done=proposed", http.StatusSeeOther)
	return nil
}

func (s *Server) unlockMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.staffWrite(r, "staff:"+strconv.FormatInt(id, 10), "", func(tx *store.Tx) error {
		return staff.Unlock(r.Context(), tx, id)
	}); err != nil {
		return err
	}
	http.Redirect(w, r, "/staff/members?done=unlocked", http.StatusSeeOther)
	return nil
}

func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.approvalsView(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") != "" {
		p.Notice = i18n.T(s.lang(r), "staff.decided")
	}
	return s.render(w, r, p)
}

func (s *Server) approvalsView(r *http.Request) (web.StaffApprovals, error) {
	lang := s.lang(r)
	p := web.StaffApprovals{Self: callerOf(r).staff.ID}
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		names := map[int64]string{}
		members, err := staff.List(r.Context(), tx)
		if err != nil {
			return err
		}
		for _, m := range members {
			names[m.ID] = m.Username
		}
		for _, st := range []staff.Status{"pending", "approved", "rejected"} {
			list, err := staff.ListProposals(r.Context(), tx, st)
			if err != nil {
				return err
			}
			for _, pr := range list {
				row := web.ProposalRow{ID: pr.ID, Kind: string(pr.Kind), Object: pr.Object, Summary: proposalSummary(lang, pr, names),
					Reason: pr.Reason, ProposedBy: names[pr.ProposedBy], ProposedByID: pr.ProposedBy, At: minute(pr.ProposedAt),
					Status: string(pr.Status), Note: pr.DecisionNote}
				if st == "pending" {
					p.Pending = append(p.Pending, row)
					continue
				}
				row.DecidedBy, row.DecidedAt = names[pr.DecidedBy], minute(pr.DecidedAt)
				p.Decided = append(p.Decided, row)
			}
		}
		if len(p.Decided) > 50 {
			p.Decided = p.Decided[:50]
		}
		return nil
	})
	return p, err
}

// proposalSummary says in words what a proposal would do.
func proposalSummary(lang i18n.Lang, p staff.Proposal, names map[int64]string) string {
	if p.Kind == staff.KindRoleChange {
		var change struct {
			StaffID int64  `json:"staff_id"`
			Role    string `json:"role"`
		}
		if json.Unmarshal(p.Payload, &change) == nil {
			return i18n.T(lang, "staff.summary.role", names[change.StaffID], i18n.T(lang, "role."+change.Role))
		}
	}
	return string(p.Kind) + " " + p.Object
}

// decide approves or rejects a proposal; nobody decides their own.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
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
	me := callerOf(r).staff
	err = s.staffWrite(r, "proposal:"+strconv.FormatInt(id, 10), auditText(r.PostFormValue("decision"), 16), func(tx *store.Tx) error {
		p, err := s.approvals.Decide(r.Context(), tx, *me, id, approve, limit(r.PostFormValue("note"), 1000))
		if err != nil {
			return err
		}
		if approve && p.Kind == staff.KindRoleChange {
			// A changed role takes effect at once: the member signs in again.
			var change struct {
				StaffID int64 `json:"staff_id"`
			}
			if err := json.Unmarshal(p.Payload, &change); err != nil {
				return err
			}
			return session.EndAll(r.Context(), tx, session.Staff, change.StaffID)
		}
		return nil
	})
	if err != nil {
		return reshow(s, w, r, err, nil, func(f web.Form) (web.StaffApprovals, error) {
			p, err := s.approvalsView(r)
			p.Form = f
			return p, err
		})
	}
	http.Redirect(w, r, "/staff/approvals?done=1", http.StatusSeeOther)
	return nil
}

// staffUser shows a user's personal data to the staff who need it. The view
// is written to the audit log before anything is shown (R-PII-1).
func (s *Server) staffUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	object := "user:" + strconv.FormatInt(id, 10)
	p := web.StaffUser{ID: id}
	err = s.staffWrite(r, object, "", func(tx *store.Tx) error {
		u, err := s.accounts.Get(r.Context(), tx, id)
		if err != nil {
			return err
		}
		p.Phone = u.Phone
		ident, err := s.accounts.VerifiedIdentity(r.Context(), tx, id)
		switch {
		case err == nil:
			p.Verified, p.Name, p.Number, p.VerifiedAt = true, ident.Name, ident.Number, minute(ident.CreatedAt)
		case apperr.CodeOf(err) != apperr.NotFound:
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, p)
}

func (s *Server) rulesAdmin(w http.ResponseWriter, r *http.Request) error {
	p, err := s.rulesAdminView(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") != "" {
		p.Notice = i18n.T(s.lang(r), "staff.rules.saved")
	}
	return s.render(w, r, p)
}

func (s *Server) rulesAdminView(r *http.Request) (web.StaffRules, error) {
	lang := s.lang(r)
	var p web.StaffRules
	for _, k := range rules.Kinds {
		p.Kinds = append(p.Kinds, string(k))
	}
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		for _, k := range rules.Kinds {
			v, err := rules.Current(r.Context(), tx, k)
			if err != nil {
				return err
			}
			p.Current = append(p.Current, ruleLink(lang, v))
			d, ok, err := rules.Pending(r.Context(), tx, k)
			if err != nil {
				return err
			}
			if ok {
				p.Drafts = append(p.Drafts, web.DraftRow{ID: d.ID, Kind: string(d.Kind), Title: titleIn(lang, d.Title), Number: d.Number(),
					State: string(d.State), Major: d.IsMajorChange(), Reported: day(d.ReportedAt)})
			}
		}
		return nil
	})
	return p, err
}

func (s *Server) draftRule(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	values := map[string]string{}
	for _, k := range []string{"kind", "major", "title_zh", "title_en", "summary_zh", "summary_en", "body_zh", "body_en"} {
		values[k] = r.PostFormValue(k)
	}
	tr := func(prefix string) map[i18n.Lang]string {
		return map[i18n.Lang]string{i18n.ZH: values[prefix+"_zh"], i18n.EN: values[prefix+"_en"]}
	}
	err := s.staffWrite(r, "rules:"+auditText(values["kind"], 32), "draft", func(tx *store.Tx) error {
		kind := rules.Kind(values["kind"])
		if !slices.Contains(rules.Kinds, kind) {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "kind", Key: "rules.kind_unknown"}}}
		}
		_, err := rules.Draft(r.Context(), tx, kind, values["major"] == "yes", tr("title"), tr("body"), tr("summary"), callerOf(r).staff.Actor())
		return err
	})
	if err != nil {
		return reshow(s, w, r, err, values, func(f web.Form) (web.StaffRules, error) {
			p, err := s.rulesAdminView(r)
			p.Form = f
			return p, err
		})
	}
	http.Redirect(w, r, "/staff/rules?done=1", http.StatusSeeOther)
	return nil
}

// reportRule records that a major change was reported to the ministry
// (R-RULES-3).
func (s *Server) reportRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	return s.ruleStep(w, r, id, func(tx *store.Tx) error {
		on, err := parseDay(r.PostFormValue("reported_on"), false)
		if err != nil || on.IsZero() {
			return &apperr.Error{Code: apperr.Invalid, Fields: []apperr.FieldError{{Field: "reported_on", Key: "form.date"}}}
		}
		_, err = rules.RecordReport(r.Context(), tx, id, on, limit(r.PostFormValue("ref"), 200), callerOf(r).staff.Actor())
		return err
	})
}

func (s *Server) effectiveRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.ruleStep(w, r, id, func(tx *store.Tx) error {
		_, err := rules.MakeEffective(r.Context(), tx, id, callerOf(r).staff.Actor())
		return err
	})
}

func (s *Server) ruleStep(w http.ResponseWriter, r *http.Request, id int64, fn func(tx *store.Tx) error) error {
	err := s.staffWrite(r, "rules-version:"+strconv.FormatInt(id, 10), "", fn)
	if err != nil {
		return reshow(s, w, r, err, nil, func(f web.Form) (web.StaffRules, error) {
			p, err := s.rulesAdminView(r)
			p.Form = f
			return p, err
		})
	}
	http.Redirect(w, r, "/staff/rules?done=1", http.StatusSeeOther)
	return nil
}

func (s *Server) incidentsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.incidentsView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, p)
}

func (s *Server) incidentsView(r *http.Request) (web.StaffIncidents, error) {
	var p web.StaffIncidents
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		list, err := incident.List(r.Context(), tx)
		for _, in := range list {
			p.Incidents = append(p.Incidents, web.IncidentRow{ID: in.ID, Title: in.Title, Status: string(in.Status),
				OpenedAt: minute(in.OpenedAt), Affected: len(in.Affected)})
		}
		return err
	})
	return p, err
}

// openIncident opens a personal-data incident (R-PII-3); the affected people
// come from the audit log.
func (s *Server) openIncident(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	values := map[string]string{}
	for _, k := range []string{"title", "description", "suspect_actor", "from", "to"} {
		values[k] = r.PostFormValue(k)
	}
	var opened incident.Incident
	// Recorded by hand: the record names the incident, whose ID Open makes.
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		in := incident.Input{Title: values["title"], Description: values["description"], SuspectActor: limit(values["suspect_actor"], 64)}
		e := apperr.New(apperr.Invalid, "")
		var err error
		if in.From, err = parseDay(values["from"], false); err != nil || in.From.IsZero() {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "from", Key: "form.date"})
		}
		if in.To, err = parseDay(values["to"], true); err != nil || in.To.IsZero() {
			e.Fields = append(e.Fields, apperr.FieldError{Field: "to", Key: "form.date"})
		}
		if len(e.Fields) > 0 {
			return e
		}
		if opened, err = incident.Open(r.Context(), tx, in, callerOf(r).staff.Actor()); err != nil {
			return err
		}
		_, err = audit.Append(r.Context(), tx, s.record(r, permissions[r.Pattern].action,
			"incident:"+strconv.FormatInt(opened.ID, 10), "", nil))
		return err
	})
	if err != nil {
		s.auditRefusal(r, "incident", "", err)
	}
	markAudited(r)
	if err != nil {
		return reshow(s, w, r, err, values, func(f web.Form) (web.StaffIncidents, error) {
			p, err := s.incidentsView(r)
			p.Form = f
			return p, err
		})
	}
	http.Redirect(w, r, "/staff/incidents/"+strconv.FormatInt(opened.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.incidentView(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, p)
}

func (s *Server) incidentView(r *http.Request, id int64) (web.StaffIncident, error) {
	var p web.StaffIncident
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		in, err := incident.Get(r.Context(), tx, id)
		if err != nil {
			return err
		}
		scope := day(in.From) + " – " + day(in.To)
		if in.SuspectActor != "" {
			scope = in.SuspectActor + " · " + scope
		}
		p = web.StaffIncident{ID: in.ID, Title: in.Title, Description: in.Description, Status: string(in.Status),
			OpenedBy: in.OpenedBy, OpenedAt: minute(in.OpenedAt), Scope: scope, Affected: in.Affected}
		for _, st := range in.Steps {
			p.Steps = append(p.Steps, web.StepRow{At: minute(st.At), By: st.By, Kind: st.Kind, Text: st.Text})
		}
		// The statuses after the current one; SetStatus decides which move
		// is allowed and says why not.
		if i := slices.Index(incident.Statuses, in.Status); i >= 0 {
			for _, st := range incident.Statuses[i+1:] {
				p.Next = append(p.Next, string(st))
			}
		}
		return nil
	})
	return p, err
}

func (s *Server) incidentStep(w http.ResponseWriter, r *http.Request) error {
	return s.incidentChange(w, r, func(tx *store.Tx, id int64) error {
		_, err := incident.AddStep(r.Context(), tx, id, r.PostFormValue("kind"), r.PostFormValue("text"), callerOf(r).staff.Actor())
		return err
	})
}

func (s *Server) incidentStatus(w http.ResponseWriter, r *http.Request) error {
	return s.incidentChange(w, r, func(tx *store.Tx, id int64) error {
		_, err := incident.SetStatus(r.Context(), tx, id, incident.Status(r.PostFormValue("status")), callerOf(r).staff.Actor())
		return err
	})
}

func (s *Server) incidentChange(w http.ResponseWriter, r *http.Request, fn func(tx *store.Tx, id int64) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := form(r); err != nil {
		return err
	}
	err = s.staffWrite(r, "incident:"+strconv.FormatInt(id, 10), auditText(r.PostFormValue("kind")+r.PostFormValue("status"), 32), func(tx *store.Tx) error { return fn(tx, id) })
	if err != nil {
		return reshow(s, w, r, err, map[string]string{"text": r.PostFormValue("text")}, func(f web.Form) (web.StaffIncident, error) {
			p, err := s.incidentView(r, id)
			p.Form = f
			return p, err
		})
	}
	http.Redirect(w, r, "/staff/incidents/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
