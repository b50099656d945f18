package server

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// patientFieldMarked finds the patient's ID number field marked wrong, its
// message right after it.
var patientFieldMarked = regexp.MustCompile(`id="f-patient-id"[^>]*aria-invalid="true">\s*<p class="muted">[^<]*</p>\s*<p class="field-error" role="alert">患者姓名与身份证号码核验不一致`)

// patientVerifier matches only the people it knows.
type patientVerifier map[string]string

func (patientVerifier) Name() string { return "test-provider" }

func (v patientVerifier) Verify(_ context.Context, name string, id idcard.ID) (bool, string, error) {
	if v[id.Number] == name {
		return true, "test: match", nil
	}
	return false, "test: mismatch", nil
}

// TestSubmitChecksThePatient: R-ACC-1 for the patient: a request whose
// patient's name and ID number do not match the identity records is not
// submitted, and the form says so next to the patient's ID number; once
// the name is corrected it is submitted, and both answers are recorded.
func TestSubmitChecksThePatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "李四", "11010519491231002X")
		fl := campaign.Example()
		f.s.platform.Accounts.Verifier = patientVerifier{fl.PatientID: fl.PatientName}
		wrong := fl
		wrong.PatientName = "贾雨村" // a typo in the patient's name
		id := f.startDraft(t)
		page := "/my/requests/" + strconv.FormatInt(id, 10)
		for _, k := range []material.Kind{material.Diagnosis, material.IDDocument, material.CostEstimate, material.Relationship} {
			values := f.formOfFiling(t, fl, f.request(t, id).Revision)
			values.Set("kind", string(k))
			if resp := f.postMultipart(t, page+"/materials", values, testPNG(t)); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("uploading %s: %d", k, resp.StatusCode)
			}
		}
		resp := f.postMultipart(t, page+"/submit", f.formOfFiling(t, wrong, f.request(t, id).Revision), nil)
		text := body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, "患者姓名与身份证号码核验不一致") || !patientFieldMarked.MatchString(text) {
			t.Fatalf("a mismatched patient: %d, want the form with the message at the patient's ID number", resp.StatusCode)
		}
		if st := f.request(t, id).State; st != campaign.Draft {
			t.Fatalf("a mismatched patient's request is %s", st)
		}
		if resp := f.postMultipart(t, page+"/submit", f.formOfFiling(t, fl, f.request(t, id).Revision), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("a matching patient: %d %s", resp.StatusCode, body(t, resp))
		}
		var checks []account.PatientCheck
		db.Read(context.Background(), func(tx *store.Tx) error {
			var err error
			checks, err = account.PatientChecks(context.Background(), tx, id)
			return err
		})
		if len(checks) != 2 || checks[0].Verified || !checks[1].Verified || checks[1].Verifier != "test-provider" {
			t.Fatalf("recorded checks %+v", checks)
		}
		// The reviewer sees both answers.
		resp = f.as(string(staff.Reviewer), "GET", "/staff/review/"+strconv.FormatInt(id, 10), nil)
		if page := body(t, resp); resp.StatusCode != 200 || strings.Count(page, `class="patient-check"`) != 2 || !strings.Contains(page, "test: mismatch") {
			t.Errorf("the review page: %d, want both patient checks", resp.StatusCode)
		}
	})
}
