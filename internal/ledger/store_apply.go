package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
)

// AfterFunc is the type of Entry.After. It is declared here, with the SQL,
// so that entry.go, which holds what makes an entry valid, imports no
// storage (decision 0016).
type AfterFunc = func(ctx context.Context, tx *store.Tx, p Posted) error

// errPostponed marks a call that shares its key with an earlier call of
// other content in the same batch: commit runs it again after the batch.
var errPostponed = errors.New("ledger: postponed to the next batch")

// errKeyRace reports that a key of the batch was already in the database
// when apply assumed none was: the transaction must be redone with lookKeys.
var errKeyRace = errors.New("ledger: a key of the batch is already posted")

// apply writes a batch in tx and returns each call's outcome and the accounts
// the transaction created or first saw. Entries that cannot be posted
// (overdraft, reused key, double reversal) get their error and are left out;
// they do not fail the transaction. With lookKeys false apply assumes no key
// was posted before, which saves a lookup per entry in the common case, and
// returns errKeyRace if one was.
func (l *Ledger) apply(ctx context.Context, tx *store.Tx, batch []*call, lookKeys bool) ([]result, map[string]account, error) {
	res := make([]result, len(batch))

	// The same key twice in one batch: a later call with the same content
	// shares the earlier one's outcome; one with other content waits for a
	// batch of its own (errPostponed), where it is judged against what was
	// actually posted under the key, if anything was.
	follows := make([]int, len(batch)) // index+1 of the call whose outcome this one shares
	first := make(map[string]int, len(batch))
	fresh := make([]int, 0, len(batch))
	for i, c := range batch {
		if j, ok := first[c.e.Key]; ok {
			if batch[j].hash != c.hash {
				res[i].err = errPostponed
			} else {
				follows[i] = j + 1
			}
			continue
		}
		first[c.e.Key] = i
		fresh = append(fresh, i)
	}

	var err error
	if lookKeys {
		if fresh, err = lookUpKeys(ctx, tx, batch, fresh, res); err != nil {
			return nil, nil, err
		}
	}
	if fresh, err = checkReversals(ctx, tx, batch, fresh, res, lookKeys); err != nil {
		return nil, nil, err
	}
	accts, created, err := l.resolve(ctx, tx, batch, fresh)
	if err != nil {
		return nil, nil, err
	}
	balances, err := lockBalances(ctx, tx, batch, fresh, accts)
	if err != nil {
		return nil, nil, err
	}

	// Check the entries one after another against the running balances, as
	// if each were posted alone in the order it arrived.
	write := make([]int, 0, len(fresh))
	var refused []int
	deltas := make(map[int64]int64, 2*len(fresh))
	reversedNow := map[int64]bool{}
	for _, i := range fresh {
		if r := batch[i].e.Reverses; r != 0 && reversedNow[r] {
			res[i].err = conflict("ledger.already_reversed", fmt.Errorf("%w: entry %d", ErrAlreadyReversed, r))
			continue
		}
		if err := checkFunds(batch[i].e, accts, balances); err != nil {
			res[i].err = err
			refused = append(refused, i)
			continue
		}
		if r := batch[i].e.Reverses; r != 0 {
			reversedNow[r] = true
		}
		for _, p := range batch[i].e.Postings {
			a := accts[p.Account]
			d := a.class.sign() * int64(p.Amount)
			deltas[a.id] += d
			if b, ok := balances[a.id]; ok {
				balances[a.id] = b + d
			}
		}
		write = append(write, i)
	}

	if len(refused) > 0 && !lookKeys {
		// A refused entry may be a replay of one posted when the money was
		// there: a replay is answered with the first entry, not refused.
		if _, err := lookUpKeys(ctx, tx, batch, refused, res); err != nil {
			return nil, nil, err
		}
	}

	if len(write) > 0 {
		var ids []int64
		if tx.Dialect == store.Postgres {
			ids, err = writePostgres(ctx, tx, batch, write, accts, deltas)
		} else {
			ids, err = writeSQLite(ctx, tx, batch, write, accts, deltas)
		}
		if err != nil {
			return nil, nil, err
		}
		for k, i := range write {
			res[i].posted = Posted{ID: ids[k], CreatedAt: tx.Now}
		}
		if len(l.opts.CommitKey) > 0 {
			if err := enqueueLog(ctx, tx, l.opts.CommitKey, batch, write, ids); err != nil {
				return nil, nil, err
			}
		}
		// What must commit with each entry, in arrival order, after every
		// entry and balance of the batch is written.
		for _, i := range write {
			if after := batch[i].e.After; after != nil {
				if err := after(ctx, tx, res[i].posted); err != nil {
					return nil, nil, fmt.Errorf("ledger: after entry %q: %w", batch[i].e.Key, err)
				}
			}
		}
	}
	if l.testHookApply != nil {
		if err := l.testHookApply(batch); err != nil {
			return nil, nil, err
		}
	}
	for i, f := range follows {
		if f > 0 {
			res[i] = res[f-1]
			if res[i].err == nil {
				res[i].posted.Replayed = true
			}
		}
	}
	return res, created, nil
}

