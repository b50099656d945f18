package campaign

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/rules"
)

// Message keys of the errors Validate returns.
const (
	KeyInvalid          = "campaign.invalid"
	KeyRequired         = "campaign.required"
	KeyTooShort         = "campaign.too_short" // Args: the minimum
	KeyTooLong          = "campaign.too_long"  // Args: the maximum
	KeyTextInvalid      = "campaign.text_invalid"
	KeyRelationship     = "campaign.relationship_invalid"
	KeyProofRequired    = "campaign.proof_required"
	KeyTargetTooSmall   = "campaign.target_too_small" // Args: the minimum, in yuan ("1000.00")
	KeyTargetTooLarge   = "campaign.target_too_large" // Args: the maximum, in yuan
	KeyUseEmpty         = "campaign.use_empty"
	KeyUseTooMany       = "campaign.use_too_many" // Args: the maximum
	KeyAmountPositive   = "campaign.amount_positive"
	KeyAmountTooLarge   = "campaign.amount_too_large"
	KeyUseSum           = "campaign.use_sum" // Args: the sum and the target, in yuan
	KeyUnanswered       = "campaign.unanswered"
	KeyDetailRequired   = "campaign.detail_required"
	KeyAmountRequired   = "campaign.amount_required"
	KeyAmountWithoutYes = "campaign.amount_without_yes"
	KeyAmountNegative   = "campaign.amount_negative"
	KeyUnknownTopic     = "campaign.unknown_topic"
	KeyAnswerInvalid    = "campaign.answer_invalid" // an answer that is neither yes nor no
	KeyAmountNotTaken   = "campaign.amount_not_taken"
)

// Validate checks a filing against R-REQ-1, R-REQ-2 and R-RULES-4 and returns
// nil, or one *apperr.Error with Code apperr.Invalid and Key KeyInvalid whose
// Fields list every problem, so that a form can show each message next to its
// field. The field names are stable:
//
//	title, relationship, relationship_detail, relationship_proof,
//	patient_name, patient_id, diagnosis, hospital_name, hospital_city, story,
//	target, use, use.N.label, use.N.amount, use.N.note (N from 0),
//	estimated_costs,
//	disclosure.T, disclosure.T.detail, disclosure.T.amount (T a Topic),
//	truthful, consent.
//
// The breakdown of use must add up to the target exactly, so that the
// reviewer and the public see one figure (R-REV-1). A target above CapFen is
// valid here; what it needs before fundraising opens is CanOpenFundraising's
// business (R-REQ-4). today is the date ID numbers are checked against
// (a birth date cannot be later); callers pass the transaction's time.
func (f Filing) Validate(today time.Time) error {
	var v validator
	v.text("title", f.Title, true, 0, MaxTitle)

	switch {
	case f.Relationship == "":
		v.add("relationship", KeyRequired)
	case !f.Relationship.Valid():
		v.add("relationship", KeyRelationship)
	default:
		v.text("relationship_detail", f.RelationshipDetail, f.Relationship.NeedsDetail(), 0, MaxRelationship)
		// R-REQ-3: a publisher who is not the patient proves the relationship.
		if f.Relationship.NeedsProof() && !f.RelationshipProof {
			v.add("relationship_proof", KeyProofRequired)
		}
	}

	// R-REQ-1: the patient's identity. The idcard errors say what is wrong
	// without repeating the input.
	if _, err := idcard.ParseName(f.PatientName); err != nil {
		v.from("patient_name", err)
	}
	if _, err := idcard.Parse(f.PatientID, today); err != nil {
		v.from("patient_id", err)
	}

	v.text("diagnosis", f.Diagnosis, true, 0, MaxDiagnosis)
	v.text("hospital_name", f.HospitalName, true, 0, MaxHospitalName)
	v.text("hospital_city", f.HospitalCity, true, 0, MaxHospitalCity)
	// R-REQ-1: how the illness caused the family's hardship.
	v.text("story", f.Story, true, MinStory, MaxStory)

	// R-REQ-1: the target amount and its use.
	targetOK := false
	switch {
	case f.Target <= 0:
		v.add("target", KeyRequired)
	case f.Target < MinTarget:
		v.add("target", KeyTargetTooSmall, MinTarget.String())
	case f.Target > MaxTarget:
		v.add("target", KeyTargetTooLarge, MaxTarget.String())
	default:
		targetOK = true
	}
	v.use(f.Use, f.Target, targetOK)
	switch {
	case f.EstimatedCosts <= 0:
		v.add("estimated_costs", KeyRequired)
	case f.EstimatedCosts > maxDisclosed:
		v.add("estimated_costs", KeyAmountTooLarge)
	}

	// R-REQ-2: every disclosure answered; a yes explained.
	v.disclosures(f.Disclosures)

	// R-PUB-1: the public text never names the patient in full nor holds
	// an ID number; the page masks the name, and the text must not undo it.
	v.identityInPublicText(f)

	// R-RULES-4: the truthfulness declaration; R-RULES-2: consent to the
	// rules. Neither is ever ticked by default.
	v.from("truthful", rules.CheckBox(f.Truthful, "truthful"))
	v.from("consent", rules.CheckBox(f.Consent, "consent"))

	if len(v.errs) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: v.errs}
}

