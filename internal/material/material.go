// Package material keeps the supporting material of requests for help: the
// diagnosis proof, ID documents, relationship proof and cost estimate every
// filing needs (R-REQ-3), the medical institution's certificate a target
// above ¥500,000 needs (R-REQ-4), the list of medical expenses a further
// request above it needs (R-REQ-5), and whatever a reviewer asks for.
//
// An upload is checked by content and stripped of its metadata (package
// upload), then sealed under its own data key (package vault) and stored in
// the database, not on disk: a save is then atomic with its row, and every
// node of a deployment sees it (R-PII-1). The original file name is never
// kept, since it often holds the patient's name. Stored material never
// changes and is never deleted; a wrong file is superseded by a new upload
// and withdrawn. Reviewers mark material reviewed, and a certificate or an
// expense list published; the database refuses any other change.
//
// Which kinds a filing needs (Required, Missing) and what they mean for the
// opening of fundraising (Opening) are pure functions over campaign's rules.
package material

import (
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
)

// Kind is what a piece of material proves.
type Kind string

// The kinds of material.
const (
	Diagnosis    Kind = "diagnosis"     // 诊断证明 from a medical institution
	IDDocument   Kind = "id_document"   // patient's ID card / household register
	Relationship Kind = "relationship"  // proof of the publisher's relationship
	CostEstimate Kind = "cost_estimate" // the hospital's cost estimate
	Certificate  Kind = "certificate"   // R-REQ-4: certificate for targets above ¥500,000
	ExpenseList  Kind = "expense_list"  // R-REQ-5: list of medical expenses
	Other        Kind = "other"         // anything a reviewer asked for (needs-info answers)
)

// Kinds lists every kind in the order a form offers them.
var Kinds = []Kind{Diagnosis, IDDocument, Relationship, CostEstimate, Certificate, ExpenseList, Other}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// NameKey is the i18n key of the kind's name.
func (k Kind) NameKey() string { return "material.kind." + string(k) }

// HintKey is the i18n key of a one-line hint of what to upload as k.
func (k Kind) HintKey() string { return "material.hint." + string(k) }

// Publishable reports whether material of kind k may be shown to the public:
// the certificate of R-REQ-4 and the expense list that R-REQ-5 and R-DISB-3
// have publicized. Nothing else is: an ID document or a diagnosis on a public
// page would expose what R-PUB-1 masks.
func (k Kind) Publishable() bool { return k == Certificate || k == ExpenseList }

// Message keys of the errors of the package.
const (
	KeyKindInvalid    = "material.kind_invalid"
	KeyTooMany        = "material.too_many"
	KeyNotReviewed    = "material.not_reviewed"
	KeyNotPublishable = "material.not_publishable"
	KeyWithdrawn      = "material.withdrawn"
	KeyPublished      = "material.published"
	KeyMissing        = "material.missing"
	KeyMissingKind    = "material.missing_kind"
	KeyUnreviewed     = "material.unreviewed"
)

// FieldOf is the form field that asks for material of kind k, on which
// Missing reports it: "material_<kind>".
func FieldOf(k Kind) string { return "material_" + string(k) }

// Required lists the kinds a filing must have before it is submitted, in the
// order of Kinds: the diagnosis proof, the ID documents and the cost estimate
// always, and the relationship proof unless the publisher is the patient
// (R-REQ-3); the medical institution's certificate when the target is above
// the cap (R-REQ-4); the list of medical expenses for a further request of
// the patient above the cap (R-REQ-5). earlierRequests counts the patient's
// earlier published requests, as campaign.NeedsExpenseList takes it.
func Required(rel campaign.Relationship, target money.Fen, earlierRequests int) []Kind {
	kinds := []Kind{Diagnosis, IDDocument}
	if rel.NeedsProof() {
		kinds = append(kinds, Relationship)
	}
	kinds = append(kinds, CostEstimate)
	if campaign.NeedsCertificate(target) {
		kinds = append(kinds, Certificate)
	}
	if campaign.NeedsExpenseList(target, earlierRequests) {
		kinds = append(kinds, ExpenseList)
	}
	return kinds
}

// Missing returns nil when have holds live (not withdrawn) material of every
// required kind, or else an *apperr.Error Invalid KeyMissing with one field
// error KeyMissingKind per missing kind, on field FieldOf(kind), in the order
// of required.
func Missing(have []Material, required []Kind) error {
	present := make(map[Kind]bool, len(have))
	for _, m := range have {
		if !m.Withdrawn {
			present[m.Kind] = true
		}
	}
	var fields []apperr.FieldError
	for _, k := range required {
		if !present[k] {
			present[k] = true // a kind listed twice is reported once
			fields = append(fields, apperr.FieldError{Field: FieldOf(k), Key: KeyMissingKind})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: KeyMissing, Fields: fields}
}

// Opening returns o with the facts about the certificate and the expense
// list taken from have: CertificateReviewed and CertificatePublished when
// some live Certificate is reviewed or published (R-REQ-4), and
// ExpenseListReviewed when some live ExpenseList is reviewed (R-REQ-5). A
// fact already true in o stays true. campaign.CanOpenFundraising then
// decides.
func Opening(have []Material, o campaign.Opening) campaign.Opening {
	for _, m := range have {
		if m.Withdrawn {
			continue
		}
		reviewed, published := !m.ReviewedAt.IsZero(), !m.PublishedAt.IsZero()
		switch m.Kind {
		case Certificate:
			o.CertificateReviewed = o.CertificateReviewed || reviewed
			o.CertificatePublished = o.CertificatePublished || published
		case ExpenseList:
			o.ExpenseListReviewed = o.ExpenseListReviewed || reviewed
		}
	}
	return o
}

// Unreviewed returns nil when every required kind has live material and
// every live piece of a required kind is marked reviewed: a reviewer
// verifies what the requester filed before approving it (R-REV-2). Else it
// returns an *apperr.Error Conflict KeyUnreviewed, whose argument counts the
// pieces still to check (a missing kind counts one), with a field error on
// field, the action refused, so that the message stands next to it.
func Unreviewed(have []Material, required []Kind, field string) error {
	need := make(map[Kind]bool, len(required))
	for _, k := range required {
		need[k] = true
	}
	present := map[Kind]bool{}
	n := 0
	for _, m := range have {
		if m.Withdrawn || !need[m.Kind] {
			continue
		}
		present[m.Kind] = true
		if m.ReviewedAt.IsZero() {
			n++
		}
	}
	for k := range need {
		if !present[k] {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Conflict, Key: KeyUnreviewed, Args: []any{n},
		Fields: []apperr.FieldError{{Field: field, Key: KeyUnreviewed, Args: []any{n}}}}
}
