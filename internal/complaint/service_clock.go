package complaint

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// escalateBatch bounds one run of Escalate; the next run takes the rest.
const escalateBatch = 100

// Escalate escalates every open complaint whose clock ran out and was not
// escalated yet (R-COMP-2), once per clock: it records an escalation
// event and an audit record, raises the complaint's level and assigns it
// to the next handler (NextHandler: another complaints handler, then an
// admin, never the staff member complained about). It returns how many
// clocks it escalated. Running it again, or twice at once, escalates
// nothing more: the escalation is marked in the row it locks.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	var n int
	err := s.DB.WriteLocking(ctx, func(tx *store.Tx) error {
		n = 0
		now := tx.Now.UnixMicro()
		due, err := list(ctx, tx, `closed_at IS NULL AND ((acked_at IS NULL AND ack_escalated_at IS NULL AND ack_due <= $1)
			OR (handle_escalated_at IS NULL AND handle_due <= $1))`, "id", escalateBatch, now)
		if err != nil || len(due) == 0 {
			return err
		}
		all, err := staff.List(ctx, tx)
		if err != nil {
			return err
		}
		for _, d := range due {
			r, err := get(ctx, tx, d.ID) // locked, read again
			if err != nil {
				return err
			}
			clocks := RunOut(tx.Now, r.Clocks, !r.AckedAt.IsZero(), r.Status.Closed(), !r.AckEscalatedAt.IsZero(), !r.HandleEscalatedAt.IsZero())
			for _, c := range clocks {
				r.Level++
				to, ok := NextHandler(all, r.SubjectStaffID, r.AssignedTo, r.Level)
				if ok {
					r.AssignedTo = to
				}
				if err := setEscalated(ctx, tx, r.ID, c, now, r.Level, r.AssignedTo); err != nil {
					return err
				}
				detail := string(c) + " level " + strconv.Itoa(r.Level)
				if ok {
					detail += " → staff:" + strconv.FormatInt(to, 10)
				}
				if err := addEvent(ctx, tx, r.ID, "system", EventEscalated, detail); err != nil {
					return err
				}
				if _, err := audit.Append(ctx, tx, audit.Record{Actor: "system", Action: "complaint.escalate",
					Object: "complaint:" + strconv.FormatInt(r.ID, 10), Result: audit.ResultOK, Detail: detail}); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

// Calendar returns the days of year that differ from Monday to Friday.
func (s *Service) Calendar(ctx context.Context, year int) ([]Day, error) {
	var out []Day
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = days(ctx, tx, year)
		return err
	})
	return out, err
}

// SetDay lists day d in the working calendar — a holiday or a make-up
// working day — or changes it, appending rec. It returns apperr.Invalid
// KeyDay for a day that is not a date. The clocks of complaints already
// received keep the due times they were given.
func (s *Service) SetDay(ctx context.Context, rec audit.Record, d Day, by staff.Staff) error {
	d.Day = strings.TrimSpace(d.Day)
	d.Name = strings.TrimSpace(d.Name)
	if _, ok := ParseDay(d.Day); !ok {
		return fieldError(FieldDay, KeyDay)
	}
	if !validText(d.Name) || utf8.RuneCountInString(d.Name) > 40 {
		return fieldError("name", KeyChars)
	}
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error { return setDay(ctx, tx, d, by.Actor()) })
}

// RemoveDay takes day off the working calendar, appending rec: it follows
// the weekday rule again.
func (s *Service) RemoveDay(ctx context.Context, rec audit.Record, day string, by staff.Staff) error {
	if _, ok := ParseDay(day); !ok {
		return fieldError(FieldDay, KeyDay)
	}
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error { return removeDay(ctx, tx, day) })
}
