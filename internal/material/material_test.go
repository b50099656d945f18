package material

import (
	"slices"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
)

func TestKinds(t *testing.T) {
	want := []Kind{"diagnosis", "id_document", "relationship", "cost_estimate", "certificate", "expense_list", "other"}
	if !slices.Equal(Kinds, want) {
		t.Fatalf("Kinds = %v, want %v", Kinds, want)
	}
	for _, k := range Kinds {
		if !k.Valid() {
			t.Errorf("%s is not Valid", k)
		}
		for _, key := range []string{k.NameKey(), k.HintKey()} {
			if !i18n.Has(key) {
				t.Errorf("%s is not in the catalog", key)
			}
		}
	}
	for _, k := range []Kind{"", "Diagnosis", "photo", "diagnosis "} {
		if k.Valid() {
			t.Errorf("%q is Valid", k)
		}
	}
	for _, key := range []string{KeyKindInvalid, KeyTooMany, KeyNotReviewed, KeyNotPublishable, KeyWithdrawn,
		KeyPublished, KeyMissing, KeyMissingKind} {
		if !i18n.Has(key) {
			t.Errorf("%s is not in the catalog", key)
		}
	}
}

// R-REQ-3: diagnosis, ID documents and cost estimate always, relationship
// proof unless the publisher is the patient. R-REQ-4: the certificate above
// ¥500,000. R-REQ-5: the expense list for a further request above it.
func TestRequired(t *testing.T) {
	base := []Kind{Diagnosis, IDDocument, CostEstimate}
	withRel := []Kind{Diagnosis, IDDocument, Relationship, CostEstimate}
	tests := []struct {
		name    string
		rel     campaign.Relationship
		target  money.Fen
		earlier int
		want    []Kind
	}{
		{"R-REQ-3 the patient files", campaign.Self, 100_000_00, 0, base},
		{"R-REQ-3 a parent files", campaign.Parent, 100_000_00, 0, withRel},
		{"R-REQ-3 someone else files", campaign.Other, 100_000_00, 0, withRel},
		{"R-REQ-4 exactly the cap", campaign.Self, campaign.CapFen, 0, base},
		{"R-REQ-4 a fen above the cap", campaign.Self, campaign.CapFen + 1, 0, append(slices.Clone(base), Certificate)},
		{"R-REQ-5 second request within the cap", campaign.Self, campaign.CapFen, 1, base},
		{"R-REQ-5 second request above the cap", campaign.Spouse, campaign.CapFen + 1, 1,
			append(slices.Clone(withRel), Certificate, ExpenseList)},
		{"R-REQ-5 first request above the cap", campaign.Spouse, 600_000_00, 0, append(slices.Clone(withRel), Certificate)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Required(tt.rel, tt.target, tt.earlier); !slices.Equal(got, tt.want) {
				t.Errorf("Required(%s, %d, %d) = %v, want %v", tt.rel, tt.target, tt.earlier, got, tt.want)
			}
		})
	}
}

func mat(k Kind, reviewed, published, withdrawn bool) Material {
	m := Material{Kind: k, Withdrawn: withdrawn}
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	if reviewed {
		m.ReviewedBy, m.ReviewedAt = "staff:1", at
	}
	if published {
		m.PublishedBy, m.PublishedAt = "staff:1", at
	}
	return m
}

