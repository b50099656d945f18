package content

import (
	"context"
	"slices"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/store"
)

// Text is a public text as staff see it in the queue: the text, and a
// console page where it is shown in context ("" for none).
type Text struct {
	Body string
	Link string
}

// TextFunc reads the text of place with ref for staff, inside the
// console's transaction; the package that owns the text provides it.
type TextFunc func(ctx context.Context, tx *store.Tx, ref string) (Text, error)

// Service is the console's side of the content screen: the word list, the
// queue of held texts, the handling record and takedowns. Every change is
// audited in its transaction.
type Service struct {
	DB *store.DB
	// Texts reads the texts of each place for the queue; a place without
	// one shows the matched terms only. Set by the wiring, before use.
	Texts map[Place]TextFunc
}

// write appends rec, then runs fn, in one transaction.
func (s *Service) write(ctx context.Context, rec audit.Record, fn func(tx *store.Tx) error) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := audit.Append(ctx, tx, rec); err != nil {
			return err
		}
		return fn(tx)
	})
}

// WordList is the list in force and the changes that made it.
type WordList struct {
	Terms []screen.Term
	// Changes are newest first.
	Changes []TermChange
}

// WordList returns the word list in force and its history (R-CONT-1).
func (s *Service) WordList(ctx context.Context) (WordList, error) {
	var w WordList
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		changes, err := termChanges(ctx, tx)
		if err != nil {
			return err
		}
		w.Terms = Terms(changes)
		slices.Reverse(changes)
		w.Changes = changes
		return nil
	})
	return w, err
}

// AddTerm adds t to the word list (R-CONT-1) as actor by, after appending
// rec: CheckTerm's refusals, or apperr.Conflict KeyTermExists on field
// "term" when the list already has it.
func (s *Service) AddTerm(ctx context.Context, rec audit.Record, t screen.Term, by string) error {
	return s.changeTerm(ctx, rec, t, false, by)
}

// RemoveTerm removes t from the word list, built-in or added, as AddTerm
// adds one; a term not in the list is apperr.Conflict KeyTermMissing. The
// removal is a new row of the list's history: nothing is deleted.
func (s *Service) RemoveTerm(ctx context.Context, rec audit.Record, t screen.Term, by string) error {
	return s.changeTerm(ctx, rec, t, true, by)
}

func (s *Service) changeTerm(ctx context.Context, rec audit.Record, t screen.Term, remove bool, by string) error {
	t, err := CheckTerm(t)
	if err != nil {
		return err
	}
	return s.write(ctx, rec, func(tx *store.Tx) error {
		changes, err := termChanges(ctx, tx)
		if err != nil {
			return err
		}
		in := slices.ContainsFunc(Terms(changes), func(x screen.Term) bool { return sameTerm(x, t) })
		switch {
		case remove && !in:
			return &apperr.Error{Code: apperr.Conflict, Key: KeyInvalid, Fields: []apperr.FieldError{{Field: "term", Key: KeyTermMissing}}}
		case !remove && in:
			return &apperr.Error{Code: apperr.Conflict, Key: KeyInvalid, Fields: []apperr.FieldError{{Field: "term", Key: KeyTermExists}}}
		}
		return insertTermChange(ctx, tx, t, remove, by)
	})
}

// QueueItem is a held text waiting for staff.
type QueueItem struct {
	Record
	Text Text
}

