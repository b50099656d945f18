package campaign

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/money"
)

// Published is the public text of a request: what its page shows (R-PUB-1).
// Each change is a new version and the old one is kept (R-REQ-6); Changes
// says what differs between two versions. It holds the masked name, never the
// patient's full name or ID number.
type Published struct {
	Title        string
	Patient      string // masked, as PublicPatient returns it
	Relationship Relationship
	Diagnosis    string
	HospitalName string
	HospitalCity string
	Story        string
	Target       money.Fen
	Use          []UseItem
	Disclosures  map[Topic]Disclosure
}

// Public returns the published text of a filing. Text is trimmed as
// Validate judged it; the use items and disclosures are copied so that the
// published version cannot change with the filing.
func (f Filing) Public() Published {
	p := Published{
		Title:        strings.TrimSpace(f.Title),
		Patient:      PublicPatient(f.PatientName),
		Relationship: f.Relationship,
		Diagnosis:    strings.TrimSpace(f.Diagnosis),
		HospitalName: strings.TrimSpace(f.HospitalName),
		HospitalCity: strings.TrimSpace(f.HospitalCity),
		Story:        strings.TrimSpace(f.Story),
		Target:       f.Target,
	}
	for _, it := range f.Use {
		p.Use = append(p.Use, UseItem{Label: strings.TrimSpace(it.Label), Amount: it.Amount, Note: strings.TrimSpace(it.Note)})
	}
	if f.Disclosures != nil {
		p.Disclosures = make(map[Topic]Disclosure, len(f.Disclosures))
		for t, d := range f.Disclosures {
			d.Detail = strings.TrimSpace(d.Detail)
			p.Disclosures[t] = d
		}
	}
	return p
}

// PublicPatient returns the patient's name as the public sees it (R-PUB-1):
// normalised, then masked by idcard.MaskName, "张三明" → "张*明". A name that is
// not valid is hidden whole, one '*' per character, so a typo never leaks a
// part of it. The ID number is never published: there is no function for it.
func PublicPatient(name string) string {
	n, err := idcard.ParseName(name)
	if err != nil {
		return strings.Repeat("*", utf8.RuneCountInString(strings.TrimSpace(name)))
	}
	return idcard.MaskName(n)
}

// Change names one public field that differs between two versions. Field
// uses the names of Validate: "story", "use.1.amount", "use.3" for an item
// added or removed, "disclosure.debts" for any part of an answer.
type Change struct {
	Field string
}

// Changes lists the public fields that differ from before to after, in the
// order of the page, so the public page can say what changed (R-REQ-6). Two
// equal versions give none.
func Changes(before, after Published) []Change {
	var cs []Change
	add := func(field string, differ bool) {
		if differ {
			cs = append(cs, Change{Field: field})
		}
	}
	add("title", before.Title != after.Title)
	add("patient_name", before.Patient != after.Patient)
	add("relationship", before.Relationship != after.Relationship)
	add("diagnosis", before.Diagnosis != after.Diagnosis)
	add("hospital_name", before.HospitalName != after.HospitalName)
	add("hospital_city", before.HospitalCity != after.HospitalCity)
	add("story", before.Story != after.Story)
	add("target", before.Target != after.Target)
	for i := range max(len(before.Use), len(after.Use)) {
		p := "use." + strconv.Itoa(i)
		if i >= len(before.Use) || i >= len(after.Use) {
			add(p, true)
			continue
		}
		b, a := before.Use[i], after.Use[i]
		add(p+".label", b.Label != a.Label)
		add(p+".amount", b.Amount != a.Amount)
		add(p+".note", b.Note != a.Note)
	}
	for _, t := range Topics {
		b, bok := before.Disclosures[t]
		a, aok := after.Disclosures[t]
		add("disclosure."+string(t), bok != aok || b != a)
	}
	return cs
}