// enqueueLog adds the written entries to the transparency log's outbox,
// in the batch's transaction: each is logged if and only if it commits.
func enqueueLog(ctx context.Context, tx *store.Tx, commitKey []byte, batch []*call, write []int, ids []int64) error {
	items := make([]translog.Pending, len(write))
	for k, i := range write {
		e := batch[i].e
		postings := make([]translog.Posting, len(e.Postings))
		for j, p := range e.Postings {
			postings[j] = translog.Posting{Account: p.Account, Amount: int64(p.Amount)}
		}
		r := translog.Record{Type: translog.TypeLedger, Source: translog.LedgerSource(ids[k]), At: tx.Now.Unix(),
			Ledger: &translog.Ledger{Entry: ids[k], Kind: e.Kind, Reverses: e.Reverses, Postings: postings,
				Commitment: translog.Commit(translog.Salt(commitKey, e.Key), e.Key)}}
		data, err := r.Data()
		if err != nil {
			return fmt.Errorf("ledger: entry %d for the log: %w", ids[k], err)
		}
		items[k] = translog.Pending{Source: r.Source, Data: data}
	}
	return translog.Enqueue(ctx, tx, items...)
}

func keyReused(key string) error {
	return conflict("ledger.key_reused", fmt.Errorf("%w: %q", ErrKeyReused, key))
}

// lookUpKeys answers the calls whose key is already posted, with the first
// entry or a conflict, and returns the rest.
func lookUpKeys(ctx context.Context, tx *store.Tx, batch []*call, fresh []int, res []result) ([]int, error) {
	keys := make([]string, len(fresh))
	for k, i := range fresh {
		keys[k] = batch[i].e.Key
	}
	q, arg := "SELECT idem_key, id, content_hash, created_at FROM ledger_entries WHERE idem_key IN (SELECT value FROM json_each($1))", any(jsonStrings(keys))
	if tx.Dialect != store.SQLite {
		q, arg = `SELECT e.idem_key, e.id, e.content_hash, e.created_at
			FROM unnest($1::text[]) AS k (key) JOIN ledger_entries e ON e.idem_key = k.key`, keys
	}
	type posted struct {
		id, at int64
		hash   string
	}
	found := map[string]posted{}
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var key string
		var p posted
		if err := rows.Scan(&key, &p.id, &p.hash, &p.at); err != nil {
			return err
		}
		found[key] = p
		return nil
	}, q, arg)
	if err != nil {
		return nil, err
	}
	rest := fresh[:0]
	for _, i := range fresh {
		p, ok := found[batch[i].e.Key]
		switch {
		case !ok:
			rest = append(rest, i)
		case p.hash != batch[i].hash:
			res[i] = result{err: keyReused(batch[i].e.Key)}
		default:
			res[i] = result{posted: Posted{ID: p.id, CreatedAt: time.UnixMicro(p.at).UTC(), Replayed: true}}
		}
	}
	return rest, nil
}

