package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// lastAudit returns the newest audit entry for an action.
func lastAudit(t *testing.T, db *store.DB, action string) audit.Entry {
	t.Helper()
	var list []audit.Entry
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		list, err = audit.List(context.Background(), tx, audit.Filter{Action: action, Limit: 1})
		return err
	}); err != nil || len(list) == 0 {
		t.Fatalf("no audit entry for %s (%v)", action, err)
	}
	return list[0]
}

// TestRoleChangeNeedsASecondPerson: a role change proposed in the console
// takes effect only when another staff member approves it; the proposer
// cannot approve their own; refusals and approvals are all in the audit log
// with who and what (R-STAFF-1, four eyes).
func TestRoleChangeNeedsASecondPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		target := strconv.FormatInt(f.ids[staff.Reviewer], 10)

		resp := f.as(string(staff.Admin), "POST", "/staff/members/"+target+"/role", url.Values{"role": {"finance"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a proposal without a reason: %d, want 422", resp.StatusCode)
		}
		if e := lastAudit(t, db, "staff.role_change.propose"); e.Result != audit.ResultFailed || e.Actor != "staff:"+strconv.FormatInt(f.ids[staff.Admin], 10) {
			t.Errorf("the refused proposal is logged as %+v", e.Record)
		}

		resp = f.as(string(staff.Admin), "POST", "/staff/members/"+target+"/role", url.Values{"role": {"finance"}, "reason": {"moves to the finance team"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("proposing: %d", resp.StatusCode)
		}
		if e := lastAudit(t, db, "staff.role_change.propose"); e.Result != audit.ResultOK || e.Detail != "role:finance" || e.Object != "staff:"+target {
			t.Errorf("the proposal is logged as %+v", e.Record)
		}
		var pending []staff.Proposal
		db.Read(ctx, func(tx *store.Tx) (err error) { pending, err = staff.ListProposals(ctx, tx, staff.Pending); return err })
		if len(pending) != 1 {
			t.Fatalf("%d pending proposals", len(pending))
		}
		id := strconv.FormatInt(pending[0].ID, 10)

		resp = f.as(string(staff.Admin), "POST", "/staff/approvals/"+id, url.Values{"decision": {"approve"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("approving one's own proposal: %d, want 403", resp.StatusCode)
		}
		if e := lastAudit(t, db, "approval.decide"); e.Result != audit.ResultDenied {
			t.Errorf("the refused approval is logged as %+v", e.Record)
		}
		var member staff.Staff
		db.Read(ctx, func(tx *store.Tx) (err error) { member, err = staff.Get(ctx, tx, f.ids[staff.Reviewer]); return err })
		if member.Role != staff.Reviewer {
			t.Fatalf("the role changed before a second person approved: %s", member.Role)
		}

		resp = f.as(string(staff.SecurityAdmin), "POST", "/staff/approvals/"+id, url.Values{"decision": {"approve"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approval by a second person: %d", resp.StatusCode)
		}
		if e := lastAudit(t, db, "approval.decide"); e.Result != audit.ResultOK || e.Detail != "approve" || e.Actor != "staff:"+strconv.FormatInt(f.ids[staff.SecurityAdmin], 10) {
			t.Errorf("the approval is logged as %+v", e.Record)
		}
		db.Read(ctx, func(tx *store.Tx) (err error) { member, err = staff.Get(ctx, tx, f.ids[staff.Reviewer]); return err })
		if member.Role != staff.Finance {
			t.Errorf("after approval the role is %s, want finance", member.Role)
		}
		// The member signs in again under the new role.
		if _, err := session.Lookup(ctx, db, session.Staff, f.staff[staff.Reviewer], f.s.now()); err == nil {
			t.Error("the member's session outlived the role change")
		}
	})
}

// TestPersonalDataViewIsAudited: a staff view of a person's data is in the
// audit log before the page is sent (R-PII-1, R-STAFF-1), and the incident
// record of a security admin finds the person from it (R-PII-3).
func TestPersonalDataViewIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		user := strconv.FormatInt(f.userID, 10)
		// Found by phone number, through its blind index.
		resp := f.as(string(staff.Reviewer), "POST", "/staff/users", url.Values{"phone": {"138 0013 8000"}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/staff/users/"+user {
			t.Fatalf("finding the user by phone: %d %s", resp.StatusCode, loc)
		}
		if e := lastAudit(t, db, "pii.lookup"); e.Result != audit.ResultOK {
			t.Errorf("the lookup is logged as %+v", e.Record)
		}
		if resp := f.as(string(staff.Reviewer), "POST", "/staff/users", url.Values{"phone": {"13900000000"}}); resp.StatusCode != http.StatusNotFound ||
			!strings.Contains(body(t, resp), `id="phone-err"`) {
			t.Errorf("an unknown phone: %d", resp.StatusCode)
		}
		resp = f.as(string(staff.Reviewer), "GET", "/staff/users/"+user, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("reviewer viewing a user: %d", resp.StatusCode)
		}
		reviewer := "staff:" + strconv.FormatInt(f.ids[staff.Reviewer], 10)
		if e := lastAudit(t, db, "pii.view"); e.Actor != reviewer || e.Object != "user:"+user || e.Result != audit.ResultOK {
			t.Errorf("the view is logged as %+v", e.Record)
		}
		today := f.s.now().In(chinaTime).Format("2006-01-02")
		resp = f.as(string(staff.SecurityAdmin), "POST", "/staff/incidents", url.Values{"type": {"loss"}, "title": {"reviewer laptop lost"},
			"description": {"the laptop had an open session"}, "suspect_actor": {reviewer}, "from": {today}, "to": {today}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("opening an incident: %d\n%s", resp.StatusCode, body(t, resp))
		}
		page := body(t, f.as(string(staff.SecurityAdmin), "GET", resp.Header.Get("Location"), nil))
		if !strings.Contains(page, `<span class="affected">user:`+user+`</span>`) {
			t.Errorf("the incident does not list the person viewed:\n%s", page)
		}
		if e := lastAudit(t, db, "incident.open"); e.Object == "" || e.Object == "incident" {
			t.Errorf("incident.open names no incident: %+v", e.Record)
		}
	})
}

// TestStaffPasswordChange: changing the password asks for the current one
// and a TOTP code; afterwards only the new one signs in, other sessions end,
// and both the refusal and the change are in the audit log (R-ACC-2).
func TestStaffPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		code := func() string { return staff.CodeAt(f.secrets[staff.Finance], f.s.now()) }
		resp := f.as(string(staff.Finance), "POST", "/staff/password", url.Values{"password": {"wrong password!!"}, "new_password": {"a brand new passphrase"}, "totp": {code()}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a wrong current password: %d, want 401", resp.StatusCode)
		}
		if e := lastAudit(t, db, "staff.password_change"); e.Result != audit.ResultDenied {
			t.Errorf("the refusal is logged as %+v", e.Record)
		}
		resp = f.as(string(staff.Finance), "POST", "/staff/password", url.Values{"password": {fixturePassword}, "new_password": {"short"}, "totp": {code()}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body(t, resp), `id="new_password-err"`) {
			t.Errorf("a short new password: %d", resp.StatusCode)
		}
		old := f.staff[staff.Finance]
		resp = f.as(string(staff.Finance), "POST", "/staff/password", url.Values{"password": {fixturePassword}, "new_password": {"a brand new passphrase"}, "totp": {code()}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("changing the password: %d\n%s", resp.StatusCode, body(t, resp))
		}
		if _, err := session.Lookup(ctx, db, session.Staff, old, f.s.now()); err == nil {
			t.Error("the old session outlived the password change")
		}
		rec := func(context.Context, *store.Tx, int64, string, string) error { return nil }
		later := f.s.now().Add(time.Minute) // the next code: each is accepted once
		if _, err := staff.Authenticate(ctx, db, f.s.platform.Sealer, "u-finance", fixturePassword, staff.CodeAt(f.secrets[staff.Finance], later), later, rec); err == nil {
			t.Error("the old password still signs in")
		}
		later = later.Add(time.Minute)
		if _, err := staff.Authenticate(ctx, db, f.s.platform.Sealer, "u-finance", "a brand new passphrase", staff.CodeAt(f.secrets[staff.Finance], later), later, rec); err != nil {
			t.Errorf("the new password: %v", err)
		}
	})
}
