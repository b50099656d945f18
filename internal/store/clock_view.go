package store

import "time"

// WithClock returns a handle on the same database, sharing its connections,
// whose transactions take their Now from now instead. The demonstration data
// uses it to play weeks of payouts and bank bookings in a few seconds, each
// stamped with the simulated bank's time, so that statements, the payouts'
// clocks and overdue usage updates read as they would have. Close the
// original, never the view.
func (db *DB) WithClock(now func() time.Time) *DB {
	return &DB{dialect: db.dialect, writer: db.writer, read: db.read, display: db.display, now: now}
}