// CheckDraft checks what a draft must be, however incomplete, to be stored
// as it was typed: every text valid UTF-8, and every disclosure a topic of
// Topics. A text that is not UTF-8 would be stored with its unreadable bytes
// replaced, which is not what was typed, and a topic the form never asked
// is nobody's answer. It returns nil, or one *apperr.Error with Code
// apperr.Invalid and Key KeyInvalid whose Fields name each problem with the
// field names of Validate (KeyTextInvalid on the field, KeyUnknownTopic on
// "disclosure"). Everything else waits for Validate at submission.
func (f Filing) CheckDraft() error {
	var v validator
	text := func(field, s string) {
		if !utf8.ValidString(s) {
			v.add(field, KeyTextInvalid)
		}
	}
	text("title", f.Title)
	text("relationship", string(f.Relationship))
	text("relationship_detail", f.RelationshipDetail)
	text("patient_name", f.PatientName)
	text("patient_id", f.PatientID)
	text("diagnosis", f.Diagnosis)
	text("hospital_name", f.HospitalName)
	text("hospital_city", f.HospitalCity)
	text("story", f.Story)
	for i, it := range f.Use {
		p := "use." + strconv.Itoa(i) + "."
		text(p+"label", it.Label)
		text(p+"note", it.Note)
	}
	for _, t := range Topics {
		if d, ok := f.Disclosures[t]; ok {
			text("disclosure."+string(t)+".detail", d.Detail)
		}
	}
	for t := range f.Disclosures {
		if !t.Valid() {
			// As Validate says it: one message, without the topic's name.
			v.add("disclosure", KeyUnknownTopic)
			break
		}
	}
	text("truthful", f.Truthful)
	text("consent", f.Consent)
	if len(v.errs) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: KeyInvalid, Fields: v.errs}
}

// validator collects field errors.
type validator struct{ errs []apperr.FieldError }

func (v *validator) add(field, key string, args ...any) {
	v.errs = append(v.errs, apperr.FieldError{Field: field, Key: key, Args: args})
}

// from adds err's key to field; a nil err adds nothing. An *apperr.Error
// that carries field messages of its own (rules.CheckBox) contributes its
// first; the keys of errors from other packages are in the catalog too.
func (v *validator) from(field string, err error) {
	if err == nil {
		return
	}
	e := apperr.As(err)
	switch {
	case e == nil:
		v.add(field, KeyTextInvalid)
	case len(e.Fields) > 0:
		v.add(field, e.Fields[0].Key, e.Fields[0].Args...)
	default:
		v.add(field, e.Key, e.Args...)
	}
}

// text checks one text field: valid UTF-8 without NUL (PostgreSQL refuses
// NUL in text) and, after trimming white space, present when required and
// between minimum and maximum runes long. An optional empty field passes.
func (v *validator) text(field, s string, required bool, minimum, maximum int) {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		v.add(field, KeyTextInvalid)
		return
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && required:
		v.add(field, KeyRequired)
	case n == 0:
	case n < minimum:
		v.add(field, KeyTooShort, minimum)
	case n > maximum:
		v.add(field, KeyTooLong, maximum)
	}
}

// use checks the breakdown of the target. The sum is compared only when the
// target and every amount are valid: otherwise the mismatch would be noise
// next to the real mistake.
func (v *validator) use(items []UseItem, target money.Fen, targetOK bool) {
	switch {
	case len(items) == 0:
		v.add("use", KeyUseEmpty)
		return
	case len(items) > MaxUseItems:
		v.add("use", KeyUseTooMany, MaxUseItems)
		return
	}
	var sum money.Fen
	amountsOK := true
	for i, it := range items {
		p := "use." + strconv.Itoa(i) + "."
		v.text(p+"label", it.Label, true, 0, MaxUseLabel)
		v.text(p+"note", it.Note, false, 0, MaxUseNote)
		switch {
		case it.Amount <= 0:
			v.add(p+"amount", KeyAmountPositive)
			amountsOK = false
		case it.Amount > MaxTarget:
			v.add(p+"amount", KeyAmountTooLarge)
			amountsOK = false
		default:
			sum += it.Amount // at most MaxUseItems × MaxTarget: no overflow
		}
	}
	if targetOK && amountsOK && sum != target {
		v.add("use", KeyUseSum, sum.String(), target.String())
	}
}

// disclosures checks that every topic is answered (R-REQ-2), that a yes
// has a detail and, where the topic needs one, a positive amount, that only
// topics that take an amount carry one, and that a no carries no amount: a stale figure next to "no" would leave the public
// unsure which is true.
func (v *validator) disclosures(d map[Topic]Disclosure) {
	for _, t := range Topics {
		field := "disclosure." + string(t)
		a, ok := d[t]
		if !ok || !a.Answered {
			v.add(field, KeyUnanswered)
			continue
		}
		if a.Yes && strings.TrimSpace(a.Detail) == "" {
			v.add(field+".detail", KeyDetailRequired)
		} else {
			v.text(field+".detail", a.Detail, false, 0, MaxDetail)
		}
		switch {
		case a.Amount != 0 && !t.TakesAmount():
			v.add(field+".amount", KeyAmountNotTaken)
		case a.Amount < 0:
			v.add(field+".amount", KeyAmountNegative)
		case !a.Yes && a.Amount != 0:
			v.add(field+".amount", KeyAmountWithoutYes)
		case a.Yes && t.NeedsAmount() && a.Amount == 0:
			v.add(field+".amount", KeyAmountRequired)
		case a.Amount > maxDisclosed:
			v.add(field+".amount", KeyAmountTooLarge)
		}
	}
	for t := range d {
		if !t.Valid() {
			// A topic the form never asked: a bug or a forged form. One
			// message is enough; the topic name is not shown.
			v.add("disclosure", KeyUnknownTopic)
			break
		}
	}
}

// maxDisclosed bounds a disclosed amount: ¥1 billion is beyond any family
// on this platform and keeps sums of them far from overflow.
const maxDisclosed money.Fen = 1_000_000_000_00
