package ledger

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// Verify checks every invariant of the ledger and returns a *Violation for the
// first one broken:
//   - every entry has at least two postings and they sum to zero;
//   - every entry's stored content hash matches its postings (nobody edited
//     a posted entry behind the database's back);
//   - every posting belongs to an entry and to an account;
//   - every reversal undoes exactly the postings of an entry that is not
//     itself a reversal;
//   - every account's balance equals the sum of its postings;
//   - no account the chart of accounts keeps non-negative (request, payable,
//     charity) is below zero, whatever its row says.
//
// It reads one consistent snapshot.
func Verify(ctx context.Context, db *store.DB) (Summary, error) {
	var s Summary
	err := db.Read(ctx, func(tx *store.Tx) error {
		for _, check := range []func(context.Context, *store.Tx, *Summary) error{
			verifyEntries, verifyOrphans, verifyHashes, verifyReversals, verifyBalances, verifyNonNegative,
		} {
			if err := check(ctx, tx, &s); err != nil {
				return err
			}
		}
		return nil
	})
	return s, err
}

func verifyEntries(ctx context.Context, tx *store.Tx, s *Summary) error {
	var id, n, sum int64
	err := tx.QueryRowContext(ctx, `SELECT e.id, count(p.entry_id), coalesce(sum(p.amount), 0)
		FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id
		GROUP BY e.id HAVING count(p.entry_id) < 2 OR coalesce(sum(p.amount), 0) <> 0
		ORDER BY e.id LIMIT 1`).Scan(&id, &n, &sum)
	if err == nil {
		if n < 2 {
			return &Violation{Invariant: "every entry has two or more postings", EntryID: id, Detail: fmt.Sprintf("it has %d", n)}
		}
		return &Violation{Invariant: "every entry sums to zero", EntryID: id, Detail: fmt.Sprintf("it sums to %s", money.Fen(sum))}
	}
	if !isNoRows(err) {
		return err
	}
	return tx.QueryRowContext(ctx, "SELECT count(*) FROM ledger_entries").Scan(&s.Entries)
}

func verifyHashes(ctx context.Context, tx *store.Tx, _ *Summary) error {
	var cur Entry
	var curID int64
	var curHash string
	check := func() error {
		if curID != 0 && hash(cur) != curHash {
			return &Violation{Invariant: "every entry matches its content hash", EntryID: curID,
				Detail: "its postings, kind or memo differ from what was posted"}
		}
		if curID != 0 {
			if err := CheckCustodyOutflow(cur); err != nil {
				return &Violation{Invariant: "money leaves custody only as payouts, refunds, consented fees and charity transfers",
					EntryID: curID, Detail: "kind " + cur.Kind}
			}
		}
		return nil
	}
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var id int64
		var e Entry
		var h string
		var p Posting
		if err := rows.Scan(&id, &e.Kind, &e.Memo, &e.Reverses, &h, &p.Account, &p.Amount); err != nil {
			return err
		}
		if id != curID {
			if err := check(); err != nil {
				return err
			}
			cur, curID, curHash = e, id, h
		}
		cur.Postings = append(cur.Postings, p)
		return nil
	}, `SELECT e.id, e.kind, e.memo, coalesce(e.reverses, 0), e.content_hash, a.name, p.amount
		FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
		ORDER BY e.id`)
	if err != nil {
		return err
	}
	return check()
}

func verifyBalances(ctx context.Context, tx *store.Tx, s *Summary) error {
	return store.Each(ctx, tx, func(rows *sql.Rows) error {
		var name, typ string
		var balance, sum int64
		if err := rows.Scan(&name, &typ, &balance, &sum); err != nil {
			return err
		}
		s.Accounts++
		want := sum
		if Type(typ) != Asset {
			want = -sum
		}
		if balance != want {
			return &Violation{Invariant: "every balance equals the sum of its postings", Account: name,
				Detail: fmt.Sprintf("balance %s, postings %s", money.Fen(balance), money.Fen(want))}
		}
		if name == "bank:custody" {
			s.Custody = money.Fen(balance)
		}
		if c, err := Classify(name); err != nil {
			return &Violation{Invariant: "every account is in the chart of accounts", Account: name, Detail: err.Error()}
		} else if c.NonNegative && balance < 0 {
			return &Violation{Invariant: "no request, payable or charity account is negative", Account: name,
				Detail: fmt.Sprintf("balance %s", money.Fen(balance))}
		}
		return nil
	}, `SELECT a.name, a.type, a.balance, coalesce(sum(p.amount), 0)
		FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
		GROUP BY a.id, a.name, a.type, a.balance ORDER BY a.id`)
}

func verifyNonNegative(ctx context.Context, tx *store.Tx, _ *Summary) error {
	var name string
	var balance int64
	err := tx.QueryRowContext(ctx, `SELECT name, balance FROM ledger_accounts
		WHERE non_negative AND balance < 0 ORDER BY id LIMIT 1`).Scan(&name, &balance)
	if err == nil {
		return &Violation{Invariant: "no request, payable or charity account is negative", Account: name,
			Detail: fmt.Sprintf("balance %s", money.Fen(balance))}
	}
	if isNoRows(err) {
		return nil
	}
	return err
}

func verifyOrphans(ctx context.Context, tx *store.Tx, _ *Summary) error {
	var entry, account int64
	err := tx.QueryRowContext(ctx, `SELECT p.entry_id, p.account_id FROM ledger_postings p
		WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = p.entry_id)
		   OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = p.account_id)
		ORDER BY p.entry_id LIMIT 1`).Scan(&entry, &account)
	if err == nil {
		return &Violation{Invariant: "every posting belongs to an entry and an account", EntryID: entry,
			Detail: fmt.Sprintf("a posting to account #%d under entry %d, one of which does not exist", account, entry)}
	}
	if isNoRows(err) {
		return nil
	}
	return err
}

func verifyReversals(ctx context.Context, tx *store.Tx, _ *Summary) error {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT r.id FROM ledger_entries r
		JOIN ledger_entries t ON t.id = r.reverses
		WHERE t.reverses IS NOT NULL
		   OR (SELECT count(*) FROM ledger_postings WHERE entry_id = r.id) <> (SELECT count(*) FROM ledger_postings WHERE entry_id = t.id)
		   OR EXISTS (SELECT 1 FROM ledger_postings rp WHERE rp.entry_id = r.id AND NOT EXISTS (
				SELECT 1 FROM ledger_postings tp WHERE tp.entry_id = t.id AND tp.account_id = rp.account_id AND tp.amount = -rp.amount))
		ORDER BY r.id LIMIT 1`).Scan(&id)
	if err == nil {
		return &Violation{Invariant: "every reversal undoes exactly one entry that is not a reversal", EntryID: id,
			Detail: "its postings do not negate those of the entry it reverses, or that entry is itself a reversal"}
	}
	if isNoRows(err) {
		return nil
	}
	return err
}
