package screen

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
)

// fakeFacts answers from maps. Unlike the store it does not leave out the
// request being screened: the screens must not trust Facts with that.
type fakeFacts struct {
	open        map[string][]int64
	byPublisher map[string][]int64
	black       map[string]*BlacklistEntry
	links       map[string]map[string][]int64 // kind → value → requests
	err         error
	asked       []string // "method:arg" of every call
}

func (f *fakeFacts) OpenRequestsForPatient(patient string, except int64) ([]int64, error) {
	f.asked = append(f.asked, "open:"+patient)
	return f.open[patient], f.err
}

func (f *fakeFacts) RequestsByPublisher(publisher string, except int64) ([]int64, error) {
	f.asked = append(f.asked, "publisher:"+publisher)
	return f.byPublisher[publisher], f.err
}

func (f *fakeFacts) Blacklisted(index string) (*BlacklistEntry, error) {
	f.asked = append(f.asked, "blacklist:"+index)
	return f.black[index], f.err
}

func (f *fakeFacts) SharedLinks(kind string, values []string, except int64) (map[string][]int64, error) {
	f.asked = append(f.asked, "links:"+kind+":"+strings.Join(values, ","))
	out := map[string][]int64{}
	for v, ids := range f.links[kind] {
		out[v] = ids // including values not asked about, which screens must ignore
	}
	return out, f.err
}

// clean is a complete, consistent request that no screen objects to.
func clean() Subject {
	return Subject{
		RequestID:      7,
		PatientIndex:   "idx-patient",
		PublisherIndex: "idx-publisher",
		PhoneIndexes:   []string{"idx-phone"},
		DeviceIDs:      []string{"dev-1"},
		BankIndexes:    []string{"idx-bank"},
		Target:         100_000_00,
		Use:            []money.Fen{60_000_00, 40_000_00},
		DeclaredCosts:  100_000_00,
		Texts:          []string{"患者于2024年确诊急性白血病，需进行化疗和骨髓移植。", "已完成第一期化疗。"},
	}
}

// keys returns the reason keys of v, in order.
func keys(v Verdict) []string {
	var k []string
	for _, r := range v.Reasons {
		k = append(k, r.Key)
	}
	return k
}

// checkMessages fails unless every reason of v is in the catalog and
// renders in both languages with the arguments it carries.
func checkMessages(t *testing.T, v Verdict) {
	t.Helper()
	for _, r := range v.Reasons {
		if !i18n.Has(r.Key) {
			t.Errorf("reason key %s is not in the catalog", r.Key)
			continue
		}
		for _, l := range i18n.Langs {
			if s := i18n.T(l, r.Key, r.ArgsAny()...); strings.Contains(s, "%!") {
				t.Errorf("%s in %s with %q renders as %q", r.Key, l, r.Args, s)
			}
		}
	}
}

