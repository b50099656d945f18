package campaign

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
)

// publicText is the canonical form of a published version, field by field
// what its public page shows.
type publicText struct {
	Title        string           `json:"title"`
	Patient      string           `json:"patient"`
	Relationship string           `json:"relationship"`
	Diagnosis    string           `json:"diagnosis"`
	HospitalName string           `json:"hospital_name"`
	HospitalCity string           `json:"hospital_city"`
	Story        string           `json:"story"`
	Target       int64            `json:"target"`
	Use          []publicUse      `json:"use"`
	Disclosures  []publicDisclose `json:"disclosures"`
}

type publicUse struct {
	Label  string `json:"label"`
	Amount int64  `json:"amount"`
	Note   string `json:"note"`
}

type publicDisclose struct {
	Topic    string `json:"topic"`
	Answered bool   `json:"answered"`
	Yes      bool   `json:"yes"`
	Detail   string `json:"detail"`
	Amount   int64  `json:"amount"`
}

// PublicText returns the canonical serialisation of a published version
// (issue 17): one line of JSON, without HTML escaping, with the fields in
// this order: title, patient (masked, as the page shows it), relationship,
// diagnosis, hospital_name, hospital_city, story, target (fen), use (a list
// of label, amount in fen, note, in the filing's order), and disclosures (a
// list of topic, answered, yes, detail, amount in fen, by topic). Empty
// lists are []. It holds nothing the public page does not show: Published
// carries the masked name, never the full name or the ID number.
func PublicText(p Published) []byte {
	t := publicText{
		Title: p.Title, Patient: p.Patient, Relationship: string(p.Relationship), Diagnosis: p.Diagnosis,
		HospitalName: p.HospitalName, HospitalCity: p.HospitalCity, Story: p.Story, Target: int64(p.Target),
		Use: []publicUse{}, Disclosures: []publicDisclose{},
	}
	for _, u := range p.Use {
		t.Use = append(t.Use, publicUse{Label: u.Label, Amount: int64(u.Amount), Note: u.Note})
	}
	for topic, d := range p.Disclosures {
		t.Disclosures = append(t.Disclosures, publicDisclose{Topic: string(topic), Answered: d.Answered, Yes: d.Yes,
			Detail: d.Detail, Amount: int64(d.Amount)})
	}
	slices.SortFunc(t.Disclosures, func(a, b publicDisclose) int {
		switch {
		case a.Topic < b.Topic:
			return -1
		case a.Topic > b.Topic:
			return 1
		}
		return 0
	})
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		// Strings, integers and booleans always encode.
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// PublicDigest returns the hex SHA-256 of PublicText(p): what the
// transparency log records of a published version.
func PublicDigest(p Published) string {
	sum := sha256.Sum256(PublicText(p))
	return hex.EncodeToString(sum[:])
}
