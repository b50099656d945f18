package campaign

import (
	"time"

	"github.com/carefund/carefund/internal/money"
)

// What the review console lists of requests, read without unsealing a
// filing: the plain columns are enough for a list.

// Pending is an approved request whose fundraising has not opened yet.
type Pending struct {
	ID    int64
	Title string
	// PublisherUserID and PatientIndex are what relatedness and the
	// opening's rules (R-REV-3, R-REQ-5) need of the request.
	PublisherUserID int64
	PatientIndex    string
	Target          money.Fen
	// Since is when the request was approved.
	Since time.Time
}
