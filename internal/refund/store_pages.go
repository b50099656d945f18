package refund

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/carefund/carefund/internal/store"
)

// refundsOfDonations returns the refunds of the donations named, by
// donation, newest first.
func refundsOfDonations(ctx context.Context, tx *store.Tx, ids []int64) (map[int64][]Refund, error) {
	out := map[int64][]Refund{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		part := ids[:n]
		ids = ids[n:]
		var b strings.Builder
		args := make([]any, len(part))
		for i, id := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(i+1))
			args[i] = id
		}
		err := store.Each(ctx, tx, func(rows *sql.Rows) error {
			f, err := scanRefund(rows)
			if err != nil {
				return err
			}
			out[f.DonationID] = append(out[f.DonationID], f)
			return nil
		}, `SELECT `+refundColumns+` FROM refunds r JOIN refund_runs u ON u.id = r.run_id
			WHERE r.donation_id IN (`+b.String()+`) ORDER BY r.id DESC`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