func TestConsistency(t *testing.T) {
	// R-REV-1: the machine pre-screen checks a request is complete and adds up.
	tests := []struct {
		name    string
		screen  Consistency
		edit    func(*Subject)
		outcome Outcome
		keys    []string
	}{
		{"Complete", Consistency{}, func(*Subject) {}, Pass, nil},
		{"BreakdownMismatch", Consistency{}, func(s *Subject) { s.Use = []money.Fen{60_000_00, 39_999_99} }, Flag,
			[]string{"screen.consistency.breakdown_mismatch"}},
		{"BreakdownOneFenOver", Consistency{}, func(s *Subject) { s.Use = []money.Fen{60_000_00, 40_000_01} }, Flag,
			[]string{"screen.consistency.breakdown_mismatch"}},
		{"BreakdownOverflowDoesNotWrap", Consistency{}, func(s *Subject) {
			// Summed in int64 these wrap around to exactly the target.
			s.Target = 2
			s.Use = []money.Fen{math.MaxInt64, math.MaxInt64, 4}
			s.DeclaredCosts = 2
		}, Flag, []string{"screen.consistency.breakdown_mismatch"}},
		{"TargetAtRatio", Consistency{}, func(s *Subject) {
			s.Target, s.Use = 120_000_00, []money.Fen{120_000_00}
		}, Pass, nil},
		{"TargetOneFenAboveRatio", Consistency{}, func(s *Subject) {
			s.Target, s.Use = 120_000_01, []money.Fen{120_000_01}
		}, Flag, []string{"screen.consistency.target_above_costs"}},
		{"CustomRatio", Consistency{CostRatioPercent: 150}, func(s *Subject) {
			s.Target, s.Use = 150_000_00, []money.Fen{150_000_00}
		}, Pass, nil},
		{"CustomRatioExceeded", Consistency{CostRatioPercent: 100}, func(s *Subject) {
			s.Target, s.Use = 100_000_01, []money.Fen{100_000_01}
		}, Flag, []string{"screen.consistency.target_above_costs"}},
		{"HugeTarget", Consistency{CostRatioPercent: math.MaxInt}, func(s *Subject) {
			s.Target, s.Use, s.DeclaredCosts = money.MaxFen, []money.Fen{money.MaxFen}, 1
		}, Pass, nil},
		{"NoTarget", Consistency{}, func(s *Subject) { s.Target = 0 }, Flag,
			[]string{"screen.consistency.no_target"}},
		{"NoBreakdown", Consistency{}, func(s *Subject) { s.Use = nil }, Flag,
			[]string{"screen.consistency.no_breakdown"}},
		{"NonPositiveUse", Consistency{}, func(s *Subject) { s.Use = []money.Fen{100_000_00, 0} }, Flag,
			[]string{"screen.consistency.use_not_positive"}},
		{"NegativeUse", Consistency{}, func(s *Subject) { s.Use = []money.Fen{110_000_00, -10_000_00} }, Flag,
			[]string{"screen.consistency.use_not_positive"}},
		{"NoCosts", Consistency{}, func(s *Subject) { s.DeclaredCosts = 0 }, Flag,
			[]string{"screen.consistency.no_costs"}},
		{"BlankStory", Consistency{}, func(s *Subject) { s.Texts = []string{" ", "\u3000\n"} }, Flag,
			[]string{"screen.consistency.no_story"}},
		{"Unverified", Consistency{}, func(s *Subject) { s.PatientIndex, s.PublisherIndex = "", "" }, Flag,
			[]string{"screen.consistency.unverified_patient", "screen.consistency.unverified_publisher"}},
		{"Empty", Consistency{}, func(s *Subject) { *s = Subject{} }, Flag, []string{
			"screen.consistency.unverified_patient", "screen.consistency.unverified_publisher",
			"screen.consistency.no_story", "screen.consistency.no_target",
			"screen.consistency.no_breakdown", "screen.consistency.no_costs",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := clean()
			tt.edit(&s)
			f := &fakeFacts{}
			v, err := tt.screen.Check(s, f)
			if err != nil {
				t.Fatal(err)
			}
			if v.Outcome != tt.outcome {
				t.Errorf("outcome = %s, want %s", v.Outcome, tt.outcome)
			}
			if got := keys(v); !slices.Equal(got, tt.keys) {
				t.Errorf("reasons = %q, want %q", got, tt.keys)
			}
			if want := ScoreConsistency * len(tt.keys); v.Score != want {
				t.Errorf("score = %d, want %d", v.Score, want)
			}
			for _, r := range v.Reasons {
				if r.StaffOnly {
					t.Errorf("%s is staff-only; the requester needs it to fix the request", r.Key)
				}
			}
			if len(f.asked) > 0 {
				t.Errorf("asked Facts %q; consistency needs none", f.asked)
			}
			checkMessages(t, v)
		})
	}
}

func TestConsistencyMismatchArgs(t *testing.T) {
	s := clean()
	s.Use = []money.Fen{60_000_00, 39_999_99}
	v, _ := Consistency{}.Check(s, nil)
	if len(v.Reasons) != 1 || !slices.Equal(v.Reasons[0].Args, []string{"99999.99", "100000.00"}) {
		t.Errorf("reasons = %+v, want the sum and the target in yuan", v.Reasons)
	}
}