// checkReversals refuses a reversal of an entry that does not exist, is
// itself a reversal, is already reversed, or whose postings the reversal
// does not exactly undo. An entry found reversed when the keys have not been
// looked up may be a replay of the reversal itself: it returns errKeyRace, so
// the batch is redone with the lookup first.
func checkReversals(ctx context.Context, tx *store.Tx, batch []*call, fresh []int, res []result, keysLooked bool) ([]int, error) {
	var targets []any
	for _, i := range fresh {
		if r := batch[i].e.Reverses; r != 0 {
			targets = append(targets, r)
		}
	}
	if len(targets) == 0 {
		return fresh, nil
	}
	in := placeholders(1, len(targets))
	original := map[int64][]Posting{}
	isReversal := map[int64]bool{}
	reversed := map[int64]bool{}
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var id int64
		var rev bool
		var p Posting
		if err := rows.Scan(&id, &rev, &p.Account, &p.Amount); err != nil {
			return err
		}
		original[id] = append(original[id], p)
		isReversal[id] = rev
		return nil
	}, `SELECT e.id, e.reverses IS NOT NULL, a.name, p.amount
		FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
		WHERE e.id IN (`+in+`)`, targets...)
	if err != nil {
		return nil, err
	}
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		reversed[id] = true
		return nil
	}, "SELECT reverses FROM ledger_entries WHERE reverses IN ("+in+")", targets...)
	if err != nil {
		return nil, err
	}
	if len(reversed) > 0 && !keysLooked {
		return nil, errKeyRace
	}
	rest := fresh[:0]
	for _, i := range fresh {
		e := batch[i].e
		if e.Reverses == 0 {
			rest = append(rest, i)
			continue
		}
		orig, ok := original[e.Reverses]
		switch {
		case !ok:
			res[i].err = invalid("entry %d, which this one reverses, does not exist", e.Reverses)
		case isReversal[e.Reverses] || reversed[e.Reverses]:
			res[i].err = conflict("ledger.already_reversed", fmt.Errorf("%w: entry %d", ErrAlreadyReversed, e.Reverses))
		case !undoes(e.Postings, orig):
			res[i].err = invalid("the postings of a reversal must undo those of entry %d exactly", e.Reverses)
		default:
			rest = append(rest, i) // a second reversal in this batch is refused in apply, once one is written
		}
	}
	return rest, nil
}

func undoes(reversal, original []Posting) bool {
	if len(reversal) != len(original) {
		return false
	}
	want := make(map[string]money.Fen, len(original))
	for _, p := range original {
		want[p.Account] = -p.Amount
	}
	for _, p := range reversal {
		if a, ok := want[p.Account]; !ok || a != p.Amount {
			return false
		}
	}
	return true
}

// resolve returns the accounts the entries touch, creating those that do not
// exist yet, and, separately, those not yet in the cache, to be cached once
// the transaction commits.
func (l *Ledger) resolve(ctx context.Context, tx *store.Tx, batch []*call, fresh []int) (map[string]account, map[string]account, error) {
	accts := make(map[string]account, 2*len(fresh))
	var missing []string
	l.mu.RLock()
	for _, i := range fresh {
		for _, p := range batch[i].e.Postings {
			if _, ok := accts[p.Account]; ok {
				continue
			}
			a, ok := l.accounts[p.Account]
			if !ok {
				missing = append(missing, p.Account)
			}
			accts[p.Account] = a // a placeholder until the lookup below
		}
	}
	l.mu.RUnlock()
	if len(missing) == 0 {
		return accts, nil, nil
	}
	slices.Sort(missing) // a fixed order, so concurrent creators cannot deadlock
	args := make([]any, 0, 4*len(missing))
	for _, name := range missing {
		c, _ := Classify(name) // Validate checked it
		args = append(args, name, string(c.Type), c.NonNegative, tx.Now.UnixMicro())
	}
	if _, err := tx.ExecRows(ctx, "INSERT INTO ledger_accounts (name, type, non_negative, created_at) VALUES ",
		" ON CONFLICT (name) DO NOTHING", 4, args); err != nil {
		return nil, nil, err
	}
	names := make([]any, len(missing))
	for k, n := range missing {
		names[k] = n
	}
	created := make(map[string]account, len(missing))
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var a account
		var name, typ string
		if err := rows.Scan(&a.id, &name, &typ, &a.class.NonNegative); err != nil {
			return err
		}
		a.class.Type = Type(typ)
		if want, _ := Classify(name); want != a.class {
			return fmt.Errorf("account %s is %+v in the database but %+v in the chart of accounts", name, a.class, want)
		}
		accts[name], created[name] = a, a
		return nil
	}, "SELECT id, name, type, non_negative FROM ledger_accounts WHERE name IN ("+placeholders(1, len(names))+")", names...)
	if err != nil {
		return nil, nil, err
	}
	return accts, created, nil
}

