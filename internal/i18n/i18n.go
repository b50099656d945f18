// Package i18n holds carefund's user-facing text in Simplified Chinese, the
// default, and English, and picks a language for a reader.
//
// Text lives in one catalog keyed by message ID, each entry carrying both
// languages, so a message can never exist in one language only (a test also
// checks that every key a template uses is in the catalog).
package i18n

import (
	"fmt"
	"strings"
)

// Lang is a supported language tag.
type Lang string

// The supported languages. ZH is the default.
const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{ZH, EN}

// Parse returns the supported language named by s ("zh", "zh-CN", "en",
// "en-US", any case), and whether there was one.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	primary, _, _ := strings.Cut(s, "-")
	switch primary {
	case "zh":
		// Traditional-script readers get Simplified Chinese rather than
		// English: closer to what they asked for.
		return ZH, true
	case "en":
		return EN, true
	}
	return "", false
}

// Match picks a language from an Accept-Language header: the supported
// language with the highest quality, the first listed on a tie, and ZH when
// nothing matches.
func Match(acceptLanguage string) Lang {
	best, bestQ := ZH, -1.0
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		lang, ok := Parse(tag)
		if !ok {
			continue
		}
		q := 1.0
		if v, found := strings.CutPrefix(strings.TrimSpace(params), "q="); found {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				continue
			}
		}
		if q > bestQ && q > 0 {
			best, bestQ = lang, q
		}
	}
	return best
}

// T returns the message with the key in lang, formatted with args as by
// fmt.Sprintf. An unknown key returns the key itself in brackets, so a
// missing message shows up on the page instead of silently vanishing.
func T(lang Lang, key string, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		return "[" + key + "]"
	}
	s := m.zh
	if lang == EN {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalog.
func Has(key string) bool {
	_, ok := catalog[key]
	return ok
}

type message struct{ zh, en string }

// register adds messages to the catalog; each part of the platform keeps its
// messages in a file of its own. A key registered twice is a bug that would
// silently show one of the two texts, so it panics at start.
func register(m map[string]message) {
	for k, v := range m {
		if _, dup := catalog[k]; dup {
			panic("i18n: message " + k + " is registered twice")
		}
		catalog[k] = v
	}
}
