package review

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// service returns the review service over the fixture's stores.
func (f *fixture) service() *Service {
	return &Service{DB: f.db, Campaigns: f.cs, Materials: material.Store{Vault: f.cs.Vault}, Accounts: f.acc}
}

// rec is an audit record of a test action by s.
func rec(s staff.Staff, action string) audit.Record {
	return audit.Record{Actor: s.Actor(), Action: action, Object: "test", Result: audit.ResultOK, Source: "192.0.2.1"}
}

// materials stores one small image of every kind request id requires, as
// its publisher, and returns their ids in the order of material.Required.
func (f *fixture) materials(id int64) []int64 {
	f.t.Helper()
	req := f.request(id)
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		f.t.Fatal(err)
	}
	var ids []int64
	for _, k := range material.Required(req.Filing.Relationship, req.Filing.Target, 0) {
		var m material.Material
		f.write(func(ctx context.Context, tx *store.Tx) (err error) {
			m, err = f.service().Materials.Add(ctx, tx, id, k, bytes.NewReader(b.Bytes()), "file",
				fmt.Sprintf("user:%d", req.PublisherUserID))
			return err
		})
		ids = append(ids, m.ID)
	}
	return ids
}

// TestRelatedStaffRefusedEverywhere: R-REV-3, a staff member related to a
// request (an admin recorded them as related to its publisher) neither sees
// its filing or material, nor marks or publishes material, claims, decides,
// opens or closes its fundraising. Each step is refused with
// apperr.Forbidden KeyConflict, and then done by an unrelated reviewer, so
// that each refusal is the relatedness check's and nothing else's.
func TestRelatedStaffRefusedEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		svc := f.service()
		rel := f.staff("related", staff.Reviewer)
		r2 := f.staff("reviewer2", staff.Reviewer)
		r3 := f.staff("reviewer3", staff.Reviewer)
		admin := f.staff("admin1", staff.Admin)
		pub, _ := f.user(true)
		pub2, _ := f.user(true)
		id := f.submit(pub.ID, f.idNumber(), 600_000_00)
		f.screen(id)
		mats := f.materials(id)
		cert := mats[len(mats)-1]
		// Another request the related reviewer holds before the relation is
		// recorded: a relation recorded after the claim still counts.
		held := f.submit(pub2.ID, f.idNumber(), 300_000_00)
		f.screen(held)
		if err := svc.Claim(ctx, rec(rel, "claim"), held, rel); err != nil {
			t.Fatal(err)
		}
		for _, u := range []int64{pub.ID, pub2.ID} {
			if err := svc.AddConflict(ctx, rec(admin, "conflict"), admin, rel.ID, u, "亲属"); err != nil {
				t.Fatal(err)
			}
		}

		// step is one place that checks relatedness: refused for rel, then
		// done by an unrelated reviewer.
		step := func(name string, fn func(s staff.Staff) error, unrelated staff.Staff) {
			t.Helper()
			t.Run("R-REV-3 "+name, func(t *testing.T) {
				wantErr(t, name, fn(rel), apperr.Forbidden, KeyConflict)
				if unrelated.ID != 0 {
					if err := fn(unrelated); err != nil {
						t.Fatalf("%s by an unrelated reviewer: %v", name, err)
					}
				}
			})
		}
		step("seeing the filing", func(s staff.Staff) error {
			_, err := svc.View(ctx, rec(s, "view"), id, s)
			return err
		}, r2)
		step("seeing a material", func(s staff.Staff) error {
			_, _, err := svc.OpenMaterial(ctx, rec(s, "material"), id, mats[0], s)
			return err
		}, r2)
		for _, m := range mats {
			step("marking material reviewed", func(s staff.Staff) error {
				return svc.MarkReviewed(ctx, rec(s, "reviewed"), id, m, s)
			}, r2)
		}
		step("claiming", func(s staff.Staff) error { return svc.Claim(ctx, rec(s, "claim"), id, s) }, r2)
		if out, err := svc.Approve(ctx, rec(r2, "approve"), id, r2); err != nil || out != FirstApproval {
			t.Fatalf("first approval: %v %v", out, err)
		}
		if err := svc.Claim(ctx, rec(r3, "claim"), id, r3); err != nil {
			t.Fatal(err)
		}
		if out, err := svc.Approve(ctx, rec(r3, "approve"), id, r3); err != nil || out != ApprovedWaiting {
			t.Fatalf("second approval: %v %v", out, err)
		}
		step("publishing the certificate", func(s staff.Staff) error {
			return svc.PublishMaterial(ctx, rec(s, "publish"), id, cert, "医院出具：预计治疗总费用约 65 万元。", s)
		}, r2)
		step("opening fundraising", func(s staff.Staff) error {
			return svc.OpenFundraising(ctx, rec(s, "open"), id, s)
		}, r2)
		step("closing fundraising", func(s staff.Staff) error {
			return svc.Close(ctx, rec(s, "close"), id, campaign.Closing{Reason: campaign.PurposeAchieved}, "", s)
		}, r2)

		// Deciding what one holds, once related: every decision.
		step("approving", func(s staff.Staff) error {
			_, err := svc.Approve(ctx, rec(s, "approve"), held, s)
			return err
		}, staff.Staff{})
		step("asking for more", func(s staff.Staff) error {
			return svc.AskInfo(ctx, rec(s, "ask"), held, s, "请补充费用清单。")
		}, staff.Staff{})
		step("rejecting", func(s staff.Staff) error {
			return svc.Reject(ctx, rec(s, "reject"), held, s, "材料不实。")
		}, staff.Staff{})
		if got := f.request(held).State; got != campaign.InReview {
			t.Errorf("the related reviewer's decisions changed the request to %s", got)
		}
	})
}

