package filing

import (
	"slices"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/material"
)

// The rules of filing that need no storage: what is kept of a field that
// could not be read, how the problems of a refused filing are put together,
// and what of an amended text the wording screen reads.

// KeepUnread puts back the stored values of the fields whose input could
// not be read (unread, as campaign.Validate names fields), so that a typo
// never wipes what was saved before: the form shows what was typed with its
// message, and the draft keeps the last good value. It reads amounts
// (target, estimated_costs, use.N.amount, disclosure.T.amount) and
// disclosure answers (disclosure.T).
func KeepUnread(f *campaign.Filing, stored campaign.Filing, unread []apperr.FieldError) {
	for _, e := range unread {
		parts := strings.Split(e.Field, ".")
		switch {
		case e.Field == "target":
			f.Target = stored.Target
		case e.Field == "estimated_costs":
			f.EstimatedCosts = stored.EstimatedCosts
		case len(parts) == 3 && parts[0] == "use" && parts[2] == "amount":
			if i, err := strconv.Atoi(parts[1]); err == nil && i < len(f.Use) && i < len(stored.Use) {
				f.Use[i].Amount = stored.Use[i].Amount
			}
		case len(parts) == 3 && parts[0] == "disclosure" && parts[2] == "amount":
			t := campaign.Topic(parts[1])
			d := f.Disclosures[t]
			d.Amount = stored.Disclosures[t].Amount
			f.Disclosures[t] = d
		case len(parts) == 2 && parts[0] == "disclosure":
			t := campaign.Topic(parts[1])
			d, was := f.Disclosures[t], stored.Disclosures[t]
			d.Answered, d.Yes = was.Answered, was.Yes
			f.Disclosures[t] = d
		}
	}
}

// refusal returns the problems of a filing as one apperr.Invalid error, or
// nil when there are none: first what could not be read, then the problems
// of err (campaign.Validate's or CheckDraft's) on the other fields, since a
// field that could not be read has its own message. Fields for which skip
// is true are left out.
func refusal(unread []apperr.FieldError, err error, skip func(field string) bool) error {
	fields := slices.Clone(unread)
	if e := apperr.As(err); e != nil {
		for _, fe := range e.Fields {
			if skip != nil && skip(fe.Field) {
				continue
			}
			if !slices.ContainsFunc(unread, func(u apperr.FieldError) bool { return u.Field == fe.Field }) {
				fields = append(fields, fe)
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: campaign.KeyInvalid, Fields: fields}
}

// Refusal is refusal for the HTTP side's own checks: what a client sent
// that could not be read, with the problems of f.CheckDraft, as one
// apperr.Invalid error, or nil.
func Refusal(unread []apperr.FieldError, f campaign.Filing) error {
	return refusal(unread, f.CheckDraft(), nil)
}

// hasProof reports whether the documents hold proof of the relationship
// (R-REQ-3).
func hasProof(ms []material.Material) bool {
	return slices.ContainsFunc(ms, func(m material.Material) bool { return m.Kind == material.Relationship })
}

// KindCount is one kind of document: whether the request needs it and how
// many of it are uploaded.
type KindCount struct {
	Kind     material.Kind
	Required bool
	Have     int
}

// kindCounts lists every kind of document, in material.Kinds order.
func kindCounts(ms []material.Material, required []material.Kind) []KindCount {
	out := make([]KindCount, 0, len(material.Kinds))
	for _, k := range material.Kinds {
		c := KindCount{Kind: k, Required: slices.Contains(required, k)}
		for _, m := range ms {
			if m.Kind == k {
				c.Have++
			}
		}
		out = append(out, c)
	}
	return out
}

// missing lists the kinds of document the request needs and does not have.
func missing(ms []material.Material, required []material.Kind) []material.Kind {
	var out []material.Kind
	if e := apperr.As(material.Missing(ms, required)); e != nil {
		for _, fe := range e.Fields {
			out = append(out, material.Kind(strings.TrimPrefix(fe.Field, "material_")))
		}
	}
	return out
}

// amendedTexts are the texts of a changed request that the wording screen
// reads: what the public will read.
func amendedTexts(f campaign.Filing) []string {
	texts := []string{f.Title, f.Story, f.Diagnosis, f.HospitalName}
	for _, u := range f.Use {
		texts = append(texts, u.Label, u.Note)
	}
	for _, t := range campaign.Topics {
		texts = append(texts, f.Disclosures[t].Detail)
	}
	return texts
}