func TestDuplicates(t *testing.T) {
	// R-REV-1: the pre-screen finds duplicates; the same patient cannot
	// have two requests fundraising at once.
	tests := []struct {
		name    string
		facts   fakeFacts
		edit    func(*Subject)
		outcome Outcome
		score   int
		keys    []string
	}{
		{"None", fakeFacts{}, func(*Subject) {}, Pass, 0, nil},
		{"PatientOpenElsewhere", fakeFacts{open: map[string][]int64{"idx-patient": {3}}}, func(*Subject) {}, Block, ScoreBlock,
			[]string{"screen.duplicate.patient_open", "screen.duplicate.patient_open_staff"}},
		{"OnlyItself", fakeFacts{open: map[string][]int64{"idx-patient": {7}}, byPublisher: map[string][]int64{"idx-publisher": {7, 7}}},
			func(*Subject) {}, Pass, 0, nil},
		{"NewRequestDoesNotExcludeAnything", fakeFacts{open: map[string][]int64{"idx-patient": {3}}},
			func(s *Subject) { s.RequestID = 0 }, Block, ScoreBlock,
			[]string{"screen.duplicate.patient_open", "screen.duplicate.patient_open_staff"}},
		{"OtherPatient", fakeFacts{open: map[string][]int64{"idx-someone-else": {3}}}, func(*Subject) {}, Pass, 0, nil},
		{"PublisherOneOther", fakeFacts{byPublisher: map[string][]int64{"idx-publisher": {2}}}, func(*Subject) {}, Pass,
			ScorePerPublisherRequest, []string{"screen.duplicate.publisher_other_staff"}},
		{"PublisherTwoOthers", fakeFacts{byPublisher: map[string][]int64{"idx-publisher": {2, 7, 5}}}, func(*Subject) {}, Pass,
			2 * ScorePerPublisherRequest, []string{"screen.duplicate.publisher_other_staff"}},
		{"PublisherManyFlags", fakeFacts{byPublisher: map[string][]int64{"idx-publisher": {1, 2, 3}}}, func(*Subject) {}, Flag,
			3 * ScorePerPublisherRequest, []string{"screen.duplicate.publisher_other_staff"}},
		{"PublisherScoreCapped", fakeFacts{byPublisher: map[string][]int64{"idx-publisher": {1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13}}},
			func(*Subject) {}, Flag, PublisherScoreCap, []string{"screen.duplicate.publisher_other_staff"}},
		{"Both", fakeFacts{open: map[string][]int64{"idx-patient": {3}}, byPublisher: map[string][]int64{"idx-publisher": {3}}},
			func(*Subject) {}, Block, ScoreBlock + ScorePerPublisherRequest,
			[]string{"screen.duplicate.patient_open", "screen.duplicate.patient_open_staff", "screen.duplicate.publisher_other_staff"}},
		{"UnverifiedNotAsked", fakeFacts{open: map[string][]int64{"": {3}}, byPublisher: map[string][]int64{"": {3}}},
			func(s *Subject) { s.PatientIndex, s.PublisherIndex = "", "" }, Pass, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := clean()
			tt.edit(&s)
			v, err := Duplicates{}.Check(s, &tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			if v.Outcome != tt.outcome || v.Score != tt.score {
				t.Errorf("outcome, score = %s, %d, want %s, %d", v.Outcome, v.Score, tt.outcome, tt.score)
			}
			if got := keys(v); !slices.Equal(got, tt.keys) {
				t.Errorf("reasons = %q, want %q", got, tt.keys)
			}
			for _, r := range v.Reasons {
				// Other requests may be someone else's: only staff see them.
				if want := strings.HasSuffix(r.Key, "_staff"); r.StaffOnly != want {
					t.Errorf("%s: StaffOnly = %v, want %v", r.Key, r.StaffOnly, want)
				}
			}
			checkMessages(t, v)
		})
	}
}

func TestDuplicatesListsOthers(t *testing.T) {
	f := &fakeFacts{open: map[string][]int64{"idx-patient": {12, 3, 7, 3}}}
	v, _ := Duplicates{}.Check(clean(), f)
	if got := v.Reasons[1].Args; !slices.Equal(got, []string{"#3, #12"}) {
		t.Errorf("args = %q, want the other requests sorted, without this one and repeats", got)
	}
}