// lockBalances reads the balances that the funds check needs: those of
// non-negative accounts that some entry lowers. On PostgreSQL it then locks
// every account the batch touches, in ID order, so that the balances read
// stay true until commit and concurrent writers (other processes) queue
// instead of deadlocking; a batch that cannot overdraw takes the same locks,
// in the same order, inside its write statement. On SQLite the transaction
// holds the database's write lock.
func lockBalances(ctx context.Context, tx *store.Tx, batch []*call, fresh []int, accts map[string]account) (map[int64]int64, error) {
	var ids []int64
	guarded := map[int64]bool{}
	for _, i := range fresh {
		for _, p := range batch[i].e.Postings {
			a := accts[p.Account]
			if a.class.NonNegative && a.class.sign()*int64(p.Amount) < 0 {
				guarded[a.id] = true
			}
			if tx.Dialect == store.Postgres || guarded[a.id] {
				ids = append(ids, a.id)
			}
		}
	}
	if len(guarded) == 0 {
		// Nothing can be overdrawn (a batch of donations): no need to read
		// or lock ahead; the write statement locks in ID order itself.
		return map[int64]int64{}, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	q, arg := "SELECT id, balance FROM ledger_accounts WHERE id IN (SELECT value FROM json_each($1))", any(jsonInts(ids))
	if tx.Dialect != store.SQLite {
		q, arg = "SELECT id, balance FROM ledger_accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE", ids
	}
	balances := make(map[int64]int64, len(guarded))
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var id, b int64
		if err := rows.Scan(&id, &b); err != nil {
			return err
		}
		if guarded[id] {
			balances[id] = b
		}
		return nil
	}, q, arg)
	if err != nil {
		return nil, err
	}
	return balances, nil
}

// checkFunds refuses an entry that would take a non-negative account below zero.
func checkFunds(e Entry, accts map[string]account, balances map[int64]int64) error {
	for _, p := range e.Postings {
		a := accts[p.Account]
		b, ok := balances[a.id]
		if !ok {
			continue
		}
		if d := a.class.sign() * int64(p.Amount); b+d < 0 {
			return conflict("ledger.insufficient_funds", fmt.Errorf("%w: %s holds %s, the entry takes %s",
				ErrInsufficientFunds, p.Account, money.Fen(b), money.Fen(-d)))
		}
	}
	return nil
}

// writeSQLite writes the entries, their postings and the balances' changes,
// and returns the entries' IDs. The transaction holds SQLite's write lock,
// so IDs can follow the largest one without a sequence.
func writeSQLite(ctx context.Context, tx *store.Tx, batch []*call, write []int, accts map[string]account, deltas map[int64]int64) ([]int64, error) {
	var last int64
	if err := tx.QueryRowPrepared(ctx, "SELECT coalesce(max(id), 0) FROM ledger_entries").Scan(&last); err != nil {
		return nil, err
	}
	ids := make([]int64, len(write))
	for k := range ids {
		ids[k] = last + int64(k) + 1
	}
	if err := insertEntries(ctx, tx, batch, write, ids); err != nil {
		return nil, err
	}
	if err := insertPostings(ctx, tx, batch, write, ids, accts); err != nil {
		return nil, err
	}
	return ids, updateBalances(ctx, tx, deltas)
}

