package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/store"
)

// StoreFacts answers the questions of the screens (screen.Facts) from the
// database, inside one transaction, so that a screening sees one consistent
// state of the requests and the blacklist.
type StoreFacts struct {
	Ctx   context.Context
	Tx    *store.Tx
	Store campaign.Store
}

var _ screen.Facts = StoreFacts{}

// OpenRequestsForPatient implements screen.Facts with
// campaign.Store.OpenForPatient.
func (f StoreFacts) OpenRequestsForPatient(patientIndex string, except int64) ([]int64, error) {
	return f.Store.OpenForPatient(f.Ctx, f.Tx, patientIndex, except)
}

// RequestsByPublisher implements screen.Facts: the requests filed (drafts
// are not filed, so they do not count) by the account whose verified
// identity has the ID-number index publisherIndex. An ID number is verified
// on one account only, so this is one person's requests.
func (f StoreFacts) RequestsByPublisher(publisherIndex string, except int64) ([]int64, error) {
	if publisherIndex == "" {
		return nil, nil
	}
	return ids(f.Ctx, f.Tx, `SELECT DISTINCT r.id FROM requests r
		JOIN identities i ON i.user_id = r.publisher_user_id AND i.outcome = 'verified'
		WHERE i.number_index = $1 AND r.id <> $2 AND r.state <> 'draft' ORDER BY r.id`, publisherIndex, except)
}

// Blacklisted implements screen.Facts with blacklist.Lookup.
func (f StoreFacts) Blacklisted(index string) (*screen.BlacklistEntry, error) {
	if index == "" {
		return nil, nil
	}
	e, err := blacklist.Lookup(f.Ctx, f.Tx, index)
	if err != nil {
		return nil, err
	}
	return e.ScreenEntry(), nil
}

// SharedLinks implements screen.Facts. For screen.LinkPhone it returns the
// other filed requests whose publisher's account has the phone index.
// Accounts are keyed by phone (users.phone_index is unique), so today this
// finds the same account's other requests; it will find more once requests
// carry contact phones of their own. For screen.LinkDevice it returns the
// other filed requests worked on from the same browser (request_devices).
//
// Payee bank accounts are not recorded before payouts exist, so
// screen.LinkBank finds no links yet.
func (f StoreFacts) SharedLinks(kind string, values []string, except int64) (map[string][]int64, error) {
	var q string
	switch kind {
	case screen.LinkPhone:
		q = `SELECT r.id FROM requests r JOIN users u ON u.id = r.publisher_user_id
			WHERE u.phone_index = $1 AND r.id <> $2 AND r.state <> 'draft' ORDER BY r.id`
	case screen.LinkDevice:
		q = `SELECT r.id FROM requests r JOIN request_devices d ON d.request_id = r.id
			WHERE d.device_index = $1 AND r.id <> $2 AND r.state <> 'draft' ORDER BY r.id`
	default:
		return nil, nil
	}
	out := map[string][]int64{}
	for _, v := range values {
		found, err := ids(f.Ctx, f.Tx, q, v, except)
		if err != nil {
			return nil, err
		}
		if len(found) > 0 {
			out[v] = found
		}
	}
	return out, nil
}

// ids runs a query of one id column.
func ids(ctx context.Context, tx *store.Tx, q string, args ...any) ([]int64, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, q, args...)
}

// publisherIndexes returns the blind indexes of the verified ID number and
// of the phone of user userID; the ID index is "" when the user has no
// verified identity.
func publisherIndexes(ctx context.Context, tx *store.Tx, userID int64) (idIndex, phoneIndex string, err error) {
	if err := tx.QueryRowContext(ctx, "SELECT phone_index FROM users WHERE id = $1", userID).Scan(&phoneIndex); err != nil {
		return "", "", fmt.Errorf("review: the publisher of a request: %w", err)
	}
	err = tx.QueryRowContext(ctx, `SELECT number_index FROM identities WHERE user_id = $1 AND outcome = 'verified'
		ORDER BY id DESC LIMIT 1`, userID).Scan(&idIndex)
	if errors.Is(err, sql.ErrNoRows) {
		return "", phoneIndex, nil
	}
	if err != nil {
		return "", "", err
	}
	return idIndex, phoneIndex, nil
}
