// Package rules keeps the platform's rules documents: the service agreement,
// the rules for publishing requests for help, the personal information rules,
// the fee standard and the fund use and refund rules, which the Measures
// require a platform to publish prominently (R-RULES-1, M4, M10).
//
// Every document is versioned "major.minor" in Simplified Chinese and English,
// and no version is ever changed or deleted, so any text a person once agreed
// to stays readable. A new version starts as a draft. A minor version (a
// clarification) can take effect directly; a major version (a change to
// anyone's rights or duties) must first be recorded as reported to the
// Ministry of Civil Affairs, with the date and the reference of the report,
// before it can take effect (R-RULES-3, M10). The database enforces the same
// workflow, so no other code path can skip it.
//
// Service starts only after explicit consent (R-RULES-2, M10, M17): a consent
// records who agreed to which version, when and from which page, in an
// append-only table. A new minor version does not ask people again; a new
// major version does (see Needed). CheckBox accepts only a ticked checkbox,
// never a default. Donors agree before giving, in the order's own
// transaction (Uncovered, RecordCovered); one without an account has the
// agreement recorded against the order ("order:NO"). Requesters and publishers also confirm a fixed
// truthfulness declaration (R-RULES-4, TruthfulnessKey).
//
// The first versions (1.0) of all five documents are embedded in the binary
// as Markdown (docs/zh-CN/*.md, docs/en/*.md) and stored by Seed at install.
package rules

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
)

// Kind names one of the platform's rules documents.
type Kind string

// The five documents the Measures and the industry convention require.
const (
	ServiceAgreement Kind = "service-agreement" // 服务协议
	PublishingRules  Kind = "publishing-rules"  // 求助信息发布规则
	Privacy          Kind = "privacy"           // 个人信息处理规则
	Fees             Kind = "fees"              // 收费标准
	FundsRefunds     Kind = "funds-refunds"     // 资金使用与退款规则
)

// Kinds lists every document, in the order the rules page shows them.
var Kinds = []Kind{ServiceAgreement, PublishingRules, Privacy, Fees, FundsRefunds}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, c := range Kinds {
		if k == c {
			return true
		}
	}
	return false
}

// NameKey returns the i18n key of the document's name, such as "服务协议".
func (k Kind) NameKey() string { return "rules.kind." + string(k) }

// State is where a version is in its life.
type State string

// The states of a version. The state only moves forward:
// draft → (reported →) effective → superseded, or draft/reported → withdrawn.
const (
	StateDraft      State = "draft"      // proposed; not public
	StateReported   State = "reported"   // a change reported to the ministry, not yet in force (R-RULES-3)
	StateEffective  State = "effective"  // the version in force; one per kind
	StateSuperseded State = "superseded" // was in force; still readable (R-RULES-1)
	StateWithdrawn  State = "withdrawn"  // abandoned before taking effect; kept, never shown
)

// NameKey returns the i18n key of the state's name.
func (s State) NameKey() string { return "rules.state." + string(s) }

// Version is one version of one document.
type Version struct {
	ID           int64
	Kind         Kind
	Major, Minor int
	Title, Body  map[i18n.Lang]string // Markdown per language; both languages always present
	Summary      map[i18n.Lang]string // what changed; empty for the first version
	State        State
	CreatedBy    string
	CreatedAt    time.Time

	// ReportedAt is the day the change was reported to the Ministry of Civil
	// Affairs and ReportRef the report's reference (R-RULES-3); zero unless
	// reported.
	ReportedAt time.Time
	ReportRef  string
	ReportedBy string

	EffectiveAt  time.Time // zero until it takes effect
	EffectiveBy  string
	SupersededAt time.Time // zero unless superseded
	WithdrawnAt  time.Time // zero unless withdrawn
	WithdrawnBy  string
}

// Number returns the version number, such as "2.1".
func (v Version) Number() string {
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor)
}

// IsMajorChange reports whether the version changes a document that already
// had a version in force in a way that needs a report to the ministry first:
// a major version after 1.0.
func (v Version) IsMajorChange() bool { return v.Major > 1 && v.Minor == 0 }