func TestBlacklist(t *testing.T) {
	// R-BL-1: a blacklisted person cannot request or publish.
	entry := &BlacklistEntry{ID: 41, Reason: "2023年虚构病情骗取捐款，已退回"}
	tests := []struct {
		name    string
		black   map[string]*BlacklistEntry
		edit    func(*Subject)
		outcome Outcome
		keys    []string
	}{
		{"NotListed", nil, func(*Subject) {}, Pass, nil},
		{"OtherPersonListed", map[string]*BlacklistEntry{"idx-other": entry}, func(*Subject) {}, Pass, nil},
		{"Patient", map[string]*BlacklistEntry{"idx-patient": entry}, func(*Subject) {}, Block,
			[]string{"screen.blacklist.blocked", "screen.blacklist.patient_staff"}},
		{"Publisher", map[string]*BlacklistEntry{"idx-publisher": entry}, func(*Subject) {}, Block,
			[]string{"screen.blacklist.blocked", "screen.blacklist.publisher_staff"}},
		{"Both", map[string]*BlacklistEntry{"idx-patient": entry, "idx-publisher": {ID: 42, Reason: "x"}}, func(*Subject) {}, Block,
			[]string{"screen.blacklist.blocked", "screen.blacklist.patient_staff", "screen.blacklist.publisher_staff"}},
		{"PatientPublishesForThemself", map[string]*BlacklistEntry{"idx-patient": entry},
			func(s *Subject) { s.PublisherIndex = s.PatientIndex }, Block,
			[]string{"screen.blacklist.blocked", "screen.blacklist.patient_staff", "screen.blacklist.publisher_staff"}},
		{"UnverifiedNotAsked", map[string]*BlacklistEntry{"": entry},
			func(s *Subject) { s.PatientIndex, s.PublisherIndex = "", "" }, Pass, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := clean()
			tt.edit(&s)
			v, err := Blacklist{}.Check(s, &fakeFacts{black: tt.black})
			if err != nil {
				t.Fatal(err)
			}
			if v.Outcome != tt.outcome {
				t.Errorf("outcome = %s, want %s", v.Outcome, tt.outcome)
			}
			if got := keys(v); !slices.Equal(got, tt.keys) {
				t.Errorf("reasons = %q, want %q", got, tt.keys)
			}
			if want := map[Outcome]int{Pass: 0, Block: ScoreBlock}[tt.outcome]; v.Score != want {
				t.Errorf("score = %d, want %d", v.Score, want)
			}
			checkMessages(t, v)
		})
	}
}

func TestBlacklistReasonIsStaffOnly(t *testing.T) {
	// R-BL-1: the entry's reason is for staff; the requester learns only
	// that the request is blocked and that an appeal is possible.
	const why = "2023年虚构病情骗取捐款"
	f := &fakeFacts{black: map[string]*BlacklistEntry{"idx-publisher": {ID: 9, Reason: why}}}
	res, err := Run(Default(), clean(), f)
	if err != nil {
		t.Fatal(err)
	}
	if res.Level != Blocked {
		t.Errorf("level = %s, want blocked", res.Level)
	}
	var staffSees bool
	for _, r := range res.Reasons(true) {
		if slices.Contains(r.Args, why) {
			staffSees = true
			if !r.StaffOnly {
				t.Errorf("%s carries the blacklist reason but is not StaffOnly", r.Key)
			}
		}
	}
	if !staffSees {
		t.Error("no reason carries the blacklist entry's reason for staff")
	}
	public := res.Reasons(false)
	if len(public) == 0 {
		t.Fatal("the requester is not told why the request is blocked")
	}
	for _, r := range public {
		if r.StaffOnly || slices.Contains(r.Args, why) {
			t.Errorf("the requester sees %+v", r)
		}
		for _, l := range i18n.Langs {
			if strings.Contains(i18n.T(l, r.Key, r.ArgsAny()...), why) {
				t.Errorf("the requester's message %s shows the reason", r.Key)
			}
		}
	}
}

