package disclosure

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// Checked is what Verify checked: how many requests' money, and what came
// into them in all.
type Checked struct {
	Requests int
	In       money.Fen
}

// Verify checks the money trail's identity for every request with a
// ledger account (R-DISC-1): raised + recovered = fees + paid out +
// refunded + being refunded + to charity + held, each figure read from
// the ledger as the public page reads it. It returns an error naming each
// request whose figures do not add up: an entry of a kind the figures do
// not know moved its money, and the public page would not account for
// every fen. One transaction, so that no payout in between makes a false
// alarm.
func Verify(ctx context.Context, db *store.DB) (Checked, error) {
	var (
		c      Checked
		broken []string
	)
	err := db.Read(ctx, func(tx *store.Tx) error {
		c, broken = Checked{}, nil
		var ids []int64
		err := store.Each(ctx, tx, func(rows *sql.Rows) error {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			// Benchmarks post to request:bench and the like: no request.
			if id, err := strconv.ParseInt(strings.TrimPrefix(name, "request:"), 10, 64); err == nil && id > 0 {
				ids = append(ids, id)
			}
			return nil
		}, "SELECT name FROM ledger_accounts WHERE name LIKE 'request:%' ORDER BY id")
		if err != nil {
			return err
		}
		for _, id := range ids {
			f, err := readFigures(ctx, tx, id)
			if err != nil {
				return err
			}
			c.Requests++
			c.In += f.In()
			if !f.Balanced() {
				broken = append(broken, Unbalanced(id, f))
			}
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if len(broken) > 0 {
		return c, errors.New("money trail does not add up for " + strconv.Itoa(len(broken)) + " of " +
			strconv.Itoa(c.Requests) + " requests:\n" + strings.Join(broken, "\n"))
	}
	return c, nil
}
