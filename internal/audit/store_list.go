package audit

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/store"
)

// The page sizes List returns.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Filter selects entries for the auditor's page; zero fields match
// everything.
type Filter struct {
	Actor  string // exact
	Action string // exact, or every action starting with it when it ends in "." ("pii.")
	Object string // exact
	Result string // exact
	From   time.Time
	To     time.Time // From and To are both inclusive
	Before int64     // only entries with a smaller Seq: the next page after the last Seq shown
	Limit  int       // DefaultLimit when 0 or less, at most MaxLimit
}

// where returns the SQL condition for f (starting with " WHERE ", or empty)
// and its arguments.
func (f Filter) where(withBefore bool) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "."); ok && prefix != "" {
		// substr rather than LIKE: LIKE ignores case on SQLite only, and
		// '_' in an action name would be a wildcard.
		add("substr(action, 1, "+strconv.Itoa(utf8.RuneCountInString(f.Action))+") = ?", f.Action)
	} else if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Object != "" {
		add("object = ?", f.Object)
	}
	if f.Result != "" {
		add("result = ?", f.Result)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		add("at <= ?", f.To.UnixMicro())
	}
	if withBefore && f.Before > 0 {
		add("seq < ?", f.Before)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List returns the entries f selects, newest first, at most f.Limit of them.
// To page backwards, call it again with Before set to the last Seq returned.
func List(ctx context.Context, tx *store.Tx, f Filter) ([]Entry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	where, args := f.where(true)
	entries, err := store.All(ctx, tx, func(rows *sql.Rows) (Entry, error) { return scan(rows) },
		"SELECT "+columns+" FROM audit_log"+where+" ORDER BY seq DESC LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("audit: listing entries: %w", err)
	}
	return entries, nil
}

// Objects returns the distinct, non-empty objects of every entry f selects,
// sorted, ignoring f.Before and f.Limit: for an incident, everyone whose data
// a suspect viewed in a time window (Filter{Actor: "staff:12", Action:
// "pii.", From: …, To: …}).
func Objects(ctx context.Context, tx *store.Tx, f Filter) ([]string, error) {
	where, args := f.where(false)
	if where == "" {
		where = " WHERE object <> ''"
	} else {
		where += " AND object <> ''"
	}
	objects, err := store.All(ctx, tx, func(rows *sql.Rows) (string, error) {
		var o string
		err := rows.Scan(&o)
		return o, err
	}, "SELECT DISTINCT object FROM audit_log"+where, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: listing objects: %w", err)
	}
	// Sorted here, not in SQL: PostgreSQL's order depends on the database's
	// collation, and the list must read the same on both.
	slices.Sort(objects)
	return objects, nil
}
