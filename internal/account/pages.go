package account

import (
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/session"
)

// Profile is a user with their verified identity, if any, unsealed: for the
// user themselves (masked by whoever shows it) and for the staff who need it.
type Profile struct {
	User     User
	Identity *Identity // nil when not verified
}

// Overview is what the user's own account page shows.
type Overview struct {
	Profile
	Sessions []session.Session // live sessions, newest first
	Consents []rules.Consent   // every consent given, oldest first
	// Changed are the rules that changed in a major way since the user
	// agreed: they are asked again (R-RULES-2). Empty for someone who never
	// agreed to anything.
	Changed []rules.Version
}