// markdown converts Markdown to HTML. It is built without html.WithUnsafe, so
// raw HTML in the source is replaced by a comment and links or images to
// javascript:, vbscript:, file: and (non-image) data: URLs lose their target.
// A goldmark.Markdown is safe for concurrent use.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table))

// HTML renders Markdown as safe HTML. Rules texts are written by staff, but a
// staff account can be stolen: the rules page must not become a way to run
// script in every visitor's browser.
func HTML(md string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		// Converting to a bytes.Buffer cannot fail on write; a parser
		// error would be a goldmark bug. Show the text, escaped.
		return template.HTML("<pre>" + template.HTMLEscapeString(md) + "</pre>")
	}
	return template.HTML(buf.String()) // safe: goldmark without WithUnsafe
}

// CheckBox validates the value of a consent checkbox named field. Only a
// ticked box is consent (R-RULES-2, M17): "yes", the value carefund's forms
// give their consent checkboxes, or "on", what browsers send for a ticked
// checkbox that has no value attribute. An unticked box is not sent at all
// (""), and anything else is not a checkbox the platform rendered; both are
// refused with an Invalid error carrying a FieldError for field.
func CheckBox(value, field string) error {
	if value == "yes" || value == "on" {
		return nil
	}
	return &apperr.Error{
		Code:   apperr.Invalid,
		Key:    "rules.consent_missing",
		Fields: []apperr.FieldError{{Field: field, Key: "rules.consent_required"}},
	}
}

// TruthfulnessKey returns the i18n key of the declaration requesters and
// publishers confirm (R-RULES-4, M10): they are responsible for the truth of
// the information and must not obtain help by fabrication or concealment.
func TruthfulnessKey() string { return "rules.truthfulness" }

// Limits on what a version holds, in runes.
const (
	MaxTitle   = 100
	MaxBody    = 50000
	MaxSummary = 2000
	MaxRef     = 100
	maxActor   = 200 // subject, source, by: identifiers, not prose
)

// langSuffix names a language in field names: "title_zh", "body_en".
var langSuffix = map[i18n.Lang]string{i18n.ZH: "zh", i18n.EN: "en"}

// checkText validates one text field, appending a FieldError to errs: the
// field is required when required is set, at most limit runes, valid UTF-8
// without NUL (PostgreSQL refuses NUL in text).
func checkText(errs []apperr.FieldError, field, s string, required bool, limit int) []apperr.FieldError {
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return append(errs, apperr.FieldError{Field: field, Key: "rules.text_invalid"})
	case required && strings.TrimSpace(s) == "":
		return append(errs, apperr.FieldError{Field: field, Key: "rules.field_required"})
	case utf8.RuneCountInString(s) > limit:
		return append(errs, apperr.FieldError{Field: field, Key: "rules.field_too_long", Args: []any{limit}})
	}
	return errs
}

// validateDraft checks a proposed version's texts in every language. A
// summary of what changed is required for every version but the first.
func validateDraft(title, body, summary map[i18n.Lang]string, first bool) error {
	var errs []apperr.FieldError
	for _, part := range []struct {
		name     string
		texts    map[i18n.Lang]string
		required bool
		limit    int
	}{
		{"title", title, true, MaxTitle},
		{"body", body, true, MaxBody},
		{"summary", summary, !first, MaxSummary},
	} {
		for _, l := range i18n.Langs {
			errs = checkText(errs, part.name+"_"+langSuffix[l], part.texts[l], part.required, part.limit)
		}
	}
	if len(errs) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Fields: errs}
	}
	return nil
}

// cleanMap returns the texts for the supported languages only, titles and
// summaries trimmed of surrounding space.
func cleanMap(m map[i18n.Lang]string, trim bool) map[i18n.Lang]string {
	out := make(map[i18n.Lang]string, len(i18n.Langs))
	for _, l := range i18n.Langs {
		s := m[l]
		if trim {
			s = strings.TrimSpace(s)
		}
		out[l] = s
	}
	return out
}
