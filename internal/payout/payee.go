package payout

import (
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
)

// PayeeKind is whose account a payout goes to (R-DISB-2). These are the
// only choices: there is no free-form payee, so no partner, referrer or
// anyone else can be paid in a request's name (R-REF-3).
type PayeeKind string

// The payee kinds.
const (
	ToRequester PayeeKind = "requester" // the requester's own account
	ToGuardian  PayeeKind = "guardian"  // the requester's guardian, guardianship proven
	ToRelative  PayeeKind = "relative"  // a close relative of the requester, relationship proven
	ToHospital  PayeeKind = "hospital"  // a hospital's account from the verified directory
)

// PayeeKinds lists every payee kind in the order a form offers them.
var PayeeKinds = []PayeeKind{ToRequester, ToGuardian, ToRelative, ToHospital}

// NameKey is the i18n key of the payee kind's name.
func (k PayeeKind) NameKey() string { return "payout.payee_kind." + string(k) }

// Personal reports whether the payee is a person rather than a hospital:
// the payees a HospitalOrBatches payout may reach only in batches.
func (k PayeeKind) Personal() bool { return k == ToRequester || k == ToGuardian || k == ToRelative }

// ParsePayeeKind reads a payee kind as a form or the JSON API sends it,
// ignoring surrounding spaces and case. Anything else is apperr.Invalid
// KeyPayeeKind on field "payee": the list is closed (R-REF-3).
func ParsePayeeKind(s string) (PayeeKind, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, k := range PayeeKinds {
		if s == string(k) {
			return k, nil
		}
	}
	return "", invalid(apperr.FieldError{Field: "payee", Key: KeyPayeeKind})
}

// Designator is who recorded the designation of an account other than the
// requester's own (M13): the requester or their guardian. The publisher's
// word alone is no designation, so it has no value here.
type Designator string

// The designators; the zero value means no designation was recorded.
const (
	ByRequester Designator = "requester"
	ByGuardian  Designator = "guardian"
)

// CloseRelative reports whether r makes a close relative (近亲属, Civil
// Code art. 1045): spouse, parents, children, siblings, grandparents and
// grandchildren. "Other relative" and "other" do not: R-DISB-2 allows only a
// close relative, and the money must not drift further from the patient.
func CloseRelative(r campaign.Relationship) bool {
	switch r {
	case campaign.Spouse, campaign.Parent, campaign.Child, campaign.Sibling, campaign.Grandparent, campaign.Grandchild:
		return true
	}
	return false
}

// Payee is what an application says of its payee, with the facts the store
// read about it.
type Payee struct {
	Kind PayeeKind
	// Relationship is a ToRelative payee's relationship to the requester.
	Relationship campaign.Relationship
	// ProofReviewed says the proof of the relationship (ToRelative) or of
	// the guardianship (ToGuardian) was uploaded and accepted by review.
	ProofReviewed bool
	// DesignatedBy is who designated the account, for every kind but
	// ToRequester; "" when no designation was recorded.
	DesignatedBy Designator
	// HospitalListed says a ToHospital payee is a verified, current entry
	// of the hospital directory.
	HospitalListed bool
}

// CheckPayee checks an application's payee against R-DISB-2, R-REF-3 and
// the mode of R-DISB-3. Every account but the requester's own must have
// been designated by the requester or their guardian (M13, R-DISB-2) — a
// hospital's too, since M13 names "the hospital account they provided". A
// guardian or relative must be proven; a relative must be a close one; a
// hospital must be in the directory. In HospitalOrBatches mode a person is
// paid only as a batch (batch true), each batch released by CheckBatch.
//
// It returns apperr.Invalid KeyInvalid with one field error per problem, so
// the form shows them all at once, or nil.
func CheckPayee(mode Mode, p Payee, batch bool) error {
	var errs []apperr.FieldError
	add := func(field, key string) { errs = append(errs, apperr.FieldError{Field: field, Key: key}) }
	switch p.Kind {
	case ToRequester:
	case ToGuardian, ToRelative:
		if p.Kind == ToRelative && !CloseRelative(p.Relationship) {
			add("payee_relationship", KeyPayeeNotClose)
		}
		if !p.ProofReviewed {
			add("payee_proof", KeyPayeeProof)
		}
	case ToHospital:
		if !p.HospitalListed {
			add("hospital", KeyPayeeHospital)
		}
	default:
		return invalid(apperr.FieldError{Field: "payee", Key: KeyPayeeKind})
	}
	if p.Kind != ToRequester && p.DesignatedBy != ByRequester && p.DesignatedBy != ByGuardian {
		add("payee_designation", KeyPayeeDesignation)
	}
	if mode != Direct && p.Kind.Personal() && !batch {
		add("payee", KeyPayeeHospitalOnly)
	}
	if errs != nil {
		return invalid(errs...)
	}
	return nil
}

// CheckBatch says whether an approved application may be paid now as far as
// R-DISB-3 goes: in HospitalOrBatches mode a payout to a person is a batch,
// paid only once its medical plan / expense list has been reviewed and
// published on the request page (published true). A hospital, or any payee
// in Direct mode, needs no such publication. It returns apperr.Conflict
// KeyBatchUnpublished, or nil.
func CheckBatch(mode Mode, kind PayeeKind, published bool) error {
	if mode != Direct && kind != ToHospital && !published {
		return apperr.New(apperr.Conflict, KeyBatchUnpublished)
	}
	return nil
}

// invalid gathers field errors under KeyInvalid.
func invalid(fs ...apperr.FieldError) *apperr.Error {
	return &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: fs}
}
