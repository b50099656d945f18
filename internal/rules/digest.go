package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/carefund/carefund/internal/i18n"
)

// Digest returns the hex SHA-256 of the version's text as the public reads
// it: the Chinese body, a newline, the English body, each as stored (the
// Markdown the rules pages render). It is what the transparency log records
// of a version (issue 17), so anyone holding a text can show it is the one
// that was in force.
func Digest(v Version) string {
	h := sha256.New()
	h.Write([]byte(v.Body[i18n.ZH]))
	h.Write([]byte("\n"))
	h.Write([]byte(v.Body[i18n.EN]))
	return hex.EncodeToString(h.Sum(nil))
}

// Milestone is a public state a version reached, and when.
type Milestone struct {
	State State
	At    time.Time
}

// Milestones returns the public states v has reached, in the order it
// reached them: reported, effective, superseded, and withdrawn for a
// version withdrawn after it was reported (and so shown). A draft, and a
// draft withdrawn unreported, were never public and have none.
func Milestones(v Version) []Milestone {
	var out []Milestone
	for _, m := range []Milestone{
		{StateReported, v.ReportedAt},
		{StateEffective, v.EffectiveAt},
		{StateSuperseded, v.SupersededAt},
	} {
		if !m.At.IsZero() {
			out = append(out, m)
		}
	}
	if !v.WithdrawnAt.IsZero() && !v.ReportedAt.IsZero() {
		out = append(out, Milestone{StateWithdrawn, v.WithdrawnAt})
	}
	return out
}
