package screen

import (
	"slices"
	"strings"
)

// Category is a kind of harmful public text (R-CONT-1): the Measures ask a
// platform to keep illegal and harmful information (违法和不良信息),
// rumours and malicious hype off its pages, and carefund adds the wording
// of fraud and commission-taking (R-RISK-1).
type Category string

// The categories, in the order staff see them.
const (
	CategoryIllegal Category = "illegal" // 违法: guns, drugs, organ trade, forged papers
	CategoryHarmful Category = "harmful" // 不良: vulgar, pornographic, gory content
	CategoryRumour  Category = "rumour"  // 谣言: unverified claims dressed as news
	CategoryHype    Category = "hype"    // 恶意炒作: bought attention, pressure to share
	CategoryRisky   Category = "risky"   // fraud and commission wording (Wording's list)
)

// Categories lists every category, in order.
var Categories = []Category{CategoryIllegal, CategoryHarmful, CategoryRumour, CategoryHype, CategoryRisky}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool { return slices.Contains(Categories, c) }

// ContentAction is what happens to a public text after the content screen.
type ContentAction string

// The content actions, from mildest to strictest.
const (
	// ContentPass publishes the text.
	ContentPass ContentAction = "pass"
	// ContentHold stores the text but keeps it off public pages until a
	// staff member clears it or takes it down.
	ContentHold ContentAction = "hold"
	// ContentRefuse refuses the text at submission: nothing is published.
	ContentRefuse ContentAction = "refuse"
)

// Term is one entry of the word list: a phrase and its category.
type Term struct {
	Category Category
	Text     string
}

// defaultTerms is the built-in word list, short on purpose: every entry
// that matches a harmless text costs a staff member a look, and operators
// add their own terms in the console. Terms are written naturally and
// normalised like the texts.
var defaultTerms = map[Category][]string{
	CategoryIllegal: {
		"出售枪支", "买卖枪支", "代购毒品", "出售毒品", "冰毒", "海洛因",
		"卖肾", "器官买卖", "办假证", "代开发票", "洗钱",
		"sell guns", "buy drugs", "heroin", "sell a kidney", "fake diploma", "money laundering",
	},
	CategoryHarmful: {
		"色情", "裸聊", "约炮", "血腥视频", "赌博网站",
		"porn", "nude chat", "gambling site",
	},
	CategoryRumour: {
		"内部消息", "紧急扩散", "不转不是中国人", "删前速看", "疫苗有毒",
		"insider news", "share before it is deleted", "vaccines are poison",
	},
	CategoryHype: {
		"刷榜", "刷单", "水军", "买热搜", "转发抽奖",
		"buy likes", "paid posters", "boost the ranking",
	},
	CategoryRisky: riskyPhrases,
}

// DefaultTerms returns the built-in word list, by category in the order of
// Categories.
func DefaultTerms() []Term {
	var out []Term
	for _, c := range Categories {
		for _, t := range defaultTerms[c] {
			out = append(out, Term{c, t})
		}
	}
	return out
}

// Finding is what the content screen found in one text.
type Finding struct {
	// Categories are the categories matched, each once, in the order of
	// Categories.
	Categories []Category
	// Terms are the terms matched, as written in the list. They are for
	// staff only: telling the writer would let the list be probed.
	Terms []Term
}

// Action is the finding's action (R-CONT-1): an illegal term refuses the
// text; any other term holds it for staff; nothing found passes it.
func (f Finding) Action() ContentAction {
	switch {
	case slices.Contains(f.Categories, CategoryIllegal):
		return ContentRefuse
	case len(f.Categories) > 0:
		return ContentHold
	}
	return ContentPass
}

// Harm screens text against terms (R-CONT-1) after normalising both, so
// that full-width letters, spaces and invisible characters do not slip a
// term through. A term that normalises to nothing is ignored: it would
// match every text.
func Harm(text string, terms []Term) Finding {
	norm := Normalise(text)
	var f Finding
	found := map[Category]bool{}
	seen := map[Term]bool{}
	for _, t := range terms {
		n := Normalise(t.Text)
		if n == "" || !t.Category.Valid() || seen[t] || !strings.Contains(norm, n) {
			continue
		}
		seen[t] = true
		found[t.Category] = true
		f.Terms = append(f.Terms, t)
	}
	for _, c := range Categories {
		if found[c] {
			f.Categories = append(f.Categories, c)
		}
	}
	return f
}
