package donation

import (
	"time"

	"github.com/carefund/carefund/internal/money"
)

// Where a request's support came from: the share links with what each
// brought, the donations that came by no link, a share looked up by its
// token, and the totals of the home page's cards.
//
// A share only counts (R-REF-3): nothing here, or in the tables it reads,
// says anyone is owed anything for sharing. There is no payee and no amount
// to pay in a share; what a share "raised" is the sum of donations credited
// to the request's own account.

// Share is one share link and what it brought before the request's
// channel closed.
type Share struct {
	ID        int64
	RequestID int64
	// SharerUserID is who made the link, or 0 when they were not signed in.
	SharerUserID int64
	CreatedAt    time.Time
	Visits       int
	Donations    int
	Raised       money.Fen
}

// MaxSources bounds the share links Sources returns.
const MaxSources = 50

// Sources is where the support of one request came from.
type Sources struct {
	// Shares are the share links that brought a visit or a donation,
	// those that raised most first, at most MaxSources.
	Shares []Share
	// More counts the share links that brought something but did not fit.
	More int
	// Direct is what came by no share link: donations and their sum.
	Direct struct {
		Donations int
		Raised    money.Fen
	}
}