func TestSharedLinks(t *testing.T) {
	// R-RISK-1: the risk model scores the relationship network of shared
	// phones, devices and bank accounts.
	tests := []struct {
		name    string
		links   map[string]map[string][]int64
		edit    func(*Subject)
		outcome Outcome
		score   int
		keys    []string
	}{
		{"None", nil, func(*Subject) {}, Pass, 0, nil},
		{"OnlyItself", map[string]map[string][]int64{LinkPhone: {"idx-phone": {7}}}, func(*Subject) {}, Pass, 0, nil},
		{"OnePhone", map[string]map[string][]int64{LinkPhone: {"idx-phone": {3}}}, func(*Subject) {}, Pass,
			ScorePerLinkedRequest, []string{"screen.links.phone_staff"}},
		{"SameRequestTwoWaysCountsOnce", map[string]map[string][]int64{
			LinkPhone: {"idx-phone": {3}}, LinkBank: {"idx-bank": {3}},
		}, func(*Subject) {}, Pass, ScorePerLinkedRequest, []string{"screen.links.phone_staff", "screen.links.bank_staff"}},
		{"TwoRequests", map[string]map[string][]int64{
			LinkDevice: {"dev-1": {3}}, LinkBank: {"idx-bank": {4}},
		}, func(*Subject) {}, Pass, 2 * ScorePerLinkedRequest, []string{"screen.links.device_staff", "screen.links.bank_staff"}},
		{"NetworkFlags", map[string]map[string][]int64{
			LinkPhone: {"idx-phone": {3, 4}}, LinkBank: {"idx-bank": {5}},
		}, func(*Subject) {}, Flag, 3 * ScorePerLinkedRequest,
			[]string{"screen.links.phone_staff", "screen.links.bank_staff", "screen.links.network_staff"}},
		{"ScoreCapped", map[string]map[string][]int64{
			LinkDevice: {"dev-1": {1, 2, 3, 4, 5, 6, 8, 9}},
		}, func(*Subject) {}, Flag, LinkScoreCap, []string{"screen.links.device_staff", "screen.links.network_staff"}},
		{"ValueNotAskedIgnored", map[string]map[string][]int64{LinkPhone: {"idx-other-phone": {3, 4, 5}}},
			func(*Subject) {}, Pass, 0, nil},
		{"SeveralValues", map[string]map[string][]int64{LinkPhone: {"p1": {3}, "p2": {3, 4}}},
			func(s *Subject) { s.PhoneIndexes = []string{"p1", "p2", "p2", ""} }, Pass, 2 * ScorePerLinkedRequest,
			[]string{"screen.links.phone_staff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := clean()
			tt.edit(&s)
			v, err := SharedLinks{}.Check(s, &fakeFacts{links: tt.links})
			if err != nil {
				t.Fatal(err)
			}
			if v.Outcome != tt.outcome || v.Score != tt.score {
				t.Errorf("outcome, score = %s, %d, want %s, %d", v.Outcome, v.Score, tt.outcome, tt.score)
			}
			if got := keys(v); !slices.Equal(got, tt.keys) {
				t.Errorf("reasons = %q, want %q", got, tt.keys)
			}
			for _, r := range v.Reasons {
				if !r.StaffOnly {
					t.Errorf("%s names other requests but is not StaffOnly", r.Key)
				}
			}
			checkMessages(t, v)
		})
	}
}

func TestSharedLinksAsksOnlyForValues(t *testing.T) {
	s := clean()
	s.PhoneIndexes = []string{"b", "a", "b", ""}
	s.DeviceIDs = nil
	s.BankIndexes = []string{""}
	f := &fakeFacts{}
	if _, err := (SharedLinks{}).Check(s, f); err != nil {
		t.Fatal(err)
	}
	if want := []string{"links:phone:a,b"}; !slices.Equal(f.asked, want) {
		t.Errorf("asked %q, want %q: distinct non-empty values, no call without any", f.asked, want)
	}
}

