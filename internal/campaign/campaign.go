// Package campaign holds the rules of a request for help (求助信息) as pure
// functions and types: what a publisher must file and how it is validated
// (R-REQ-1, R-REQ-2, R-RULES-4), the ¥500,000 cap and what it takes to go
// above it (R-REQ-4, R-REQ-5), the life cycle of a request from draft to
// completion (R-PUB-4), the published text and what changed between two of
// its versions (R-REQ-6), and the masked name the public sees (R-PUB-1).
//
// Nothing here touches a database or the network, so every rule is proven by
// a table test. The store, the review workflow and the web pages build on
// these types; they never re-implement a rule.
//
// Errors are *apperr.Error values whose message keys are in the i18n
// catalog. They never carry what was typed: names, ID numbers and diagnoses
// are personal data, and errors end up in logs.
package campaign

import (
	"github.com/carefund/carefund/internal/money"
)

// Relationship is the publisher's relationship to the patient. A publisher
// who is not the patient must prove the relationship (R-REQ-3).
type Relationship string

// The relationships a publisher can declare.
const (
	Self          Relationship = "self"
	Parent        Relationship = "parent"
	Child         Relationship = "child"
	Spouse        Relationship = "spouse"
	Sibling       Relationship = "sibling"
	Grandparent   Relationship = "grandparent"
	Grandchild    Relationship = "grandchild"
	OtherRelative Relationship = "other_relative"
	Other         Relationship = "other"
)

// Relationships lists every relationship in the order a form offers them.
var Relationships = []Relationship{Self, Parent, Child, Spouse, Sibling, Grandparent, Grandchild, OtherRelative, Other}

// Valid reports whether r is one of Relationships.
func (r Relationship) Valid() bool {
	for _, x := range Relationships {
		if r == x {
			return true
		}
	}
	return false
}

// NeedsProof reports whether the publisher must upload proof of the
// relationship: always, unless they are the patient (R-REQ-3).
func (r Relationship) NeedsProof() bool { return r != Self }

// NeedsDetail reports whether the publisher must say in words what the
// relationship is: "other relative" and "other" say too little on their own
// for a reviewer to know what proof to expect.
func (r Relationship) NeedsDetail() bool { return r == OtherRelative || r == Other }

// NameKey is the i18n key of the relationship's name.
func (r Relationship) NameKey() string { return "campaign.relationship." + string(r) }

// Topic is one of the ten facts about the family's means that every request
// discloses (R-REQ-2).
type Topic string

// The disclosure topics of R-REQ-2, as the self-discipline convention 2.0
// lists them, then the family's assets.
const (
	MedicalInsurance    Topic = "medical_insurance"    // 基本医疗保险
	CommercialInsurance Topic = "commercial_insurance" // 商业保险
	MinimumLiving       Topic = "minimum_living"       // 低保
	PoorHousehold       Topic = "poor_household"       // 建档立卡贫困户
	MedicalAssistance   Topic = "medical_assistance"   // 政府医疗救助
	OtherPlatforms      Topic = "other_platforms"      // 其他平台筹款
	Housing             Topic = "housing"              // 房产
	Vehicles            Topic = "vehicles"             // 车辆
	Income              Topic = "income"               // 家庭年收入
	Debts               Topic = "debts"                // 负债
)

// Topics lists every disclosure topic in the order a form asks them.
var Topics = []Topic{
	MedicalInsurance, CommercialInsurance, MinimumLiving, PoorHousehold, MedicalAssistance,
	OtherPlatforms, Housing, Vehicles, Income, Debts,
}

// Valid reports whether t is one of Topics.
func (t Topic) Valid() bool {
	for _, x := range Topics {
		if t == x {
			return true
		}
	}
	return false
}

// NeedsAmount reports whether a "yes" must come with an amount. Where the
// answer is money the donor needs the figure, not a description: how much was
// already raised elsewhere, received from the government, earned in a year or
// owed. Property (housing, vehicles) may carry an estimated value but need
// not: a flat in a village has no market price anyone could state.
func (t Topic) NeedsAmount() bool {
	switch t {
	case MedicalAssistance, OtherPlatforms, Income, Debts:
		return true
	}
	return false
}

// TakesAmount reports whether the topic has an amount field at all: the
// topics that need one, and property, which may carry an estimated value.
func (t Topic) TakesAmount() bool { return t.NeedsAmount() || t == Housing || t == Vehicles }

// QuestionKey is the i18n key of the question a form asks for the topic.
func (t Topic) QuestionKey() string { return "campaign.topic." + string(t) }

// AmountKey is the i18n key of the label of the topic's amount field, for
// the topics that TakesAmount.
func (t Topic) AmountKey() string { return "campaign.topic." + string(t) + ".amount" }

// Disclosure is the answer to one topic. It is answered yes or no; a "yes"
// needs a detail (and an amount where the topic NeedsAmount); a "no" needs
// nothing, and carries no amount. It is never left unanswered (R-REQ-2).
type Disclosure struct {
	Answered bool
	Yes      bool
	Detail   string
	Amount   money.Fen // for the topics that take one: raised, received, per year, owed
}

// UseItem is one line of the breakdown of the target amount: what the money
// is for and how much.
type UseItem struct {
	Label  string
	Amount money.Fen
	Note   string // optional: how the figure was arrived at
}

// Filing is everything a publisher files for a request for help (R-REQ-1).
// The publisher's own identity is not here: it is the signed-in account,
// verified by real name before it can file (R-ACC-1).
//
// Text fields hold what was typed; Validate checks them and PatientName and
// PatientID are normalised by idcard.ParseName and idcard.Parse when stored.
type Filing struct {
	Title string // the headline of the public page

	Relationship       Relationship
	RelationshipDetail string // required for OtherRelative and Other
	RelationshipProof  bool   // proof of the relationship was uploaded (R-REQ-3)

	PatientName string
	PatientID   string // never published (R-PUB-1)

	Diagnosis    string
	HospitalName string
	HospitalCity string

	// Story says how the illness brought the family into hardship.
	Story string

	Target money.Fen
	Use    []UseItem
	// EstimatedCosts is the hospital's estimate of the treatment's total
	// cost, as the cost estimate uploaded with the filing states it
	// (R-REQ-3). The machine screen weighs the target against it
	// (R-REV-1, R-RISK-1).
	EstimatedCosts money.Fen

	// Disclosures answers every topic in Topics (R-REQ-2).
	Disclosures map[Topic]Disclosure

	// Truthful and Consent are the values of the two checkboxes: the
	// truthfulness declaration (R-RULES-4) and the agreement to the rules
	// (R-RULES-2). Only "yes" or "on" is a ticked box; see rules.CheckBox.
	Truthful string
	Consent  string
}

// Limits of a filing. Lengths are in characters (runes).
const (
	MinTarget money.Fen = 1_000_00     // ¥1,000: below that, a request costs more to review than it raises
	MaxTarget money.Fen = 5_000_000_00 // ¥5,000,000: an upper bound against typos; above CapFen needs a certificate

	MaxTitle        = 60
	MaxRelationship = 50
	MaxDiagnosis    = 200
	MaxHospitalName = 100
	MaxHospitalCity = 50
	MinStory        = 50
	MaxStory        = 5000
	MaxUseItems     = 20
	MaxUseLabel     = 50
	MaxUseNote      = 200
	MaxDetail       = 500
)
