package charity

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
)

const columns = "id, name, summary, categories, regions, url, active, sort_order, created_at, updated_at"

// Get returns the organisation with the ID, or apperr.NotFound.
func Get(ctx context.Context, tx *store.Tx, id int64) (Org, error) {
	o, err := scan(tx.QueryRowContext(ctx, "SELECT "+columns+" FROM charities WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, apperr.New(apperr.NotFound, "charity.not_found")
	}
	return o, err
}

// List returns every organisation, inactive ones included, in display
// order.
func List(ctx context.Context, tx *store.Tx) ([]Org, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Org, error) { return scan(rows) },
		"SELECT "+columns+" FROM charities ORDER BY sort_order, id")
}

// nameTaken reports whether another organisation than except has the name.
func nameTaken(ctx context.Context, tx *store.Tx, name string, except int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM charities WHERE name = $1 AND id <> $2", name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &apperr.Error{Code: apperr.Conflict, Key: "charity.invalid",
			Fields: []apperr.FieldError{{Field: "name", Key: "charity.name_taken"}}}
	}
	return nil
}

// Create adds an active organisation. It returns the Validate errors and
// apperr.Conflict with a message for field "name" when the name is taken.
func Create(ctx context.Context, tx *store.Tx, in Input) (Org, error) {
	if err := Validate(in); err != nil {
		return Org{}, err
	}
	in = normalizeInput(in)
	if err := nameTaken(ctx, tx, in.Name, 0); err != nil {
		return Org{}, err
	}
	var id int64
	now := tx.Now.UnixMicro()
	if err := tx.QueryRowContext(ctx, `INSERT INTO charities (name, summary, categories, regions, url, active, sort_order, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		in.Name, in.Summary, strings.Join(in.Categories, "\n"), strings.Join(in.Regions, "\n"), in.URL, true, in.Order, now).Scan(&id); err != nil {
		return Org{}, err
	}
	return Get(ctx, tx, id)
}

// Update replaces the organisation's fields, leaving its active flag. It
// returns the Validate errors, apperr.NotFound, and apperr.Conflict with a
// message for field "name" when another organisation has the name.
func Update(ctx context.Context, tx *store.Tx, id int64, in Input) (Org, error) {
	if err := Validate(in); err != nil {
		return Org{}, err
	}
	in = normalizeInput(in)
	if _, err := Get(ctx, tx, id); err != nil {
		return Org{}, err
	}
	if err := nameTaken(ctx, tx, in.Name, id); err != nil {
		return Org{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE charities SET name = $2, summary = $3, categories = $4, regions = $5, url = $6,
		sort_order = $7, updated_at = $8 WHERE id = $1`,
		id, in.Name, in.Summary, strings.Join(in.Categories, "\n"), strings.Join(in.Regions, "\n"), in.URL, in.Order, tx.Now.UnixMicro()); err != nil {
		return Org{}, err
	}
	return Get(ctx, tx, id)
}

// SetActive shows or hides the organisation in suggestions. It returns
// apperr.NotFound for an unknown ID.
func SetActive(ctx context.Context, tx *store.Tx, id int64, active bool) error {
	res, err := tx.ExecContext(ctx, "UPDATE charities SET active = $2, updated_at = $3 WHERE id = $1", id, active, tx.Now.UnixMicro())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.New(apperr.NotFound, "charity.not_found")
	}
	return nil
}

// Suggest returns at most limit active organisations for a patient with the
// diagnosis in the region, best first:
//
//   - an organisation serves the region if it is nationwide or one of its
//     regions matches; others are left out;
//   - among those, the ones whose categories match the diagnosis come
//     first, then the general ones (no categories); specialised ones for
//     other illnesses are left out;
//   - within each group, one that names the region comes before a
//     nationwide one, then by the staff's order and by ID.
//
// An empty region matches only nationwide organisations; an empty diagnosis
// gives general ones only. limit ≤ 0 means no limit.
func Suggest(ctx context.Context, tx *store.Tx, diagnosis, region string, limit int) ([]Org, error) {
	type ranked struct {
		Org
		score int
	}
	dx, rg := Normalize(diagnosis), Normalize(region)
	var found []ranked
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		o, err := scan(rows)
		if err != nil {
			return err
		}
		score := 0
		switch {
		case len(o.Regions) == 0:
		case matches(rg, o.Regions):
			score++
		default:
			return nil
		}
		switch {
		case o.General():
		case matches(dx, o.Categories):
			score += 2
		default:
			return nil
		}
		found = append(found, ranked{o, score})
		return nil
	}, "SELECT "+columns+" FROM charities WHERE active = $1 ORDER BY sort_order, id", true)
	if err != nil {
		return nil, err
	}
	// The rows come in display order; a stable sort keeps it within a score.
	sort.SliceStable(found, func(i, j int) bool { return found[i].score > found[j].score })
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	out := make([]Org, len(found))
	for i, r := range found {
		out[i] = r.Org
	}
	return out, nil
}

// Seed adds the demo organisations missing from the list, by name, and
// returns how many it added. Running it again adds nothing, and it leaves
// organisations staff have edited or deactivated as they are.
func Seed(ctx context.Context, tx *store.Tx) (int, error) {
	added := 0
	for _, in := range demo {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM charities WHERE name = $1", in.Name).Scan(&n); err != nil {
			return added, err
		}
		if n > 0 {
			continue
		}
		if _, err := Create(ctx, tx, in); err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}