func TestWording(t *testing.T) {
	// R-RISK-1: risky wording typical of fraud or commission-taking is flagged.
	tests := []struct {
		name    string
		screen  Wording
		texts   []string
		phrases []string // named in the staff reasons, in order
	}{
		{"Clean", Wording{}, []string{"患者需要骨髓移植，费用约三十万元。", "Treatment is going well."}, nil},
		{"Chinese", Wording{}, []string{"转发本求助可获返利"}, []string{"返利"}},
		{"SecondText", Wording{}, []string{"病情说明", "捐款请转账到个人账户"}, []string{"转账到个人账户"}},
		{"SpacesBetween", Wording{}, []string{"保 证\u3000治\n愈"}, []string{"保证治愈"}},
		{"ZeroWidth", Wording{}, []string{"加\u200b微信\u200d私聊"}, []string{"加微信私聊"}},
		{"FullWidthEnglish", Wording{}, []string{"ＧＵＡＲＡＮＴＥＥＤ　ＣＵＲＥ"}, []string{"guaranteed cure"}},
		{"EnglishCaseAndSpaces", Wording{}, []string{"Please  ADD me ON\tWeChat"}, []string{"add me on wechat"}},
		{"Several", Wording{}, []string{"高额回报，提成丰厚", "rebate"},
			[]string{"提成", "高额回报", "rebate"}},
		{"RepeatedOnce", Wording{}, []string{"返利", "返利"}, []string{"返利"}},
		{"Custom", Wording{Phrases: []string{"秘方", " ", ""}}, []string{"祖传秘方，返利"}, []string{"秘方"}},
		{"CustomEmptyList", Wording{Phrases: []string{}}, []string{"返利"}, nil},
		{"NoTexts", Wording{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := clean()
			s.Texts = tt.texts
			v, err := tt.screen.Check(s, nil)
			if err != nil {
				t.Fatal(err)
			}
			var named []string
			for _, r := range v.Reasons {
				if r.Key == "screen.wording.phrase_staff" {
					named = append(named, r.Args[0])
					if !r.StaffOnly {
						t.Error("a reason naming the phrase is not StaffOnly")
					}
				}
			}
			if !slices.Equal(named, tt.phrases) {
				t.Errorf("phrases named = %q, want %q", named, tt.phrases)
			}
			wantOutcome, wantScore := Pass, 0
			if len(tt.phrases) > 0 {
				wantOutcome, wantScore = Flag, min(len(tt.phrases)*ScorePerPhrase, WordingScoreCap)
				if v.Reasons[0].Key != "screen.wording.review" || v.Reasons[0].StaffOnly || len(v.Reasons[0].Args) > 0 {
					t.Errorf("first reason = %+v, want a public one naming no phrase", v.Reasons[0])
				}
			}
			if v.Outcome != wantOutcome || v.Score != wantScore {
				t.Errorf("outcome, score = %s, %d, want %s, %d", v.Outcome, v.Score, wantOutcome, wantScore)
			}
			checkMessages(t, v)
		})
	}
}

func TestWordingNamesText(t *testing.T) {
	s := clean()
	s.Texts = []string{"ok", "ok", "稳赚不赔"}
	v, _ := Wording{}.Check(s, nil)
	if got := v.Reasons[1].Args; !slices.Equal(got, []string{"稳赚不赔", "3"}) {
		t.Errorf("args = %q, want the phrase and the text's number", got)
	}
}

func TestWordingScoreCapped(t *testing.T) {
	s := clean()
	s.Texts = []string{strings.Join(RiskyPhrases(), "。")}
	v, _ := Wording{}.Check(s, nil)
	if v.Score != WordingScoreCap {
		t.Errorf("score = %d, want the cap %d", v.Score, WordingScoreCap)
	}
	if got, want := len(v.Reasons), 1+len(RiskyPhrases()); got != want {
		t.Errorf("%d reasons, want %d: every phrase is named, though the score is capped", got, want)
	}
}

func TestRiskyPhrasesAreMatchable(t *testing.T) {
	// Each default phrase must survive normalisation and be found in a
	// text that is exactly that phrase.
	for _, p := range RiskyPhrases() {
		s := clean()
		s.Texts = []string{p}
		v, _ := Wording{}.Check(s, nil)
		if v.Outcome != Flag {
			t.Errorf("%q does not flag itself", p)
		}
	}
}

// stub is a Screen with a fixed answer.
type stub struct {
	name string
	v    Verdict
	err  error
}

func (s stub) Name() string                          { return s.name }
func (s stub) Check(Subject, Facts) (Verdict, error) { return s.v, s.err }

