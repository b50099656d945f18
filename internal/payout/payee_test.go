package payout

import (
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
)

// TestCheckPayee proves that only the payees R-DISB-2 names can be chosen,
// each with what makes it lawful, and that the mode restricts them.
// R-DISB-2, R-REF-3, R-DISB-3
func TestCheckPayee(t *testing.T) {
	requester := Payee{Kind: ToRequester}
	guardian := Payee{Kind: ToGuardian, ProofReviewed: true, DesignatedBy: ByGuardian}
	relative := Payee{Kind: ToRelative, Relationship: campaign.Spouse, ProofReviewed: true, DesignatedBy: ByRequester}
	hospital := Payee{Kind: ToHospital, HospitalListed: true, DesignatedBy: ByRequester}
	with := func(p Payee, f func(*Payee)) Payee { f(&p); return p }
	bad := "invalid " + KeyInvalid + " "
	tests := []struct {
		name  string
		mode  Mode
		p     Payee
		batch bool
		want  string
	}{
		{"direct: requester's own account", Direct, requester, false, ""},
		{"direct: requester needs no designation", Direct, with(requester, func(p *Payee) { p.DesignatedBy = "" }), false, ""},
		{"direct: guardian", Direct, guardian, false, ""},
		{"direct: close relative", Direct, relative, false, ""},
		{"direct: hospital", Direct, hospital, false, ""},
		{"no kind", Direct, Payee{}, false, bad + "payee:" + KeyPayeeKind},
		{"a partner", Direct, Payee{Kind: "partner", DesignatedBy: ByRequester}, false, bad + "payee:" + KeyPayeeKind},
		{"publisher", Direct, Payee{Kind: "publisher"}, false, bad + "payee:" + KeyPayeeKind},
		{"relative: other relative", Direct, with(relative, func(p *Payee) { p.Relationship = campaign.OtherRelative }), false, bad + "payee_relationship:" + KeyPayeeNotClose},
		{"relative: other", Direct, with(relative, func(p *Payee) { p.Relationship = campaign.Other }), false, bad + "payee_relationship:" + KeyPayeeNotClose},
		{"relative: none given", Direct, with(relative, func(p *Payee) { p.Relationship = "" }), false, bad + "payee_relationship:" + KeyPayeeNotClose},
		{"relative: unproven", Direct, with(relative, func(p *Payee) { p.ProofReviewed = false }), false, bad + "payee_proof:" + KeyPayeeProof},
		{"guardian: unproven", Direct, with(guardian, func(p *Payee) { p.ProofReviewed = false }), false, bad + "payee_proof:" + KeyPayeeProof},
		{"relative: designated by the publisher alone", Direct, with(relative, func(p *Payee) { p.DesignatedBy = "" }), false, bad + "payee_designation:" + KeyPayeeDesignation},
		{"relative: designated by someone else", Direct, with(relative, func(p *Payee) { p.DesignatedBy = "publisher" }), false, bad + "payee_designation:" + KeyPayeeDesignation},
		{"guardian: undesignated", Direct, with(guardian, func(p *Payee) { p.DesignatedBy = "" }), false, bad + "payee_designation:" + KeyPayeeDesignation},
		{"hospital: undesignated", Direct, with(hospital, func(p *Payee) { p.DesignatedBy = "" }), false, bad + "payee_designation:" + KeyPayeeDesignation},
		{"hospital: outside the directory", Direct, with(hospital, func(p *Payee) { p.HospitalListed = false }), false, bad + "hospital:" + KeyPayeeHospital},
		{"every fault at once", Direct, Payee{Kind: ToRelative, Relationship: campaign.Other}, false,
			bad + "payee_relationship:" + KeyPayeeNotClose + " payee_proof:" + KeyPayeeProof + " payee_designation:" + KeyPayeeDesignation},
		{"restricted: hospital", HospitalOrBatches, hospital, false, ""},
		{"restricted: hospital in a batch", HospitalOrBatches, hospital, true, ""},
		{"restricted: requester refused", HospitalOrBatches, requester, false, bad + "payee:" + KeyPayeeHospitalOnly},
		{"restricted: guardian refused", HospitalOrBatches, guardian, false, bad + "payee:" + KeyPayeeHospitalOnly},
		{"restricted: relative refused", HospitalOrBatches, relative, false, bad + "payee:" + KeyPayeeHospitalOnly},
		{"restricted: requester in a batch", HospitalOrBatches, requester, true, ""},
		{"restricted: relative in a batch", HospitalOrBatches, relative, true, ""},
		{"restricted: unlisted hospital", HospitalOrBatches, with(hospital, func(p *Payee) { p.HospitalListed = false }), false, bad + "hospital:" + KeyPayeeHospital},
		{"unknown mode restricts", "", requester, false, bad + "payee:" + KeyPayeeHospitalOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(CheckPayee(tt.mode, tt.p, tt.batch)); got != tt.want {
				t.Errorf("CheckPayee = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCheckBatch proves that a batch to a person is paid only once its plan
// or expense list is reviewed and public.
// R-DISB-3
func TestCheckBatch(t *testing.T) {
	unpublished := "conflict " + KeyBatchUnpublished
	tests := []struct {
		mode      Mode
		kind      PayeeKind
		published bool
		want      string
	}{
		{Direct, ToRequester, false, ""},
		{Direct, ToRelative, false, ""},
		{HospitalOrBatches, ToHospital, false, ""},
		{HospitalOrBatches, ToRequester, false, unpublished},
		{HospitalOrBatches, ToGuardian, false, unpublished},
		{HospitalOrBatches, ToRelative, false, unpublished},
		{HospitalOrBatches, ToRequester, true, ""},
		{HospitalOrBatches, ToRelative, true, ""},
		{HospitalOrBatches, "partner", true, ""}, // refused by CheckPayee, not here
		{HospitalOrBatches, "partner", false, unpublished},
	}
	for _, tt := range tests {
		if got := describe(CheckBatch(tt.mode, tt.kind, tt.published)); got != tt.want {
			t.Errorf("CheckBatch(%s, %s, %v) = %q, want %q", tt.mode, tt.kind, tt.published, got, tt.want)
		}
	}
}

// TestCloseRelative proves which relationships make a close relative.
// R-DISB-2
func TestCloseRelative(t *testing.T) {
	want := map[campaign.Relationship]bool{
		campaign.Spouse: true, campaign.Parent: true, campaign.Child: true, campaign.Sibling: true,
		campaign.Grandparent: true, campaign.Grandchild: true,
	}
	for _, r := range append(campaign.Relationships, "", "friend") {
		if got := CloseRelative(r); got != want[r] {
			t.Errorf("CloseRelative(%q) = %v, want %v", r, got, want[r])
		}
	}
}

// TestParsePayeeKind proves the closed list of payees a form may send.
// R-REF-3
func TestParsePayeeKind(t *testing.T) {
	tests := []struct {
		in   string
		want PayeeKind
		err  bool
	}{
		{"requester", ToRequester, false},
		{" Hospital ", ToHospital, false},
		{"GUARDIAN", ToGuardian, false},
		{"relative", ToRelative, false},
		{"", "", true},
		{"partner", "", true},
		{"publisher", "", true},
		{"requester2", "", true},
		{"relat\u0131ve", "", true},
	}
	for _, tt := range tests {
		got, err := ParsePayeeKind(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("ParsePayeeKind(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && describe(err) != "invalid "+KeyInvalid+" payee:"+KeyPayeeKind {
			t.Errorf("ParsePayeeKind(%q) error = %s", tt.in, describe(err))
		}
	}
}

func FuzzParsePayeeKind(f *testing.F) {
	for _, s := range []string{"requester", "guardian", "relative", "hospital", " HOSPITAL\t", "", "partner", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePayeeKind(s)
		if err != nil {
			if k != "" || apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("ParsePayeeKind(%q) = %q, %v", s, k, err)
			}
			return
		}
		valid := false
		for _, x := range PayeeKinds {
			valid = valid || k == x
		}
		if !valid {
			t.Fatalf("ParsePayeeKind(%q) = %q, not a payee kind", s, k)
		}
		// A parsed kind passes the kind check of CheckPayee.
		if e := apperr.As(CheckPayee(Direct, Payee{Kind: k}, false)); e != nil {
			for _, fe := range e.Fields {
				if fe.Key == KeyPayeeKind {
					t.Fatalf("CheckPayee refuses parsed kind %q", k)
				}
			}
		}
	})
}
