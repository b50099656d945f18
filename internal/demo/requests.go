package demo

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Phone returns the phone number of the n-th demonstration publisher (n
// from 1), in the 170 0000 range (PhonePrefix).
func Phone(n int) string { return fmt.Sprintf("%s%04d", PhonePrefix, n) }

// The sequence codes of the demonstration ID numbers: publishers from 1,
// patients who do not publish for themselves from 101. Every number is
// idcard.Demo's for 1 January 1900, region 110101, so idcard.IsDemo
// recognises it.
const patientSeq = 100

func demoID(seq int) string { return idcard.Demo(seq * 365) }

// loader walks the demonstration requests through the life cycle with the
// same functions the web pages call, as the demonstration staff.
type loader struct {
	ctx       context.Context
	tx        *store.Tx
	accounts  *account.Service
	campaigns campaign.Store
	materials material.Store
	// reviewer and second are the two demonstration reviewers (R-REV-3);
	// finance settles.
	reviewer, second, finance staff.Staff
}

// loadRequests stores every request of specs and returns their ids in
// order.
func (l *loader) loadRequests() ([]int64, error) {
	ids := make([]int64, 0, len(specs))
	for i, s := range specs {
		id, err := l.load(i+1, s)
		if err != nil {
			return nil, fmt.Errorf("demo request %d (%s): %w", i+1, s.state, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// filing returns the filing of s for the patient's ID number.
func (s spec) filing(patientID string) campaign.Filing {
	patient := s.patient
	if patient == "" {
		patient = s.publisher
	}
	var target money.Fen
	for _, u := range s.use {
		target += u.Amount
	}
	d := make(map[campaign.Topic]campaign.Disclosure, len(campaign.Topics))
	for _, t := range campaign.Topics {
		a, yes := s.means[t]
		a.Answered, a.Yes = true, yes
		d[t] = a
	}
	return campaign.Filing{
		Title:        TitlePrefix + s.title,
		Relationship: s.rel, RelationshipDetail: s.relDetail, RelationshipProof: s.rel.NeedsProof(),
		PatientName: patient, PatientID: patientID,
		Diagnosis: s.diagnosis, HospitalName: s.hospital, HospitalCity: s.city,
		Story:  s.story + Notice,
		Target: target,
		Use:    s.use,
		// The hospital's estimates are a little above what is asked:
		// insurance and savings cover the rest.
		EstimatedCosts: target + target/10,
		// The demonstration people "ticked" both boxes: a filing cannot
		// be submitted otherwise (R-RULES-4, R-RULES-2).
		Disclosures: d, Truthful: "yes", Consent: "yes",
	}
}

// load stores the n-th request and moves it to s.state.
func (l *loader) load(n int, s spec) (int64, error) {
	ctx, tx, cs := l.ctx, l.tx, l.campaigns
	u, err := l.accounts.EnsureUser(ctx, tx, Phone(n))
	if err != nil {
		return 0, err
	}
	// The publisher is verified by real name before filing (R-ACC-1); a
	// patient who publishes for themselves is that identity.
	if err := l.accounts.RecordDemoIdentity(ctx, tx, u.ID, s.publisher, demoID(n)); err != nil {
		return 0, err
	}
	patientID := demoID(n)
	if s.patient != "" {
		patientID = demoID(patientSeq + n)
	}
	f := s.filing(patientID)
	r, err := cs.CreateDraft(ctx, tx, u.ID, f)
	if err != nil {
		return 0, err
	}
	id := r.ID
	kinds := material.Required(s.rel, f.Target, 0)
	if s.state == campaign.Draft {
		// Still being filled in: the cost estimate is yet to come.
		kinds = kinds[:2]
	}
	for _, k := range kinds {
		img := documentPNG(k, strconv.Itoa(n))
		if _, err := l.materials.Add(ctx, tx, id, k, bytes.NewReader(img), "file", u.Actor()); err != nil {
			return 0, fmt.Errorf("material %s: %w", k, err)
		}
	}
	if s.state == campaign.Draft {
		return id, nil
	}
	if _, err := cs.Submit(ctx, tx, id, u.ID, r.Revision, tx.Now); err != nil {
		return 0, err
	}
	// Submitted and screening pass at once: the machine screen runs here.
	res, err := review.Screen(ctx, tx, cs, id, campaign.SystemActor)
	if err != nil {
		return 0, err
	}
	if res.Level == screen.Blocked {
		return 0, fmt.Errorf("the machine screen blocked it")
	}
	switch s.state {
	case campaign.InReview:
		if s.firstApproval {
			if err := l.markReviewed(id, l.reviewer); err != nil {
				return 0, err
			}
			return id, l.approveOnce(id, l.reviewer, false)
		}
		return id, nil
	case campaign.NeedsInfo:
		if err := review.Claim(ctx, tx, id, l.reviewer); err != nil {
			return 0, err
		}
		return id, review.AskInfo(ctx, tx, cs, id, l.reviewer, s.text)
	case campaign.Rejected:
		if err := review.Claim(ctx, tx, id, l.reviewer); err != nil {
			return 0, err
		}
		return id, review.Reject(ctx, tx, cs, id, l.reviewer, s.text)
	}
	return id, l.publish(s, id, u)
}

// markReviewed marks every material of request id reviewed by rv, as a
// reviewer does before approving it (R-REV-2).
func (l *loader) markReviewed(id int64, rv staff.Staff) error {
	mats, err := l.materials.List(l.ctx, l.tx, id)
	if err != nil {
		return err
	}
	for _, m := range mats {
		if err := l.materials.MarkReviewed(l.ctx, l.tx, id, m.ID, rv.Actor()); err != nil {
			return err
		}
	}
	return nil
}

// approveOnce claims request id as rv and approves it, expecting the
// approval to be final or not.
func (l *loader) approveOnce(id int64, rv staff.Staff, final bool) error {
	if err := review.Claim(l.ctx, l.tx, id, rv); err != nil {
		return err
	}
	ok, err := review.Approve(l.ctx, l.tx, l.campaigns, id, rv)
	if err != nil {
		return err
	}
	if ok != final {
		return fmt.Errorf("approval by %s: final %v, want %v", rv.Username, ok, final)
	}
	return nil
}

// publish approves request id, publishes it and takes it on from approved
// to s.state, as the review console does.
func (l *loader) publish(s spec, id int64, u account.User) error {
	ctx, tx, cs := l.ctx, l.tx, l.campaigns
	req, err := cs.Get(ctx, tx, id)
	if err != nil {
		return err
	}
	// Above the cap, two different reviewers approve (R-REV-3).
	sc, err := review.LastScreening(ctx, tx, id)
	if err != nil {
		return err
	}
	// Every material is checked before anyone approves (R-REV-2).
	if err := l.markReviewed(id, l.reviewer); err != nil {
		return err
	}
	approver := l.reviewer
	if review.NeedsTwoReviewers(sc.Level, req.Filing.Target) {
		if err := l.approveOnce(id, l.reviewer, false); err != nil {
			return err
		}
		approver = l.second
	}
	if err := l.approveOnce(id, approver, true); err != nil {
		return err
	}
	mats, err := l.materials.List(ctx, tx, id)
	if err != nil {
		return err
	}
	if _, _, err := cs.Publish(ctx, tx, id, approver.Actor()); err != nil {
		return err
	}
	if s.state == campaign.Approved {
		// The certificate is reviewed but not yet published, so the
		// channel cannot open (R-REQ-4).
		return nil
	}
	for _, m := range mats {
		if m.Kind.Publishable() {
			summary := "【演示】" + s.hospital + "出具的书面证明：患者所需治疗费用超过 50 万元（演示数据）。"
			if err := l.materials.Publicize(ctx, tx, id, m.ID, summary, approver.Actor()); err != nil {
				return err
			}
		}
	}
	if mats, err = l.materials.List(ctx, tx, id); err != nil {
		return err
	}
	o := material.Opening(mats, campaign.Opening{Target: req.Filing.Target})
	if _, err := cs.OpenFundraising(ctx, tx, id, o, s.period, approver.Actor()); err != nil {
		return err
	}
	if s.amend != "" {
		req, err := cs.Get(ctx, tx, id)
		if err != nil {
			return err
		}
		f := req.Filing
		f.Story = s.story + s.amend + Notice
		if _, err := cs.Amend(ctx, tx, id, req.Revision, f, tx.Now); err != nil {
			return err
		}
		if _, _, err := cs.Publish(ctx, tx, id, l.reviewer.Actor()); err != nil {
			return err
		}
	}
	for _, up := range s.updates {
		posted, err := cs.PostUpdate(ctx, tx, id, u.ID, up.body)
		if err != nil {
			return err
		}
		if up.checked {
			if err := cs.CheckUpdate(ctx, tx, id, posted.ID, l.reviewer.Actor()); err != nil {
				return err
			}
		}
		if up.takedown != "" {
			if err := cs.TakeDown(ctx, tx, id, posted.ID, up.takedown, l.reviewer.Actor()); err != nil {
				return err
			}
		}
	}
	switch {
	case s.byDonations:
		// Closed by its donations, after this transaction (donations.go).
	case s.state == campaign.Closed || s.state == campaign.Completed:
		// The platform closes at the target or the deadline; the family
		// reports a purpose achieved or gone.
		actor := u.Actor()
		if s.closing.Reason == campaign.TargetReached || s.closing.Reason == campaign.PeriodEnded {
			actor = campaign.SystemActor
		}
		if _, err := cs.Close(ctx, tx, id, s.closing, s.closeNote, actor); err != nil {
			return err
		}
		if s.state == campaign.Completed {
			// Settlement (payouts, refunds) arrives with a later issue:
			// the request passes through it.
			for _, ev := range []campaign.Event{campaign.Settle, campaign.Complete} {
				if _, err := cs.Apply(ctx, tx, id, ev, l.finance.Actor(), ""); err != nil {
					return err
				}
			}
		}
	case s.state == campaign.Suspended:
		if _, err := cs.Apply(ctx, tx, id, campaign.Suspend, l.reviewer.Actor(), s.text); err != nil {
			return err
		}
	}
	return nil
}

// newLoader returns a loader in tx with the demonstration staff.
func newLoader(ctx context.Context, tx *store.Tx, v *vault.Vault, byName map[string]staff.Staff) (*loader, error) {
	l := &loader{ctx: ctx, tx: tx, accounts: &account.Service{Vault: v},
		campaigns: campaign.Store{Vault: v}, materials: material.Store{Vault: v},
		reviewer: byName[reviewerName], second: byName[secondReviewerName], finance: byName[financeName]}
	for name, s := range map[string]staff.Staff{reviewerName: l.reviewer, secondReviewerName: l.second, financeName: l.finance} {
		if s.ID == 0 {
			return nil, fmt.Errorf("demo: staff account %s is missing", name)
		}
	}
	return l, nil
}
