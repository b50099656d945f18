package rules

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Consent is one person's agreement to one version of one document
// (R-RULES-2): who, which version, when, and from where.
type Consent struct {
	// Subject names who agreed: "user:5" for a signed-in user,
	// "order:NO" for a donor without an account, whose agreement is
	// recorded against their order (donation.Place).
	Subject   string
	VersionID int64
	Kind      Kind
	Major     int
	Minor     int
	At        time.Time
	// Source says where the consent was given, such as the form's page
	// ("web:/requests/new").
	Source string
}

// checkIdent reports whether s is a usable subject or source: valid UTF-8,
// no NUL, not too long, and present when required. They come from the
// calling code, not from a form, so a bad one is a bug, not a user error.
func checkIdent(s string, required bool) bool {
	if required && strings.TrimSpace(s) == "" {
		return false
	}
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0) && utf8.RuneCountInString(s) <= maxActor
}

// Agreement is where one person stands with one document: the version in
// force, and the consent that covers it (nil when they must be asked).
type Agreement struct {
	Version Version
	Given   *Consent
}
