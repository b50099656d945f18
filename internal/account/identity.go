package account

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/rules"
)

// Verifier checks that a name and an ID number belong together, with an
// identity-check provider (the public security ministry's citizen identity
// service, through a licensed provider). The platform ships SandboxVerifier.
type Verifier interface {
	// Name names the provider in the record of each check.
	Name() string
	// Verify reports whether the name matches the ID number; reason says why
	// not, in words staff can read. Neither reason nor err may carry the
	// name or the number: both are stored and logged.
	Verify(ctx context.Context, name string, id idcard.ID) (ok bool, reason string, err error)
}

// SandboxVerifier accepts every well-formed name and ID number, for
// development and the demo.
type SandboxVerifier struct{}

// Name implements Verifier.
func (SandboxVerifier) Name() string { return "sandbox" }

// Verify implements Verifier.
func (SandboxVerifier) Verify(context.Context, string, idcard.ID) (bool, string, error) {
	return true, "sandbox: well-formed", nil
}

// idDomain separates the ID numbers' blind index from other indexes; the
// blacklist uses the same domain, so an entry matches a verified identity.
const idDomain = "id-number"

// IDIndex returns the blind index of a valid ID number, for "is it in use" and
// "is it blacklisted" lookups.
func (s *Service) IDIndex(number string) string { return s.Vault.BlindIndex(idDomain, number) }

// Identity is the outcome of a real-name verification.
type Identity struct {
	ID        int64
	UserID    int64
	Verified  bool
	Reason    string
	Verifier  string
	CreatedAt time.Time
	Name      string // unsealed; show masked unless the viewer needs it
	Number    string
}

// MaskedName and MaskedNumber are what pages show (R-PII-1).
func (i Identity) MaskedName() string   { return idcard.MaskName(i.Name) }
func (i Identity) MaskedNumber() string { return idcard.MaskID(i.Number) }

// VerifyInput is what the real-name form sends.
type VerifyInput struct {
	Name     string
	Number   string
	Consent  string // the rules checkbox: the flow needs consent to the current rules
	Truthful string // the truthfulness declaration checkbox (R-RULES-4)
	// Rules are the IDs of the versions the page showed, so that a rule
	// changed while the form was open is asked about again.
	Rules []int64
}

// VerifyTriesPerDay bounds the rejected verifications of one account in 24
// hours: the check must not become a way to test names against numbers.
const VerifyTriesPerDay = 5

// ConsentKinds are the rules a user agrees to when verifying their identity.
var ConsentKinds = []rules.Kind{rules.ServiceAgreement, rules.PublishingRules, rules.Privacy, rules.Fees, rules.FundsRefunds}
