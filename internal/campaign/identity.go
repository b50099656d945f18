package campaign

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/idcard"
)

// KeyRevealsIdentity is the message key of a public text that names the
// patient in full or holds an ID number.
const KeyRevealsIdentity = "campaign.reveals_identity"

// RevealsIdentity reports whether text, which the public will read, gives
// away what the platform masks (R-PUB-1, R-PII-1): the patient's full name
// (of two characters or more), the patient's ID number, or anything shaped
// like a valid resident ID number. Spaces, hyphens and full-width forms
// are ignored, the usual ways of writing a number apart.
func RevealsIdentity(text string, f Filing) bool {
	flat := flatten(text)
	if flat == "" {
		return false
	}
	if name, err := idcard.ParseName(f.PatientName); err == nil && utf8.RuneCountInString(name) >= 2 &&
		strings.Contains(flat, flatten(name)) {
		return true
	}
	if id := flatten(f.PatientID); len(id) == 18 && strings.Contains(flat, id) {
		return true
	}
	// Any 18 characters that read as a valid number: 17 digits and a
	// digit or X, with the check digit right.
	b := []byte(flat)
	for i := 0; i+18 <= len(b); i++ {
		if !isDigits(b[i:i+17]) || !(isDigits(b[i+17:i+18]) || b[i+17] == 'X') {
			continue
		}
		// The date is checked against a far future day: a number is a
		// number whatever today is.
		if _, err := idcard.Parse(string(b[i:i+18]), farFuture); err == nil {
			return true
		}
	}
	return false
}

var farFuture = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// flatten drops spaces and separators, folds full-width forms to ASCII and
// upper-cases, so "1101 0519-4912 3100 2x" reads as one number.
func flatten(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
			r -= 0xFEE0
		}
		switch {
		case unicode.IsSpace(r), r == '-', r == '_', r == '.', r == '·', r == '\u200b':
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// identityInPublicText adds a field error for every public text of f that
// reveals the patient's identity.
func (v *validator) identityInPublicText(f Filing) {
	check := func(field, text string) {
		if RevealsIdentity(text, f) {
			v.add(field, KeyRevealsIdentity)
		}
	}
	check("title", f.Title)
	check("story", f.Story)
	check("diagnosis", f.Diagnosis)
	check("hospital_name", f.HospitalName)
	for i, u := range f.Use {
		p := "use." + strconv.Itoa(i) + "."
		check(p+"label", u.Label)
		check(p+"note", u.Note)
	}
	for _, t := range Topics {
		check("disclosure."+string(t)+".detail", f.Disclosures[t].Detail)
	}
}