// Queue returns up to limit held texts, oldest first, each with its text
// when its place can show it (R-CONT-1).
func (s *Service) Queue(ctx context.Context, limit int) ([]QueueItem, error) {
	var out []QueueItem
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		out = nil
		list, err := records(ctx, tx, true, limit)
		if err != nil {
			return err
		}
		for _, r := range list {
			it := QueueItem{Record: r}
			if f := s.Texts[r.Place]; f != nil {
				if it.Text, err = f(ctx, tx, r.Ref); err != nil {
					return err
				}
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// Handling is the handling record and the takedowns, newest first.
type Handling struct {
	Records   []Record
	Takedowns []Takedown
}

// Handling returns up to limit of the latest records and takedowns.
func (s *Service) Handling(ctx context.Context, limit int) (Handling, error) {
	var h Handling
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if h.Records, err = records(ctx, tx, false, limit); err != nil {
			return err
		}
		h.Takedowns, err = takedowns(ctx, tx, limit)
		return err
	})
	return h, err
}

// Clear publishes held record id's text (R-CONT-1) as actor by, with an
// optional note, after appending rec: CheckNote's refusal, apperr.NotFound,
// or apperr.Conflict KeyNotHeld when it is not held (handled already, or
// refused).
func (s *Service) Clear(ctx context.Context, rec audit.Record, id int64, note, by string) error {
	note, err := CheckNote(note)
	if err != nil {
		return err
	}
	return s.write(ctx, rec, func(tx *store.Tx) error {
		r, err := loadRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.State != StateHeld {
			return apperr.New(apperr.Conflict, KeyNotHeld)
		}
		return handle(ctx, tx, id, r.Place, r.Ref, StateCleared, by, note)
	})
}

// TakeDown takes the public text of place with ref down (R-CONT-1) as
// actor by, with a public reason its page shows in its place, after
// appending rec: CheckReason's refusal, apperr.Invalid KeyPlace, or
// apperr.Conflict KeyAlreadyDown (a takedown is never undone or replaced).
// Held records of the text are handled with it. The text itself is kept.
func (s *Service) TakeDown(ctx context.Context, rec audit.Record, place Place, ref, reason, by string) error {
	reason, err := CheckReason(reason)
	if err != nil {
		return err
	}
	if !place.Valid() || ref == "" || len(ref) > 100 {
		return apperr.New(apperr.Invalid, KeyPlace)
	}
	return s.write(ctx, rec, func(tx *store.Tx) error {
		t, err := takedown(ctx, tx, place, ref)
		if err != nil {
			return err
		}
		if t != nil {
			return apperr.New(apperr.Conflict, KeyAlreadyDown)
		}
		if err := insertTakedown(ctx, tx, place, ref, reason, by); err != nil {
			return err
		}
		return handle(ctx, tx, 0, place, ref, StateTakenDown, by, reason)
	})
}

// Statuses is the package's Statuses in a read transaction of its own,
// for pages that have no transaction of theirs.
func (s *Service) Statuses(ctx context.Context, place Place, refs []string) (map[string]Status, error) {
	var out map[string]Status
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = Statuses(ctx, tx, place, refs)
		return err
	})
	return out, err
}

// Overview is what the console's content screen shows: the held texts,
// the word list and the latest handling.
type Overview struct {
	Queue    []QueueItem
	WordList WordList
	Handling Handling
}

// Overview returns the content screen's data (R-CONT-1), limit of each
// list, in one read.
func (s *Service) Overview(ctx context.Context, limit int) (Overview, error) {
	var o Overview
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		o = Overview{}
		list, err := records(ctx, tx, true, limit)
		if err != nil {
			return err
		}
		for _, r := range list {
			it := QueueItem{Record: r}
			if f := s.Texts[r.Place]; f != nil {
				if it.Text, err = f(ctx, tx, r.Ref); err != nil && apperr.CodeOf(err) != apperr.NotFound {
					return err
				}
			}
			o.Queue = append(o.Queue, it)
		}
		changes, err := termChanges(ctx, tx)
		if err != nil {
			return err
		}
		o.WordList.Terms = Terms(changes)
		slices.Reverse(changes)
		if len(changes) > limit {
			changes = changes[:limit]
		}
		o.WordList.Changes = changes
		if o.Handling.Records, err = records(ctx, tx, false, limit); err != nil {
			return err
		}
		o.Handling.Takedowns, err = takedowns(ctx, tx, limit)
		return err
	})
	return o, err
}

// IsRefusal reports whether err is a refusal made by Refusal.
func IsRefusal(err error) bool {
	e := apperr.As(err)
	return e != nil && len(e.Fields) == 1 && e.Fields[0].Key == KeyRefused
}

// RecordRefusal writes the handling record of a refused text in a
// transaction of its own, for a service whose transaction rolled back with
// the refusal: nothing of the text is stored but the record. A text that
// no longer screens as refused (the list changed in between) records
// nothing.
func RecordRefusal(ctx context.Context, db *store.DB, c Candidate) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		act, err := Screen(ctx, tx, c.Text)
		if err != nil || act != ActionRefuse {
			return err
		}
		_, err = Check(ctx, tx, c)
		return err
	})
}
