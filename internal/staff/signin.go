package staff

import (
	"github.com/carefund/carefund/internal/apperr"
)

// The reasons a sign-in is denied, as given to the Recorder.
const (
	reasonUnknown  = "unknown_user"
	reasonDisabled = "disabled"
	reasonLocked   = "locked"
	reasonPassword = "password"
	reasonCode     = "code"
	reasonReplay   = "replay"
)

// errSignin is the one error every failed sign-in returns.
func errSignin() error { return apperr.New(apperr.Unauthorized, "staff.signin_failed") }

// credentials is what signing in checks, read in a short transaction.
type credentials struct {
	Staff
	hash     string
	sealed   []byte
	lastStep int64
	failures int
	lockouts int
}