// writePostgres writes the entries, their postings and the balances'
// changes in one statement, one round trip, and returns the entries' IDs.
// The keys were looked up first (lookKeys), so a conflict means another
// process posted the same key a moment ago: the postings' foreign key then
// fails the statement, and the batch is retried entry by entry.
func writePostgres(ctx context.Context, tx *store.Tx, batch []*call, write []int, accts map[string]account, deltas map[int64]int64) ([]int64, error) {
	n := len(write)
	keys, kinds, memos, hashes, reverses := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	var pOrd, pAcct, pAmount []int64
	for k, i := range write {
		e := batch[i].e
		keys[k], kinds[k], memos[k], hashes[k], reverses[k] = e.Key, e.Kind, e.Memo, batch[i].hash, e.Reverses
		for _, p := range e.Postings {
			pOrd, pAcct, pAmount = append(pOrd, int64(k+1)), append(pAcct, accts[p.Account].id), append(pAmount, int64(p.Amount))
		}
	}
	ids, ds := sortedDeltas(deltas)
	entryIDs := make([]int64, 0, n)
	var written int64
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id, &written); err != nil {
			return err
		}
		entryIDs = append(entryIDs, id)
		return nil
	}, `WITH input AS MATERIALIZED (
			SELECT nextval('ledger_entries_id_seq') AS id, t.*
			FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY AS t (k, kind, memo, rev, h, ord)
		), e AS (
			INSERT INTO ledger_entries (id, idem_key, kind, memo, reverses, content_hash, created_at)
			SELECT id, k, kind, memo, NULLIF(rev, 0), h, $6 FROM input
			ON CONFLICT (idem_key) DO NOTHING RETURNING 1
		), p AS (
			INSERT INTO ledger_postings (entry_id, account_id, amount)
			SELECT i.id, x.acct, x.amount
			FROM unnest($7::bigint[], $8::bigint[], $9::bigint[]) AS x (ord, acct, amount) JOIN input i ON i.ord = x.ord
		), locked AS (
			-- Lock the accounts in ID order, so that writers in other
			-- processes queue rather than deadlock.
			SELECT id FROM ledger_accounts WHERE id = ANY($10) ORDER BY id FOR NO KEY UPDATE
		), u AS (
			UPDATE ledger_accounts AS a SET balance = a.balance + v.delta
			FROM unnest($10::bigint[], $11::bigint[]) AS v (id, delta) JOIN locked l ON l.id = v.id
			WHERE a.id = v.id AND a.id = ANY($10) -- lets the planner use the primary key, not scan
		)
		SELECT id, (SELECT count(*) FROM e) FROM input ORDER BY ord`,
		keys, kinds, memos, reverses, hashes, tx.Now.UnixMicro(), pOrd, pAcct, pAmount, ids, ds)
	if err != nil {
		return nil, err
	}
	if len(entryIDs) != n || written != int64(n) {
		return nil, errKeyRace
	}
	return entryIDs, nil
}

// sortedDeltas returns the accounts with a non-zero change, in ID order, and
// their changes.
func sortedDeltas(deltas map[int64]int64) (ids, ds []int64) {
	for id, d := range deltas {
		if d != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ds = make([]int64, len(ids))
	for k, id := range ids {
		ds[k] = deltas[id]
	}
	return ids, ds
}

func insertEntries(ctx context.Context, tx *store.Tx, batch []*call, write []int, ids []int64) error {
	args := make([]any, 0, 7*len(write))
	now := tx.Now.UnixMicro()
	for k, i := range write {
		e := batch[i].e
		var reverses any
		if e.Reverses != 0 {
			reverses = e.Reverses
		}
		args = append(args, ids[k], e.Key, e.Kind, e.Memo, reverses, batch[i].hash, now)
	}
	n, err := tx.ExecRows(ctx, "INSERT INTO ledger_entries (id, idem_key, kind, memo, reverses, content_hash, created_at) VALUES ",
		" ON CONFLICT (idem_key) DO NOTHING", 7, args)
	if err != nil {
		return err
	}
	if n != int64(len(write)) {
		return errKeyRace // a key was posted before: redo the batch looking first
	}
	return nil
}

func insertPostings(ctx context.Context, tx *store.Tx, batch []*call, write []int, ids []int64, accts map[string]account) error {
	args := make([]any, 0, 6*len(write))
	for k, i := range write {
		for _, p := range batch[i].e.Postings {
			args = append(args, ids[k], accts[p.Account].id, int64(p.Amount))
		}
	}
	_, err := tx.ExecRows(ctx, "INSERT INTO ledger_postings (entry_id, account_id, amount) VALUES ", "", 3, args)
	return err
}

// updateBalances applies the batch's net change to each account in one
// statement, in ID order.
func updateBalances(ctx context.Context, tx *store.Tx, deltas map[int64]int64) error {
	ids, ds := sortedDeltas(deltas)
	args := make([]any, 0, 2*len(ids))
	for k := range ids {
		args = append(args, ids[k], ds[k])
	}
	_, err := tx.ExecRows(ctx, "UPDATE ledger_accounts SET balance = balance + v.column2 FROM (VALUES ",
		") AS v WHERE ledger_accounts.id = v.column1", 2, args)
	return err
}

// placeholders returns "$from,$from+1,…" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + k))
	}
	return b.String()
}
