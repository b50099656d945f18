package account_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// tableVerifier knows some people, counts its calls, and can be down.
type tableVerifier struct {
	people map[string]string // number → name
	calls  int
	down   bool
}

func (*tableVerifier) Name() string { return "table" }

func (v *tableVerifier) Verify(_ context.Context, name string, id idcard.ID) (bool, string, error) {
	v.calls++
	if v.down {
		return false, "", errors.New("timeout asking about " + id.Number)
	}
	if v.people[id.Number] == name {
		return true, "table: match", nil
	}
	return false, "table: mismatch", nil
}

// TestPatientIdentityChecked: R-ACC-1 for the patient: the name and ID
// number are checked with the provider; a mismatch is refused on the
// patient_id field and recorded without personal data; a provider failure
// records nothing; a verified pair is not asked again; the checks a
// publisher causes are limited per day.
func TestPatientIdentityChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := &keyring.Keys{}
		rand.Read(keys.Master[:])
		rand.Read(keys.Index[:])
		v := vault.New(keys)
		f := campaigntest.Filing()
		ver := &tableVerifier{people: map[string]string{f.PatientID: f.PatientName}}
		s := &account.Service{DB: db, Vault: v, Verifier: ver, CodeKey: []byte("k")}
		var user, req int64
		if err := db.Write(ctx, func(tx *store.Tx) error {
			var err error
			if user, err = campaigntest.User(ctx, tx, v, "13800000001"); err != nil {
				return err
			}
			r, err := campaign.Store{Vault: v}.CreateDraft(ctx, tx, user, f)
			req = r.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		checks := func() []account.PatientCheck {
			var out []account.PatientCheck
			db.Read(ctx, func(tx *store.Tx) error {
				var err error
				out, err = account.PatientChecks(ctx, tx, req)
				return err
			})
			return out
		}
		verified := func(name, number string) bool {
			var ok bool
			db.Read(ctx, func(tx *store.Tx) error {
				var err error
				ok, err = s.PatientVerified(ctx, tx, name, number)
				return err
			})
			return ok
		}

		// The provider is down: nothing recorded, try again later.
		ver.down = true
		if err := s.CheckPatient(ctx, user, req, f.PatientName, f.PatientID); apperr.CodeOf(err) != apperr.Unavailable {
			t.Fatalf("provider down: %v, want unavailable", err)
		}
		if n := len(checks()); n != 0 {
			t.Fatalf("a provider failure recorded %d checks", n)
		}
		ver.down = false

		// A mismatch.
		err := s.CheckPatient(ctx, user, req, "王五", f.PatientID)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "patient_id" {
			t.Fatalf("mismatch: %v, want invalid on patient_id", err)
		}
		if verified("王五", f.PatientID) {
			t.Fatal("a mismatched pair counts as verified")
		}
		// Submitting the same mismatch again is refused without asking.
		calls := ver.calls
		if err := s.CheckPatient(ctx, user, req, "王五", f.PatientID); apperr.CodeOf(err) != apperr.Invalid || ver.calls != calls {
			t.Fatalf("the same mismatch again: %v, provider asked %d times", err, ver.calls-calls)
		}
		// A match, recorded; asked once only.
		if err := s.CheckPatient(ctx, user, req, f.PatientName, f.PatientID); err != nil {
			t.Fatal(err)
		}
		calls = ver.calls
		if err := s.CheckPatient(ctx, user, req, f.PatientName, f.PatientID); err != nil || ver.calls != calls {
			t.Fatalf("a verified pair was asked again: %v, %d calls", err, ver.calls-calls)
		}
		if !verified(f.PatientName, f.PatientID) {
			t.Fatal("the verified pair is not verified")
		}
		got := checks()
		if len(got) != 2 || got[0].Verified || !got[1].Verified || got[1].Verifier != "table" || got[1].UserID != user || got[1].Reason != "table: match" {
			t.Fatalf("recorded checks %+v", got)
		}
		// No personal data in clear in the table.
		db.Read(ctx, func(tx *store.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT pair_index, patient_index, verifier, outcome, reason FROM patient_checks`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var cols [5]string
				rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4])
				for _, c := range cols {
					if strings.Contains(c, f.PatientID) || strings.Contains(c, f.PatientName) || strings.Contains(c, "王五") {
						t.Errorf("patient_checks holds personal data: %q", c)
					}
				}
			}
			return nil
		})

		// The daily limit of checks per publisher (2 made so far).
		others := []string{"赵六", "孙七", "周八", "吴九", "郑十", "冯一", "陈二", "褚三", "卫四", "蒋五", "沈六"}
		for i := 2; i < account.PatientChecksPerDay; i++ {
			if err := s.CheckPatient(ctx, user, req, others[i], f.PatientID); apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("check %d: %v", i+1, err)
			}
		}
		calls = ver.calls
		err = s.CheckPatient(ctx, user, req, "韩七", f.PatientID)
		if apperr.CodeOf(err) != apperr.RateLimited || ver.calls != calls {
			t.Fatalf("check over the daily limit: %v (provider called %d times)", err, ver.calls-calls)
		}
	})
}
