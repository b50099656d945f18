package staff

import (
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/throttle"
)

// The reasons a sign-in is denied, as given to the Recorder.
const (
	reasonUnknown  = "unknown_user"
	reasonDisabled = "disabled"
	reasonLocked   = "locked"
	reasonPassword = "password"
	reasonCode     = "code"
	reasonReplay   = "replay"
	// reasonThrottled: too many failed sign-ins from the client's address.
	reasonThrottled = "throttled"
)

// AddrLimit bounds the failed staff sign-ins from one client address, for
// every username together, known or not (decision 0025): past it the
// address is refused before any check until the oldest failure leaves the
// window. Per account, the lockout (MaxFailures, LockBase) applies.
var AddrLimit = throttle.Limit{N: 20, Window: 15 * time.Minute}

// recordCap is how many failures per address the window keeps at most.
const recordCap = 1000

// addrKey is the throttle key of failed staff sign-ins from a client
// address.
func addrKey(source string) string {
	if len(source) > throttle.MaxKey-len("staff-signin-addr:") {
		source = source[:throttle.MaxKey-len("staff-signin-addr:")]
	}
	return "staff-signin-addr:" + source
}

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
