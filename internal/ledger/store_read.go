package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// Balance returns an account's balance in its normal direction: for a
// request, the money held for it. An account never posted to holds zero.
func (l *Ledger) Balance(ctx context.Context, name string) (money.Fen, error) {
	if _, err := Classify(name); err != nil {
		return 0, apperr.Wrap(err, apperr.Invalid, "ledger.invalid")
	}
	var b int64
	err := l.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT balance FROM ledger_accounts WHERE name = $1", name).Scan(&b)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return money.Fen(b), err
}

// PostedEntry is an entry as the ledger holds it.
type PostedEntry struct {
	Entry
	ID        int64
	CreatedAt time.Time
}

// ErrNoEntry is returned for an entry that does not exist. Code NotFound.
var ErrNoEntry = errors.New("no such ledger entry")

// EntryByID returns a posted entry.
func (l *Ledger) EntryByID(ctx context.Context, id int64) (PostedEntry, error) {
	return l.entry(ctx, "e.id = $1", id)
}

// EntryByKey returns the entry posted under an idempotency key.
func (l *Ledger) EntryByKey(ctx context.Context, key string) (PostedEntry, error) {
	return l.entry(ctx, "e.idem_key = $1", key)
}

func (l *Ledger) entry(ctx context.Context, where string, arg any) (PostedEntry, error) {
	var pe PostedEntry
	err := l.db.Read(ctx, func(tx *store.Tx) error {
		var reverses sql.NullInt64
		var at int64
		err := tx.QueryRowContext(ctx, "SELECT e.id, e.idem_key, e.kind, e.memo, e.reverses, e.created_at FROM ledger_entries e WHERE "+where, arg).
			Scan(&pe.ID, &pe.Key, &pe.Kind, &pe.Memo, &reverses, &at)
		if err != nil {
			return err
		}
		pe.Reverses, pe.CreatedAt = reverses.Int64, time.UnixMicro(at).UTC()
		pe.Postings, err = store.All(ctx, tx, func(rows *sql.Rows) (Posting, error) {
			var p Posting
			err := rows.Scan(&p.Account, &p.Amount)
			return p, err
		}, `SELECT a.name, p.amount FROM ledger_postings p
			JOIN ledger_accounts a ON a.id = p.account_id WHERE p.entry_id = $1 ORDER BY a.name`, pe.ID)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return pe, apperr.Wrap(fmt.Errorf("%w: %v", ErrNoEntry, arg), apperr.NotFound, "")
	}
	return pe, err
}

// Reverse posts, under key, the entry that undoes entry id: the same
// postings with opposite signs. An entry is reversed at most once, and a
// reversal is not itself reversed (ErrAlreadyReversed); correct it with a new
// entry instead.
func (l *Ledger) Reverse(ctx context.Context, id int64, key, memo string) (Posted, error) {
	orig, err := l.EntryByID(ctx, id)
	if err != nil {
		return Posted{}, err
	}
	e := Entry{Key: key, Kind: "reversal", Memo: memo, Reverses: id}
	for _, p := range orig.Postings {
		e.Postings = append(e.Postings, Posting{Account: p.Account, Amount: -p.Amount})
	}
	return l.Post(ctx, e)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
