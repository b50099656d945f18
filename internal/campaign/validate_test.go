package campaign

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/money"
)

var today = time.Date(2025, 6, 15, 10, 30, 0, 0, time.UTC)

// patientID is the patient's ID number in valid's filing.
const patientID = ExamplePatientID

// valid returns a filing that passes Validate; each test changes one thing.
func valid() Filing { return Example() }

// fields returns the field → key map of a Validate error, failing the test
// when the error is not one Invalid *apperr.Error.
func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid || e.Key != KeyInvalid {
		t.Fatalf("Validate error = %v, want Invalid %s", err, KeyInvalid)
	}
	if len(e.Fields) == 0 {
		t.Fatalf("Validate error has no fields")
	}
	m := map[string]string{}
	for _, f := range e.Fields {
		if _, dup := m[f.Field]; dup {
			t.Errorf("field %s reported twice", f.Field)
		}
		m[f.Field] = f.Key
	}
	return m
}

func TestValidateValid(t *testing.T) {
	f := valid()
	if err := f.Validate(today); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	for _, r := range Relationships {
		t.Run(string(r), func(t *testing.T) {
			f := valid()
			f.Relationship = r
			f.RelationshipDetail = "表叔"
			if err := f.Validate(today); err != nil {
				t.Errorf("Validate = %v", err)
			}
		})
	}
}