// R-REQ-3, R-REQ-4, R-REQ-5: a filing is not submitted while a required
// kind is missing, and each missing kind is named on its own field.
func TestMissing(t *testing.T) {
	all := Required(campaign.Parent, campaign.CapFen+1, 1)
	full := []Material{mat(Diagnosis, false, false, false), mat(IDDocument, false, false, false),
		mat(Relationship, false, false, false), mat(CostEstimate, false, false, false),
		mat(Certificate, false, false, false), mat(ExpenseList, false, false, false), mat(Other, false, false, false)}
	tests := []struct {
		name     string
		have     []Material
		required []Kind
		want     []string // fields, nil for no error
	}{
		{"R-REQ-3 nothing uploaded", nil, Required(campaign.Self, 1000, 0),
			[]string{"material_diagnosis", "material_id_document", "material_cost_estimate"}},
		{"R-REQ-3 all there", full[:4], Required(campaign.Parent, 1000, 0), nil},
		{"R-REQ-3 relationship proof missing", []Material{full[0], full[1], full[3]}, Required(campaign.Parent, 1000, 0),
			[]string{"material_relationship"}},
		{"R-REQ-3 a withdrawn file does not count", []Material{full[0], mat(IDDocument, true, false, true), full[3]},
			Required(campaign.Self, 1000, 0), []string{"material_id_document"}},
		{"R-REQ-4 certificate missing", full[:4], Required(campaign.Parent, campaign.CapFen+1, 0),
			[]string{"material_certificate"}},
		{"R-REQ-5 expense list missing", full[:5], all, []string{"material_expense_list"}},
		{"R-REQ-5 everything", full, all, nil},
		{"nothing required", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Missing(tt.have, tt.required)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Missing = %v, want nil", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Key != KeyMissing {
				t.Fatalf("Missing = %v, want Invalid %s", err, KeyMissing)
			}
			var got []string
			for _, f := range e.Fields {
				if f.Key != KeyMissingKind {
					t.Errorf("field %s has key %s, want %s", f.Field, f.Key, KeyMissingKind)
				}
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

// R-REQ-4: fundraising above ¥500,000 opens only once a certificate is
// reviewed and published; R-REQ-5: a further request above it only once an
// expense list is reviewed.
func TestOpening(t *testing.T) {
	above := campaign.CapFen + 1
	tests := []struct {
		name    string
		have    []Material
		earlier int
		want    campaign.Opening
		key     string // of CanOpenFundraising, "" for open
	}{
		{"R-REQ-4 no certificate", []Material{mat(Diagnosis, true, false, false)}, 0,
			campaign.Opening{}, campaign.KeyCertificateMissing},
		{"R-REQ-4 certificate not reviewed", []Material{mat(Certificate, false, false, false)}, 0,
			campaign.Opening{}, campaign.KeyCertificateMissing},
		{"R-REQ-4 certificate reviewed, not published", []Material{mat(Certificate, true, false, false)}, 0,
			campaign.Opening{CertificateReviewed: true}, campaign.KeyCertificateUnpublished},
		{"R-REQ-4 certificate reviewed and published", []Material{mat(Certificate, true, true, false)}, 0,
			campaign.Opening{CertificateReviewed: true, CertificatePublished: true}, ""},
		{"R-REQ-4 a withdrawn certificate does not count", []Material{mat(Certificate, true, false, true)}, 0,
			campaign.Opening{}, campaign.KeyCertificateMissing},
		{"R-REQ-4 one of two certificates reviewed", []Material{mat(Certificate, false, false, false),
			mat(Certificate, true, true, false)}, 0,
			campaign.Opening{CertificateReviewed: true, CertificatePublished: true}, ""},
		{"R-REQ-5 expense list not reviewed", []Material{mat(Certificate, true, true, false), mat(ExpenseList, false, false, false)}, 1,
			campaign.Opening{CertificateReviewed: true, CertificatePublished: true}, campaign.KeyExpenseListMissing},
		{"R-REQ-5 expense list reviewed", []Material{mat(Certificate, true, true, false), mat(ExpenseList, true, false, false)}, 1,
			campaign.Opening{CertificateReviewed: true, CertificatePublished: true, ExpenseListReviewed: true}, ""},
		{"R-REQ-5 a reviewed diagnosis is not an expense list", []Material{mat(Certificate, true, true, false),
			mat(Diagnosis, true, false, false), mat(Other, true, false, false)}, 1,
			campaign.Opening{CertificateReviewed: true, CertificatePublished: true}, campaign.KeyExpenseListMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := campaign.Opening{Target: above, EarlierRequests: tt.earlier}
			got := Opening(tt.have, in)
			want := tt.want
			want.Target, want.EarlierRequests = above, tt.earlier
			if got != want {
				t.Fatalf("Opening = %+v, want %+v", got, want)
			}
			err := campaign.CanOpenFundraising(got)
			if tt.key == "" {
				if err != nil {
					t.Errorf("CanOpenFundraising = %v, want nil", err)
				}
			} else if e := apperr.As(err); e == nil || e.Key != tt.key {
				t.Errorf("CanOpenFundraising = %v, want %s", err, tt.key)
			}
		})
	}
	// A fact already known stays known.
	o := Opening(nil, campaign.Opening{CertificateReviewed: true, ExpenseListReviewed: true})
	if !o.CertificateReviewed || !o.ExpenseListReviewed {
		t.Errorf("Opening cleared known facts: %+v", o)
	}
}

// TestUnreviewed: R-REV-2, an approval waits until every required kind has
// live material and every live piece of a required kind is reviewed; a
// withdrawn piece and a kind not required do not count.
func TestUnreviewed(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	required := []Kind{Diagnosis, IDDocument}
	for _, tc := range []struct {
		name string
		have []Material
		want int // pieces left; 0 means nil
	}{
		{"nothing filed", nil, 2},
		{"nothing reviewed", []Material{{Kind: Diagnosis}, {Kind: IDDocument}}, 2},
		{"one of two", []Material{{Kind: Diagnosis, ReviewedAt: at}, {Kind: IDDocument}}, 1},
		{"a second diagnosis unreviewed", []Material{{Kind: Diagnosis, ReviewedAt: at}, {Kind: Diagnosis}, {Kind: IDDocument, ReviewedAt: at}}, 1},
		{"a kind missing", []Material{{Kind: Diagnosis, ReviewedAt: at}}, 1},
		{"withdrawn does not count", []Material{{Kind: Diagnosis, ReviewedAt: at}, {Kind: IDDocument, ReviewedAt: at}, {Kind: IDDocument, Withdrawn: true}}, 0},
		{"only withdrawn", []Material{{Kind: Diagnosis, ReviewedAt: at}, {Kind: IDDocument, ReviewedAt: at, Withdrawn: true}}, 1},
		{"others not required", []Material{{Kind: Diagnosis, ReviewedAt: at}, {Kind: IDDocument, ReviewedAt: at}, {Kind: Other}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Unreviewed(tc.have, required, "approve")
			if tc.want == 0 {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Conflict || e.Key != KeyUnreviewed || e.Args[0] != tc.want ||
				len(e.Fields) != 1 || e.Fields[0].Field != "approve" {
				t.Fatalf("got %#v, want Conflict %s with %d left on field approve", err, KeyUnreviewed, tc.want)
			}
		})
	}
}
