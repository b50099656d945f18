package platform

import (
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/vault"
)

// HospitalDirectory returns the hospital directory as the payout service
// asks for it, for a payout service built outside New (the demonstration
// data's, on a clock of its own).
func HospitalDirectory(v *vault.Vault) payout.Hospitals { return directory{v} }