// Each case breaks one rule and expects exactly the listed field errors.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(f *Filing)
		want   map[string]string
	}{
		// R-REQ-1: the public page needs a headline.
		{"TitleMissing", func(f *Filing) { f.Title = "  \t " }, map[string]string{"title": KeyRequired}},
		{"TitleTooLong", func(f *Filing) { f.Title = strings.Repeat("救", MaxTitle+1) }, map[string]string{"title": KeyTooLong}},
		{"TitleMaxLength", func(f *Filing) { f.Title = strings.Repeat("救", MaxTitle) }, nil},
		{"TitleInvalidUTF8", func(f *Filing) { f.Title = "救\xff" }, map[string]string{"title": KeyTextInvalid}},
		{"TitleNUL", func(f *Filing) { f.Title = "救\x00救" }, map[string]string{"title": KeyTextInvalid}},

		// R-REQ-1: the publisher's relationship to the patient.
		{"RelationshipMissing", func(f *Filing) { f.Relationship = "" }, map[string]string{"relationship": KeyRequired}},
		{"RelationshipUnknown", func(f *Filing) { f.Relationship = "neighbour" }, map[string]string{"relationship": KeyRelationship}},
		// R-REQ-3: proof of the relationship when the publisher is not the patient.
		{"ProofMissing", func(f *Filing) { f.RelationshipProof = false }, map[string]string{"relationship_proof": KeyProofRequired}},
		{"SelfNeedsNoProof", func(f *Filing) { f.Relationship, f.RelationshipProof = Self, false }, nil},
		{"OtherNeedsDetail", func(f *Filing) { f.Relationship = Other }, map[string]string{"relationship_detail": KeyRequired}},
		{"OtherRelativeNeedsDetail", func(f *Filing) { f.Relationship = OtherRelative }, map[string]string{"relationship_detail": KeyRequired}},
		{"OtherWithDetail", func(f *Filing) { f.Relationship, f.RelationshipDetail = Other, "同事" }, nil},
		{"OtherWithoutDetailOrProof", func(f *Filing) { f.Relationship, f.RelationshipProof = Other, false },
			map[string]string{"relationship_detail": KeyRequired, "relationship_proof": KeyProofRequired}},

		// R-REQ-1: the patient's identity, checked by package idcard.
		{"PatientNameMissing", func(f *Filing) { f.PatientName = "" }, map[string]string{"patient_name": idcard.ErrNameEmpty}},
		{"PatientNameDigits", func(f *Filing) { f.PatientName = "张3" }, map[string]string{"patient_name": idcard.ErrNameChars}},
		{"PatientIDMissing", func(f *Filing) { f.PatientID = "" }, map[string]string{"patient_id": idcard.ErrEmpty}},
		{"PatientIDCheckDigit", func(f *Filing) { f.PatientID = "110105194912310021" }, map[string]string{"patient_id": idcard.ErrCheckDigit}},
		{"PatientIDSpaces", func(f *Filing) { f.PatientID = "110105 19491231 002x" }, nil},

		{"DiagnosisMissing", func(f *Filing) { f.Diagnosis = "" }, map[string]string{"diagnosis": KeyRequired}},
		{"HospitalMissing", func(f *Filing) { f.HospitalName, f.HospitalCity = "", "" },
			map[string]string{"hospital_name": KeyRequired, "hospital_city": KeyRequired}},

		// R-REQ-1: how the illness caused the hardship, 50 to 5000 characters.
		{"StoryMissing", func(f *Filing) { f.Story = "" }, map[string]string{"story": KeyRequired}},
		{"StoryTooShort", func(f *Filing) { f.Story = strings.Repeat("难", MinStory-1) }, map[string]string{"story": KeyTooShort}},
		{"StoryShortAfterTrim", func(f *Filing) { f.Story = "  " + strings.Repeat("难", MinStory-1) + "\n\n" }, map[string]string{"story": KeyTooShort}},
		{"StoryMinimum", func(f *Filing) { f.Story = strings.Repeat("难", MinStory) }, nil},
		{"StoryMaximum", func(f *Filing) { f.Story = strings.Repeat("难", MaxStory) }, nil},
		{"StoryTooLong", func(f *Filing) { f.Story = strings.Repeat("难", MaxStory+1) }, map[string]string{"story": KeyTooLong}},

		// R-REQ-1: the target, within the platform's bounds.
		{"TargetZero", func(f *Filing) { f.Target, f.Use = 0, nil }, map[string]string{"target": KeyRequired, "use": KeyUseEmpty}},
		{"TargetNegative", func(f *Filing) { f.Target = -1 }, map[string]string{"target": KeyRequired}},
		{"TargetTooSmall", func(f *Filing) { f.Target = MinTarget - 1; f.Use = []UseItem{{Label: "药费", Amount: MinTarget - 1}} },
			map[string]string{"target": KeyTargetTooSmall}},
		{"TargetMinimum", func(f *Filing) { f.Target = MinTarget; f.Use = []UseItem{{Label: "药费", Amount: MinTarget}} }, nil},
		{"TargetMaximum", func(f *Filing) { f.Target = MaxTarget; f.Use = []UseItem{{Label: "移植", Amount: MaxTarget}} }, nil},
		{"TargetTooLarge", func(f *Filing) { f.Target = MaxTarget + 1; f.Use = []UseItem{{Label: "移植", Amount: MaxTarget}} },
			map[string]string{"target": KeyTargetTooLarge}},
		// R-REQ-4: above the cap is valid here; the certificate gates opening.
		{"AboveCap", func(f *Filing) { f.Target = CapFen + 1; f.Use = []UseItem{{Label: "移植", Amount: CapFen + 1}} }, nil},

		// R-REQ-1, R-REV-1: the use adds up to the target exactly.
		{"UseMissing", func(f *Filing) { f.Use = nil }, map[string]string{"use": KeyUseEmpty}},
		{"UseSumShortByOneFen", func(f *Filing) { f.Use[1].Amount-- }, map[string]string{"use": KeyUseSum}},
		{"UseSumOverByOneFen", func(f *Filing) { f.Use[0].Amount++ }, map[string]string{"use": KeyUseSum}},
		{"UseZeroAmount", func(f *Filing) { f.Use = append(f.Use, UseItem{Label: "其他"}) },
			map[string]string{"use.2.amount": KeyAmountPositive}},
		{"UseNegativeAmount", func(f *Filing) { f.Use = append(f.Use, UseItem{Label: "其他", Amount: -5}) },
			map[string]string{"use.2.amount": KeyAmountPositive}},
		{"UseHugeAmount", func(f *Filing) { f.Use[1].Amount = money.MaxFen },
			map[string]string{"use.1.amount": KeyAmountTooLarge}},
		{"UseLabelMissing", func(f *Filing) { f.Use[1].Label = " " }, map[string]string{"use.1.label": KeyRequired}},
		{"UseNoteTooLong", func(f *Filing) { f.Use[0].Note = strings.Repeat("注", MaxUseNote+1) }, map[string]string{"use.0.note": KeyTooLong}},
		{"UseTooMany", func(f *Filing) {
			f.Use = nil
			for range MaxUseItems + 1 {
				f.Use = append(f.Use, UseItem{Label: "药费", Amount: 10_000_00})
			}
			f.Target = 10_000_00 * (MaxUseItems + 1)
		}, map[string]string{"use": KeyUseTooMany}},
		{"UseMaxItems", func(f *Filing) {
			f.Use = nil
			for range MaxUseItems {
				f.Use = append(f.Use, UseItem{Label: "药费", Amount: 10_000_00})
			}
			f.Target = 10_000_00 * MaxUseItems
		}, nil},

		// R-REQ-2: every disclosure answered, never left blank.
		{"DisclosuresNil", func(f *Filing) { f.Disclosures = nil }, func() map[string]string {
			m := map[string]string{}
			for _, tp := range Topics {
				m["disclosure."+string(tp)] = KeyUnanswered
			}
			return m
		}()},
		{"HousingMissing", func(f *Filing) { delete(f.Disclosures, Housing) }, map[string]string{"disclosure.housing": KeyUnanswered}},
		{"DebtsNotAnswered", func(f *Filing) { f.Disclosures[Debts] = Disclosure{Detail: "x", Amount: 5} },
			map[string]string{"disclosure.debts": KeyUnanswered}},
		// R-REQ-2: a yes comes with its detail, and the amount where it is money.
		{"YesWithoutDetail", func(f *Filing) { f.Disclosures[Housing] = Disclosure{Answered: true, Yes: true, Detail: " "} },
			map[string]string{"disclosure.housing.detail": KeyDetailRequired}},
		{"HousingYesWithoutValue", func(f *Filing) {
			f.Disclosures[Housing] = Disclosure{Answered: true, Yes: true, Detail: "老家自建房一套"}
		}, nil},
		{"HousingYesWithValue", func(f *Filing) {
			f.Disclosures[Housing] = Disclosure{Answered: true, Yes: true, Detail: "县城商品房", Amount: 400_000_00}
		}, nil},
		{"OtherPlatformsYesWithoutAmount", func(f *Filing) {
			f.Disclosures[OtherPlatforms] = Disclosure{Answered: true, Yes: true, Detail: "另一平台"}
		}, map[string]string{"disclosure.other_platforms.amount": KeyAmountRequired}},
		{"IncomeYesWithoutAmount", func(f *Filing) { f.Disclosures[Income] = Disclosure{Answered: true, Yes: true, Detail: "务工"} },
			map[string]string{"disclosure.income.amount": KeyAmountRequired}},
		{"DebtsYesNothing", func(f *Filing) { f.Disclosures[Debts] = Disclosure{Answered: true, Yes: true} },
			map[string]string{"disclosure.debts.detail": KeyDetailRequired, "disclosure.debts.amount": KeyAmountRequired}},
		{"NoWithDetail", func(f *Filing) { f.Disclosures[Vehicles] = Disclosure{Answered: true, Detail: "车已卖掉"} }, nil},
		{"NoWithAmount", func(f *Filing) { f.Disclosures[Debts] = Disclosure{Answered: true, Amount: 100} },
			map[string]string{"disclosure.debts.amount": KeyAmountWithoutYes}},
		{"NegativeAmount", func(f *Filing) {
			f.Disclosures[Income] = Disclosure{Answered: true, Yes: true, Detail: "务工", Amount: -1}
		},
			map[string]string{"disclosure.income.amount": KeyAmountNegative}},
		{"AmountOnYesNoTopic", func(f *Filing) {
			f.Disclosures[MinimumLiving] = Disclosure{Answered: true, Yes: true, Detail: "每月 600 元", Amount: 600_00}
		}, map[string]string{"disclosure.minimum_living.amount": KeyAmountNotTaken}},
		{"HugeDisclosedAmount", func(f *Filing) {
			f.Disclosures[Debts] = Disclosure{Answered: true, Yes: true, Detail: "借款", Amount: money.MaxFen}
		}, map[string]string{"disclosure.debts.amount": KeyAmountTooLarge}},
		{"DetailTooLong", func(f *Filing) {
			f.Disclosures[Vehicles] = Disclosure{Answered: true, Yes: true, Detail: strings.Repeat("车", MaxDetail+1)}
		}, map[string]string{"disclosure.vehicles.detail": KeyTooLong}},
		{"UnknownTopic", func(f *Filing) { f.Disclosures["pets"] = Disclosure{Answered: true} },
			map[string]string{"disclosure": KeyUnknownTopic}},

		// R-RULES-4: the truthfulness declaration is ticked, never by default;
		// R-RULES-2: so is the consent to the rules.
		{"TruthfulUnticked", func(f *Filing) { f.Truthful = "" }, map[string]string{"truthful": "rules.consent_required"}},
		{"TruthfulForged", func(f *Filing) { f.Truthful = "true" }, map[string]string{"truthful": "rules.consent_required"}},
		{"ConsentUnticked", func(f *Filing) { f.Consent = "" }, map[string]string{"consent": "rules.consent_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid()
			tt.change(&f)
			got := fields(t, f.Validate(today))
			if !maps.Equal(got, tt.want) {
				t.Errorf("field errors = %v\nwant %v", got, tt.want)
			}
		})
	}
}

