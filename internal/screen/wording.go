package screen

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// riskyPhrases is the maintained list of wording typical of fraud and of
// commission-taking: promised rebates or returns, promised cures, money
// steered to a personal account or a private chat outside the platform's
// custody account. Entries are written naturally; they are normalised like
// the texts before matching. Keep it short: every entry is a flag a
// reviewer must clear.
var riskyPhrases = []string{
	"返利", "返现", "提成", "佣金", "回扣",
	"高额回报", "稳赚不赔",
	"保证治愈", "包治百病",
	"转账到个人账户", "转到个人账户", "打款到个人账户", "私下转账",
	"加微信私聊",
	"rebate", "cash back", "kickback", "commission fee",
	"high return", "guaranteed return",
	"guaranteed cure", "guaranteed to cure",
	"transfer to my personal account", "transfer to a personal account",
	"add me on wechat", "chat privately on wechat",
}

// RiskyPhrases returns the default list of phrases Wording flags.
func RiskyPhrases() []string { return slices.Clone(riskyPhrases) }

// The scores of Wording.
const (
	ScorePerPhrase  = 15
	WordingScoreCap = 45
)

// Wording flags texts that use risky wording (R-RISK-1, and the patrol of
// new content, R-REV-4): each phrase found is named in a staff-only
// reason, with the number of the first text it is in; the requester only
// learns that the wording needs a reviewer, so the list cannot be probed
// phrase by phrase. Matching ignores case, full-width forms, whitespace and
// invisible characters, the usual ways of slipping a phrase past a filter.
type Wording struct {
	// Phrases replaces RiskyPhrases when not nil.
	Phrases []string
}

// Name implements Screen.
func (Wording) Name() string { return "wording" }

// defaultNormalised holds riskyPhrases normalised, paired with the phrase.
var defaultNormalised = normalisePhrases(riskyPhrases)

type phrase struct{ text, norm string }

// normalisePhrases normalises phrases, dropping those that normalise to
// nothing, which would match every text.
func normalisePhrases(list []string) []phrase {
	out := make([]phrase, 0, len(list))
	for _, p := range list {
		if n := Normalise(p); n != "" {
			out = append(out, phrase{p, n})
		}
	}
	return out
}

// Check implements Screen. It never calls f.
func (w Wording) Check(s Subject, _ Facts) (Verdict, error) {
	v := Verdict{Screen: w.Name(), Outcome: Pass}
	phrases := defaultNormalised
	if w.Phrases != nil {
		phrases = normalisePhrases(w.Phrases)
	}
	texts := make([]string, len(s.Texts))
	for i, t := range s.Texts {
		texts[i] = Normalise(t)
	}
	var found []Reason
	seen := map[string]bool{}
	for _, p := range phrases {
		if seen[p.norm] {
			continue
		}
		for i, t := range texts {
			if strings.Contains(t, p.norm) {
				seen[p.norm] = true
				found = append(found, Reason{Key: "screen.wording.phrase_staff", Args: []string{p.text, strconv.Itoa(i + 1)}, StaffOnly: true})
				break
			}
		}
	}
	if len(found) > 0 {
		v.add(Flag, capped(len(found), ScorePerPhrase, WordingScoreCap),
			append([]Reason{{Key: "screen.wording.review"}}, found...)...)
	}
	return v, nil
}

// Normalise prepares a text for phrase matching: full-width ASCII forms
// (Ａ, １, ！) become ASCII, letters become lower case, and whitespace
// (including the ideographic space) and invisible format characters (zero
// width spaces and joiners, soft hyphens, direction marks) are removed.
// Invalid UTF-8 becomes U+FFFD. Normalise is idempotent.
func Normalise(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		r = unicode.ToLower(r)
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