// TestApprovalNeedsReviewedMaterial: R-REV-2, a reviewer approves only
// what they checked: while any required material is not marked reviewed,
// the approval is refused with apperr.Conflict material.KeyUnreviewed on
// the approve button's field, and the view says so before they try.
func TestApprovalNeedsReviewedMaterial(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		svc := f.service()
		rv := f.staff("reviewer1", staff.Reviewer)
		pub, _ := f.user(true)
		id := f.submit(pub.ID, f.idNumber(), 300_000_00)
		f.screen(id)
		if err := svc.Claim(ctx, rec(rv, "claim"), id, rv); err != nil {
			t.Fatal(err)
		}
		_, err := svc.Approve(ctx, rec(rv, "approve"), id, rv)
		wantErr(t, "approving without material", err, apperr.Conflict, material.KeyUnreviewed)
		mats := f.materials(id)
		for i, m := range mats {
			v, err := svc.View(ctx, rec(rv, "view"), id, rv)
			if err != nil {
				t.Fatal(err)
			}
			e := apperr.As(v.ApproveBlocked)
			if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != KeyApproveField || e.Args[0] != len(mats)-i {
				t.Fatalf("with %d of %d reviewed the view says %v", i, len(mats), v.ApproveBlocked)
			}
			_, err = svc.Approve(ctx, rec(rv, "approve"), id, rv)
			wantErr(t, fmt.Sprintf("approving with %d of %d reviewed", i, len(mats)), err, apperr.Conflict, material.KeyUnreviewed)
			if err := svc.MarkReviewed(ctx, rec(rv, "reviewed"), id, m, rv); err != nil {
				t.Fatal(err)
			}
		}
		if out, err := svc.Approve(ctx, rec(rv, "approve"), id, rv); err != nil || out != ApprovedOpen {
			t.Fatalf("approving with everything reviewed: %v %v", out, err)
		}
	})
}

// TestFirstApprovalBackInQueue: R-REV-3, after the first of two approvals
// the request is nobody's: it is in the queue for a second reviewer, shown
// as waiting for one, and the first approver cannot take it again.
func TestFirstApprovalBackInQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		svc := f.service()
		r1 := f.staff("reviewer1", staff.Reviewer)
		r2 := f.staff("reviewer2", staff.Reviewer)
		pub, _ := f.user(true)
		id := f.submit(pub.ID, f.idNumber(), 600_000_00)
		f.screen(id)
		for _, m := range f.materials(id) {
			if err := svc.MarkReviewed(ctx, rec(r1, "reviewed"), id, m, r1); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.Claim(ctx, rec(r1, "claim"), id, r1); err != nil {
			t.Fatal(err)
		}
		if out, err := svc.Approve(ctx, rec(r1, "approve"), id, r1); err != nil || out != FirstApproval {
			t.Fatalf("first approval: %v %v", out, err)
		}
		d, err := svc.Desk(ctx, 10, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Queue) != 1 || d.Queue[0].ClaimedBy != 0 || strings.Join(d.Queue[0].FirstApproval, ",") != "reviewer1" {
			t.Errorf("queue %+v, want the request unclaimed, approved once by reviewer1", d.Queue)
		}
		mine, err := svc.View(ctx, rec(r1, "view"), id, r1)
		if err != nil {
			t.Fatal(err)
		}
		if mine.CanClaim || mine.HeldBy != 0 {
			t.Errorf("the first approver may claim it again (%v) or holds it (%d)", mine.CanClaim, mine.HeldBy)
		}
		wantErr(t, "the first approver claiming again", svc.Claim(ctx, rec(r1, "claim"), id, r1), apperr.Forbidden, KeySameReviewer)
		other, err := svc.View(ctx, rec(r2, "view"), id, r2)
		if err != nil {
			t.Fatal(err)
		}
		if !other.CanClaim || len(other.FirstApprovers) != 1 || other.FirstApprovers[0] != r1.ID {
			t.Errorf("the second reviewer sees CanClaim %v, first approvers %v", other.CanClaim, other.FirstApprovers)
		}
	})
}

// TestViewNamesPublisherMasked: R-PII-1, the console names the publisher
// and the actors of a request's records by the masked verified name and
// the masked phone, never by a bare "user:N".
func TestViewNamesPublisherMasked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		svc := f.service()
		rv := f.staff("reviewer1", staff.Reviewer)
		pub, _ := f.user(true)
		unverified, _ := f.user(false)
		id := f.submit(pub.ID, f.idNumber(), money.Fen(300_000_00))
		f.screen(id)
		f.materials(id)
		v, err := svc.View(ctx, rec(rv, "view"), id, rv)
		if err != nil {
			t.Fatal(err)
		}
		want := "李*海 " + pub.Phone[:3] + "****" + pub.Phone[7:]
		if v.Publisher != want {
			t.Errorf("publisher %q, want %q", v.Publisher, want)
		}
		for _, m := range v.Materials {
			if got := v.Who.Of(m.UploadedBy); got != want {
				t.Errorf("uploaded by %q, want %q", got, want)
			}
		}
		for _, e := range v.Events {
			if strings.HasPrefix(v.Who.Of(e.Actor), "user:") {
				t.Errorf("an event names %q", v.Who.Of(e.Actor))
			}
		}
		var name string
		f.write(func(ctx context.Context, tx *store.Tx) (err error) {
			name, err = svc.maskedUser(ctx, tx, unverified.ID)
			return err
		})
		if want := unverified.Phone[:3] + "****" + unverified.Phone[7:]; name != want {
			t.Errorf("an unverified user is named %q, want %q", name, want)
		}
	})
}