// R-REQ-1, R-REQ-2: an empty form reports every required field at once, so
// the person fixes the form in one pass.
func TestValidateEmptyReportsEverything(t *testing.T) {
	got := fields(t, Filing{}.Validate(today))
	want := []string{"title", "relationship", "patient_name", "patient_id", "diagnosis", "hospital_name",
		"hospital_city", "story", "target", "use", "estimated_costs", "truthful", "consent"}
	for _, tp := range Topics {
		want = append(want, "disclosure."+string(tp))
	}
	if k := slices.Sorted(maps.Keys(got)); !slices.Equal(k, slices.Sorted(slices.Values(want))) {
		t.Errorf("fields = %v\nwant %v", k, slices.Sorted(slices.Values(want)))
	}
}

// R-PII-1: an error never carries the patient's name, ID number or diagnosis;
// errors are logged.
func TestValidateErrorsHoldNoPersonalData(t *testing.T) {
	f := valid()
	f.PatientName = "欧阳3明"
	f.PatientID = "110105194912310021"
	f.Diagnosis = strings.Repeat("白血病", MaxDiagnosis)
	f.Disclosures[Debts] = Disclosure{Answered: true, Amount: 123_456_78}
	err := f.Validate(today)
	if err == nil {
		t.Fatal("Validate = nil, want errors")
	}
	msg := err.Error()
	for _, e := range apperr.As(err).Fields {
		msg += fmt.Sprint(e.Args...)
	}
	for _, secret := range []string{"欧阳", "1101051949", "白血病", "123456", "1234.56"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q contains personal data %q", msg, secret)
		}
	}
}

