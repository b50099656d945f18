// Package screen is the machine half of the double audit of a request for
// help (R-REV-1) and the rule part of the risk model (R-RISK-1): a set of
// independent screens that each look at one request and say pass, flag or
// block, with a score and the reasons, and Run, which combines their
// verdicts into one risk level.
//
// The screens are pure functions of a Subject and of Facts, a small
// interface over what the store knows (other requests of the same patient,
// the blacklist, shared phones and bank accounts). They never see plaintext
// personal data: people, phones, devices and bank accounts appear only as
// blind indexes, so a verdict can be stored, shown to staff and tested
// without exposing anyone.
//
// A block stops the request (a blacklisted person, R-BL-1; a patient with
// another request still fundraising); a flag sends it to a reviewer with
// the reasons; the score orders the review queue and decides when a second
// reviewer is needed (R-REV-3). Every screen runs, even after a block, so
// staff see the whole picture.
package screen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/money"
)

// Subject is what a screen looks at: plain values and blind indexes (opaque
// strings), never plaintext personal data.
type Subject struct {
	// RequestID is the request screened; Facts leave it out of "other
	// requests". Zero screens a request not yet stored.
	RequestID int64
	// PatientIndex and PublisherIndex are the blind indexes of the
	// patient's and the publisher's ID numbers, empty when not verified.
	PatientIndex, PublisherIndex string
	// PhoneIndexes, DeviceIDs and BankIndexes are the request's contact
	// phones, the devices it was filed from and the payee bank accounts.
	PhoneIndexes, DeviceIDs, BankIndexes []string
	// Target is the amount asked for; Use its breakdown by purpose.
	Target money.Fen
	Use    []money.Fen
	// DeclaredCosts is the cost estimate the medical materials support.
	DeclaredCosts money.Fen
	// Texts are the story, the diagnosis and the updates, screened for
	// risky wording.
	Texts []string
}

// BlacklistEntry is the part of a blacklist entry (R-BL-1) a screen needs.
type BlacklistEntry struct {
	ID int64
	// Reason is why the person was listed, written by staff; screens put
	// it only in StaffOnly reasons.
	Reason string
}

// Facts are what the store knows, behind the few questions the screens
// ask. Every method leaves out the request with id except, so a request is
// never its own duplicate. An error is a store failure: Run stops and
// returns it, because a screening with a missing part must not pass.
type Facts interface {
	// OpenRequestsForPatient returns the other requests for the patient
	// that are under review or fundraising.
	OpenRequestsForPatient(patientIndex string, except int64) ([]int64, error)
	// RequestsByPublisher returns the other requests the publisher filed,
	// in any state.
	RequestsByPublisher(publisherIndex string, except int64) ([]int64, error)
	// Blacklisted returns the blacklist entry in force for the person with
	// the ID-number index, or nil.
	Blacklisted(index string) (entry *BlacklistEntry, err error)
	// SharedLinks returns, for each value of the kind (LinkPhone,
	// LinkDevice, LinkBank) that other requests also use, those requests.
	// Values no other request uses may be left out.
	SharedLinks(kind string, values []string, except int64) (map[string][]int64, error)
}

// Outcome is a screen's decision.
type Outcome string

// The outcomes, in increasing severity.
const (
	Pass  Outcome = "pass"  // nothing found, or only a score
	Flag  Outcome = "flag"  // a reviewer must look at the reasons
	Block Outcome = "block" // the request cannot go on
)

// severity orders the outcomes; an unknown outcome is -1.
func (o Outcome) severity() int {
	switch o {
	case Pass:
		return 0
	case Flag:
		return 1
	case Block:
		return 2
	}
	return -1
}

// Key returns the outcome's message key.
func (o Outcome) Key() string { return "screen.outcome." + string(o) }

// Reason is one finding, as a message key and its arguments.
type Reason struct {
	Key string
	// Args are the message's arguments. They are always strings, so a
	// reason stored as JSON renders the same when read back.
	Args []string
	// StaffOnly marks a reason never shown to the requester: it names
	// other requests, a blacklist entry's reason, or the exact phrase
	// that tripped a screen, which would teach a fraudster what to avoid.
	StaffOnly bool
}

// ArgsAny returns the arguments as i18n.T takes them.
func (r Reason) ArgsAny() []any {
	a := make([]any, len(r.Args))
	for i, s := range r.Args {
		a[i] = s
	}
	return a
}