func TestRunLevels(t *testing.T) {
	// R-RISK-1: every request gets a score and a level.
	v := func(o Outcome, score int) Screen { return stub{name: "s", v: Verdict{Outcome: o, Score: score}} }
	tests := []struct {
		name    string
		screens []Screen
		score   int
		level   Level
	}{
		{"NoScreens", nil, 0, Low},
		{"AllPass", []Screen{v(Pass, 0), v(Pass, 0)}, 0, Low},
		{"BelowMedium", []Screen{v(Pass, 10), v(Pass, MediumAt-11)}, MediumAt - 1, Low},
		{"Medium", []Screen{v(Pass, 10), v(Pass, MediumAt-10)}, MediumAt, Medium},
		{"FlagRaisesToMedium", []Screen{v(Flag, 1)}, 1, Medium},
		{"BelowHigh", []Screen{v(Flag, HighAt-1)}, HighAt - 1, Medium},
		{"High", []Screen{v(Pass, HighAt-20), v(Flag, 20)}, HighAt, High},
		{"BlockWithoutScore", []Screen{v(Block, 0)}, 0, Blocked},
		{"BlockBeatsHigh", []Screen{v(Pass, 1000), v(Block, 0)}, 1000, Blocked},
		{"EmptyOutcomeIsPass", []Screen{v("", 5)}, 5, Low},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(tt.screens, clean(), &fakeFacts{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Score != tt.score || res.Level != tt.level {
				t.Errorf("score, level = %d, %s, want %d, %s", res.Score, res.Level, tt.score, tt.level)
			}
			if len(res.Verdicts) != len(tt.screens) {
				t.Errorf("%d verdicts for %d screens", len(res.Verdicts), len(tt.screens))
			}
			for _, v := range res.Verdicts {
				if v.Screen != "s" || v.Outcome.severity() < 0 {
					t.Errorf("verdict %+v lacks its screen's name or outcome", v)
				}
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	boom := errors.New("database is down")
	tests := []struct {
		name   string
		screen Screen
		is     error
	}{
		{"ScreenFails", stub{name: "s", err: boom}, boom},
		{"UnknownOutcome", stub{name: "s", v: Verdict{Outcome: "maybe"}}, nil},
		{"NegativeScore", stub{name: "s", v: Verdict{Outcome: Pass, Score: -50}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run([]Screen{Blacklist{}, tt.screen}, clean(), &fakeFacts{})
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.is)
			}
			if res.Level != "" || len(res.Verdicts) > 0 {
				t.Errorf("result %+v with an error; a partial screening must not look complete", res)
			}
		})
	}
}

func TestFactsErrorsPropagate(t *testing.T) {
	// A screening that could not ask the store must fail, never pass.
	boom := errors.New("database is down")
	for _, sc := range []Screen{Duplicates{}, Blacklist{}, SharedLinks{}} {
		t.Run(sc.Name(), func(t *testing.T) {
			_, err := sc.Check(clean(), &fakeFacts{err: boom})
			if !errors.Is(err, boom) {
				t.Errorf("err = %v, want %v", err, boom)
			}
			if _, err := Run([]Screen{sc}, clean(), &fakeFacts{err: boom}); !errors.Is(err, boom) {
				t.Errorf("Run: err = %v, want %v", err, boom)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	// R-REV-1: the default pre-screen covers rules, duplicates, the
	// blacklist and the relationship network.
	want := []string{"blacklist", "duplicate", "consistency", "links", "wording"}
	var got []string
	for _, sc := range Default() {
		got = append(got, sc.Name())
		if !i18n.Has("screen.name." + sc.Name()) {
			t.Errorf("screen.name.%s is not in the catalog", sc.Name())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Default() = %q, want %q", got, want)
	}
	for _, o := range []Outcome{Pass, Flag, Block} {
		if !i18n.Has(o.Key()) {
			t.Errorf("%s is not in the catalog", o.Key())
		}
	}
	for _, l := range []Level{Low, Medium, High, Blocked} {
		if !i18n.Has(l.Key()) {
			t.Errorf("%s is not in the catalog", l.Key())
		}
	}

	t.Run("Clean", func(t *testing.T) {
		res, err := Run(Default(), clean(), &fakeFacts{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Level != Low || res.Score != 0 || len(res.Reasons(true)) != 0 {
			t.Errorf("clean request: %+v", res)
		}
	})
	t.Run("Everything", func(t *testing.T) {
		s := clean()
		s.Use = []money.Fen{1}
		s.Texts = append(s.Texts, "返利")
		f := &fakeFacts{
			open:        map[string][]int64{"idx-patient": {1}},
			byPublisher: map[string][]int64{"idx-publisher": {1, 2, 3}},
			black:       map[string]*BlacklistEntry{"idx-patient": {ID: 1, Reason: "r"}},
			links:       map[string]map[string][]int64{LinkPhone: {"idx-phone": {1, 2, 3}}},
		}
		res, err := Run(Default(), s, f)
		if err != nil {
			t.Fatal(err)
		}
		if res.Level != Blocked {
			t.Errorf("level = %s, want blocked", res.Level)
		}
		sum := 0
		for _, v := range res.Verdicts {
			sum += v.Score
			if v.Outcome == Pass {
				t.Errorf("%s passed", v.Screen)
			}
			checkMessages(t, v)
			// Reasons carry no personal data: no blind index of the
			// subject appears in them.
			for _, r := range v.Reasons {
				for _, a := range r.Args {
					for _, idx := range []string{s.PatientIndex, s.PublisherIndex, "idx-phone", "dev-1", "idx-bank"} {
						if strings.Contains(a, idx) {
							t.Errorf("%s carries the index %q", r.Key, idx)
						}
					}
				}
			}
		}
		if sum != res.Score {
			t.Errorf("score = %d, want the sum of the verdicts %d", res.Score, sum)
		}
	})
}

func TestIDList(t *testing.T) {
	tests := []struct {
		ids  []int64
		want string
	}{
		{nil, ""},
		{[]int64{5}, "#5"},
		{[]int64{9, 2, 9}, "#2, #9"},
		{[]int64{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, "#1, #2, #3, #4, #5, #6, #7, #8, #9, #10, …"},
	}
	for _, tt := range tests {
		if got := idList(tt.ids); got != tt.want {
			t.Errorf("idList(%v) = %q, want %q", tt.ids, got, tt.want)
		}
	}
}

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"返 利", "返利"},
		{"ＡＢＣ１２３！", "abc123!"},
		{"a\u3000b\u00a0c\td\ne", "abcde"},
		{"x\u200by\ufeffz\u00ad", "xyz"},
		{"中文，标点。", "中文,标点。"},
		{"\xff", "\ufffd"},
	}
	for _, tt := range tests {
		if got := Normalise(tt.in); got != tt.want {
			t.Errorf("Normalise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// widen writes the ASCII of s in full-width forms and puts a space, an
// ideographic space or a zero-width space between runes: what someone
// slipping a phrase past a filter would do.
func widen(s string) string {
	var b strings.Builder
	gaps := []string{" ", "\u3000", "\u200b", ""}
	i := 0
	for _, r := range s {
		if r > ' ' && r <= '~' {
			r += 0xFEE0
		}
		b.WriteRune(r)
		b.WriteString(gaps[i%len(gaps)])
		i++
	}
	return b.String()
}

func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"", "返利", "Guaranteed Cure", "ＡＢＣ　１２３", "a\u200bb", "\xff\xfe", "İK"} {
		f.Add(s)
	}
	f.Add(strings.Join(riskyPhrases, " "))
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalise(s)
		if Normalise(n) != n {
			t.Errorf("Normalise is not idempotent on %q: %q, then %q", s, n, Normalise(n))
		}
		for _, r := range n {
			if r >= 0xFF01 && r <= 0xFF5E || r == '\u3000' || r == ' ' || r == '\u200b' {
				t.Errorf("Normalise(%q) = %q keeps %U", s, n, r)
			}
		}
		// Spacing a text out and widening it hides nothing.
		if w := Normalise(widen(s)); w != n {
			t.Errorf("Normalise(widen(%q)) = %q, want %q", s, w, n)
		}
	})
}