// Every key Validate can return has a message in both languages, and the
// messages that take an argument are given one.
func TestValidateKeysInCatalog(t *testing.T) {
	keys := []string{KeyInvalid, KeyRequired, KeyTooShort, KeyTooLong, KeyTextInvalid, KeyRelationship,
		KeyProofRequired, KeyTargetTooSmall, KeyTargetTooLarge, KeyUseEmpty, KeyUseTooMany, KeyAmountPositive,
		KeyAmountTooLarge, KeyUseSum, KeyUnanswered, KeyDetailRequired, KeyAmountRequired, KeyAmountWithoutYes,
		KeyAmountNegative, KeyUnknownTopic, KeyAmountNotTaken, "rules.consent_required"}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("%s is not in the catalog", k)
		}
	}
	for _, r := range Relationships {
		if !i18n.Has(r.NameKey()) {
			t.Errorf("%s is not in the catalog", r.NameKey())
		}
	}
	for _, tp := range Topics {
		if !i18n.Has(tp.QuestionKey()) {
			t.Errorf("%s is not in the catalog", tp.QuestionKey())
		}
		if tp.TakesAmount() != i18n.Has(tp.AmountKey()) {
			t.Errorf("%s: TakesAmount = %v but catalog has %s = %v", tp, tp.TakesAmount(), tp.AmountKey(), i18n.Has(tp.AmountKey()))
		}
	}
	// Rendering with the arguments Validate passes leaves no %!.
	f := valid()
	f.Story = "短"
	f.Target = MaxTarget + 1
	f.Use = append(f.Use, make([]UseItem, MaxUseItems)...)
	g := valid()
	g.Use[0].Amount++
	for _, err := range []error{f.Validate(today), g.Validate(today)} {
		for _, e := range apperr.As(err).Fields {
			for _, lang := range i18n.Langs {
				if s := i18n.T(lang, e.Key, e.Args...); strings.Contains(s, "%!") || strings.HasPrefix(s, "[") {
					t.Errorf("%s in %s renders badly: %s", e.Key, lang, s)
				}
			}
		}
	}
}