// Verdict is one screen's decision on one request.
type Verdict struct {
	Screen  string
	Outcome Outcome
	// Score is the screen's contribution to the risk score, zero or more.
	Score   int
	Reasons []Reason
}

// add records a finding: the reason, the score, and an outcome at least o.
func (v *Verdict) add(o Outcome, score int, r ...Reason) {
	if o.severity() > v.Outcome.severity() {
		v.Outcome = o
	}
	v.Score += score
	v.Reasons = append(v.Reasons, r...)
}

// Screen is one independent check.
type Screen interface {
	// Name identifies the screen in stored verdicts; "screen.name."+Name()
	// is its message key.
	Name() string
	// Check screens s. An error is a failure of f, not a finding.
	Check(s Subject, f Facts) (Verdict, error)
}

// Default returns the platform's screens with their default settings:
// blacklist, duplicates, completeness and consistency, shared links, and
// risky wording.
func Default() []Screen {
	return []Screen{Blacklist{}, Duplicates{}, Consistency{}, SharedLinks{}, Wording{}}
}

// Level is the risk level of a screened request.
type Level string

// The levels. Blocked means some screen blocked the request, whatever the
// score.
const (
	Low     Level = "low"
	Medium  Level = "medium"
	High    Level = "high"
	Blocked Level = "blocked"
)

// Key returns the level's message key.
func (l Level) Key() string { return "screen.level." + string(l) }

// The score thresholds of the levels. A flagged request is at least
// Medium whatever its score, because a flag means a reviewer must read the
// reasons before anything else happens.
const (
	MediumAt = 30
	HighAt   = 60
)

// Result is the outcome of Run: every verdict and their combination.
type Result struct {
	Verdicts []Verdict
	Score    int
	Level    Level
}

// Reasons returns the reasons of every verdict, the StaffOnly ones only if
// staff is true: what a reviewer reads, or what the requester may see.
func (r Result) Reasons(staff bool) []Reason {
	var out []Reason
	for _, v := range r.Verdicts {
		for _, x := range v.Reasons {
			if staff || !x.StaffOnly {
				out = append(out, x)
			}
		}
	}
	return out
}

// Run runs every screen on s, in order, and combines their verdicts: the
// score is their sum, and the level is Blocked if any blocked, otherwise
// set by the score thresholds and raised to Medium by any flag. It stops at
// the first error, a failure of f or a screen returning a malformed
// verdict, and returns it with an empty Result.
func Run(screens []Screen, s Subject, f Facts) (Result, error) {
	res := Result{Verdicts: make([]Verdict, 0, len(screens))}
	worst := Pass
	for _, sc := range screens {
		v, err := sc.Check(s, f)
		if err != nil {
			return Result{}, fmt.Errorf("screen %s: %w", sc.Name(), err)
		}
		if v.Screen == "" {
			v.Screen = sc.Name()
		}
		if v.Outcome == "" {
			v.Outcome = Pass
		}
		if v.Outcome.severity() < 0 || v.Score < 0 {
			return Result{}, fmt.Errorf("screen %s: malformed verdict (outcome %q, score %d)", sc.Name(), v.Outcome, v.Score)
		}
		if v.Outcome.severity() > worst.severity() {
			worst = v.Outcome
		}
		res.Score += v.Score
		res.Verdicts = append(res.Verdicts, v)
	}
	res.Level = level(res.Score, worst)
	return res, nil
}

// level maps a score and the worst outcome to a level.
func level(score int, worst Outcome) Level {
	switch {
	case worst == Block:
		return Blocked
	case score >= HighAt:
		return High
	case score >= MediumAt || worst == Flag:
		return Medium
	}
	return Low
}

// maxListed is how many request ids a reason lists; the rest are counted.
const maxListed = 10

// idList formats request ids for a reason, "#3, #12", sorted and without
// repeats, with "…" after maxListed of them.
func idList(ids []int64) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var b strings.Builder
	for i, id := range ids {
		if i == maxListed {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('#')
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// others returns ids without except, sorted and without repeats: a store
// that forgot to leave out the request itself must not make it its own
// duplicate.
func others(ids []int64, except int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != except || except == 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// capped returns n*each, at most limit, without overflowing for any n.
func capped(n, each, limit int) int {
	if n > limit/each {
		return limit
	}
	return n * each
}
