package rules

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// seedActor is who Seed records as having created and brought into force the
// embedded first versions.
const seedActor = "system:install"

const versionColumns = `id, kind, major, minor, title_zh, title_en, body_zh, body_en, summary_zh, summary_en,
	state, created_by, created_at, reported_at, report_ref, reported_by,
	effective_at, effective_by, superseded_at, withdrawn_at, withdrawn_by`

// publicStates are the states History shows: every version that was ever in
// force or announced to the ministry.
const publicStates = `('reported', 'effective', 'superseded')`

func micros(t time.Time) int64 { return t.UnixMicro() }

type scanner interface{ Scan(dest ...any) error }

// checkActor refuses an empty or oversized staff identifier: it is the
// caller's bug, not the user's, so it is an internal error.
func checkActor(by string) error {
	if strings.TrimSpace(by) == "" || utf8.RuneCountInString(by) > maxActor || !utf8.ValidString(by) {
		return errors.New("rules: the acting staff member must be named")
	}
	return nil
}