// R-REQ-2: the ten topics of the convention, each asked once.
func TestTopics(t *testing.T) {
	if len(Topics) != 10 {
		t.Fatalf("%d topics, want 10", len(Topics))
	}
	seen := map[Topic]bool{}
	for _, tp := range Topics {
		if seen[tp] || !tp.Valid() {
			t.Errorf("topic %s repeated or not valid", tp)
		}
		seen[tp] = true
	}
	if Topic("pets").Valid() || Topic("").Valid() {
		t.Error("unknown topic is valid")
	}
	for _, tp := range []Topic{OtherPlatforms, Income, Debts, MedicalAssistance} {
		if !tp.NeedsAmount() {
			t.Errorf("%s.NeedsAmount() = false", tp)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("救救我", "张小明", patientID, "白血病", "医院", "北京", strings.Repeat("难", 60), "化疗", int64(300_000_00), int64(300_000_00), "详情", int64(0), "yes", uint8(3))
	f.Add("", "", "", "", "", "", "", "", int64(0), int64(0), "", int64(0), "", uint8(0))
	f.Add("\xff", "欧阳·\x00", "1234567890123456789", "\x00", " ", "\t", "a", " ", int64(-1), int64(1<<62), "\xfe", int64(-5), "on", uint8(255))
	f.Fuzz(func(t *testing.T, title, name, id, diag, hosp, city, story, label string, target, amount int64, detail string, disclosed int64, box string, mask uint8) {
		d := map[Topic]Disclosure{}
		for i, tp := range Topics {
			if mask&(1<<(i%8)) != 0 {
				d[tp] = Disclosure{Answered: true, Yes: i%2 == 0, Detail: detail, Amount: money.Fen(disclosed)}
			}
		}
		rels := append(Relationships, "", Relationship(label))
		fl := Filing{
			Title: title, Relationship: rels[int(mask)%len(rels)], RelationshipDetail: detail, RelationshipProof: mask&1 == 0,
			PatientName: name, PatientID: id, Diagnosis: diag, HospitalName: hosp, HospitalCity: city, Story: story,
			Target: money.Fen(target), Use: []UseItem{{Label: label, Amount: money.Fen(amount), Note: detail}},
			Disclosures: d, Truthful: box, Consent: box,
		}
		err := fl.Validate(today)
		if err == nil {
			return
		}
		e := apperr.As(err)
		if e == nil || e.Code != apperr.Invalid || len(e.Fields) == 0 {
			t.Fatalf("Validate = %v, want Invalid with fields", err)
		}
		for _, fe := range e.Fields {
			if !i18n.Has(fe.Key) {
				t.Errorf("field %s: key %s is not in the catalog", fe.Field, fe.Key)
			}
		}
		_ = PublicPatient(name)
		_ = Changes(fl.Public(), valid().Public())
	})
}

// TestCheckDraft: a draft may be incomplete, but what cannot be stored as
// it was typed is refused on its field: a text that is not UTF-8 (it would
// be stored with its bytes replaced) and a disclosure topic the form never
// asked (R-REQ-2).
func TestCheckDraft(t *testing.T) {
	tests := []struct {
		name   string
		change func(f *Filing)
		want   map[string]string
	}{
		{"Valid", func(f *Filing) {}, nil},
		{"Empty", func(f *Filing) { *f = Filing{} }, nil},
		{"Incomplete", func(f *Filing) { f.Story, f.Target, f.Disclosures = "短", 0, nil }, nil},
		{"ReplacementCharacterTyped", func(f *Filing) { f.Title = "救\uFFFD救" }, nil},
		{"NULLeftToValidate", func(f *Filing) { f.Title = "救\x00救" }, nil},
		{"TitleInvalidUTF8", func(f *Filing) { f.Title = "救\xff" }, map[string]string{"title": KeyTextInvalid}},
		{"StoryInvalidUTF8", func(f *Filing) { f.Story = "\xc3" }, map[string]string{"story": KeyTextInvalid}},
		{"RelationshipInvalidUTF8", func(f *Filing) { f.Relationship = "\xfe" }, map[string]string{"relationship": KeyTextInvalid}},
		{"UseNoteInvalidUTF8", func(f *Filing) { f.Use[1].Note = "a\x80" }, map[string]string{"use.1.note": KeyTextInvalid}},
		{"DetailInvalidUTF8", func(f *Filing) {
			f.Disclosures[Debts] = Disclosure{Answered: true, Yes: true, Detail: "\xff"}
		}, map[string]string{"disclosure.debts.detail": KeyTextInvalid}},
		{"UnknownTopic", func(f *Filing) { f.Disclosures["pets"] = Disclosure{Answered: true} },
			map[string]string{"disclosure": KeyUnknownTopic}},
		{"Both", func(f *Filing) { f.Title, f.Disclosures["Debts"] = "\xff", Disclosure{} },
			map[string]string{"title": KeyTextInvalid, "disclosure": KeyUnknownTopic}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid()
			tt.change(&f)
			got := fields(t, f.CheckDraft())
			if !maps.Equal(got, tt.want) {
				t.Errorf("field errors = %v\nwant %v", got, tt.want)
			}
		})
	}
}
