package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

var base = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// appendAt appends records in one transaction, the i-th at base + i minutes.
func appendAt(t *testing.T, db *store.DB, first int, rs ...Record) []Entry {
	t.Helper()
	var out []Entry
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		out = out[:0]
		for i, r := range rs {
			tx.Now = base.Add(time.Duration(first+i) * time.Minute)
			e, err := Append(context.Background(), tx, r)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func view(actor, object string) Record {
	return Record{Actor: actor, Action: "pii.view", Object: object, Result: ResultOK, Source: "192.0.2.1"}
}

// appendTen appends ten entries and returns them.
func appendTen(t *testing.T, db *store.DB) []Entry {
	t.Helper()
	var rs []Record
	for i := range 10 {
		rs = append(rs, view(fmt.Sprintf("staff:%d", i%3), fmt.Sprintf("user:%d", i)))
	}
	return appendAt(t, db, 0, rs...)
}

func seqs(es []Entry) []int64 {
	var s []int64
	for _, e := range es {
		s = append(s, e.Seq)
	}
	return s
}

// R-STAFF-1: every entry is chained to the one before it, and what is
// appended reads back exactly.
func TestAppend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		got := appendAt(t, db, 0,
			Record{Actor: "staff:1", Action: "staff.sign_in", Result: ResultOK, Source: "192.0.2.1"},
			Record{Actor: "staff:1", Action: "pii.view", Object: "user:5", Result: ResultOK, Source: "192.0.2.1", Detail: "field id_number"},
			Record{Actor: "anonymous", Action: "staff.sign_in", Result: ResultDenied, Source: "2001:db8::1", Detail: "wrong code"},
		)
		for i, e := range got {
			if e.Seq != int64(i+1) {
				t.Errorf("entry %d: Seq %d", i, e.Seq)
			}
			prev := ZeroHash
			if i > 0 {
				prev = got[i-1].Hash
			}
			if e.PrevHash != prev {
				t.Errorf("entry %d: PrevHash %s, want %s", e.Seq, e.PrevHash, prev)
			}
			if e.Hash != HashEntry(e) || len(e.Hash) != 64 {
				t.Errorf("entry %d: Hash %s does not match its content", e.Seq, e.Hash)
			}
		}
		var listed []Entry
		if err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			listed, err = List(ctx, tx, Filter{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(listed)
		if len(listed) != len(got) {
			t.Fatalf("listed %d entries, want %d", len(listed), len(got))
		}
		for i := range got {
			if !listed[i].At.Equal(got[i].At) || listed[i].At.Location() != time.UTC {
				t.Errorf("entry %d: listed At %v, appended %v", got[i].Seq, listed[i].At, got[i].At)
			}
			listed[i].At = got[i].At
			if listed[i] != got[i] {
				t.Errorf("entry %d: listed %+v, appended %+v", got[i].Seq, listed[i], got[i])
			}
		}
		s, err := Verify(ctx, db)
		if err != nil || s.Entries != 3 || s.Head != got[2].Hash {
			t.Errorf("Verify = %+v, %v; want 3 entries, head %s", s, err, got[2].Hash)
		}
	})
}

// An action and its record commit or fail together.
func TestAppendRollsBackWithTheAction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		appendTen(t, db)
		boom := errors.New("the action failed")
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := Append(ctx, tx, view("staff:1", "user:1")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write = %v", err)
		}
		// The next append takes Seq 11, as if the failed one never was.
		if e := appendAt(t, db, 20, view("staff:1", "user:1")); e[0].Seq != 11 {
			t.Errorf("after a rollback, Seq %d, want 11", e[0].Seq)
		}
		if s, err := Verify(ctx, db); err != nil || s.Entries != 11 {
			t.Errorf("Verify = %+v, %v", s, err)
		}
	})
}

func TestRecordCheck(t *testing.T) {
	ok := view("staff:1", "user:1")
	tests := []struct {
		name string
		edit func(*Record)
	}{
		{"no actor", func(r *Record) { r.Actor = "" }},
		{"no action", func(r *Record) { r.Action = "" }},
		{"no result", func(r *Record) { r.Result = "" }},
		{"unknown result", func(r *Record) { r.Result = "maybe" }},
		{"long detail", func(r *Record) { r.Detail = strings.Repeat("x", maxDetail+1) }},
		{"long object", func(r *Record) { r.Object = strings.Repeat("x", maxName+1) }},
		{"invalid UTF-8", func(r *Record) { r.Detail = "\xff" }},
		{"NUL", func(r *Record) { r.Source = "a\x00b" }},
	}
	if err := ok.check(); err != nil {
		t.Fatalf("a good record: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.edit(&r)
			if err := r.check(); err == nil {
				t.Errorf("accepted %+v", r)
			}
		})
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := Append(ctx, tx, Record{Actor: "staff:1", Action: "pii.view"})
			return err
		})
		if err == nil {
			t.Fatal("Append accepted a record without a result")
		}
		if s, err := Verify(ctx, db); err != nil || s.Entries != 0 {
			t.Errorf("Verify = %+v, %v; want an empty log", s, err)
		}
	})
}

// R-STAFF-1: the auditor finds entries by who, what, on what, how it ended
// and when.
func TestList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		appendAt(t, db, 0,
			Record{Actor: "staff:1", Action: "staff.sign_in", Result: ResultOK, Source: "192.0.2.1"},                    // 1 at +0
			Record{Actor: "staff:1", Action: "pii.view", Object: "user:5", Result: ResultOK, Source: "192.0.2.1"},       // 2 at +1
			Record{Actor: "staff:2", Action: "pii.view", Object: "user:6", Result: ResultOK, Source: "192.0.2.2"},       // 3 at +2
			Record{Actor: "staff:2", Action: "pii.export", Object: "user:5", Result: ResultDenied, Source: "192.0.2.2"}, // 4 at +3
			Record{Actor: "anonymous", Action: "staff.sign_in", Result: ResultDenied, Source: "198.51.100.7"},           // 5 at +4
			Record{Actor: "system", Action: "pii_view", Object: "user:7", Result: ResultFailed},                         // 6 at +5
			Record{Actor: "staff:1", Action: "PII.view", Object: "user:8", Result: ResultOK, Source: "192.0.2.1"},       // 7 at +6
		)
		at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
		tests := []struct {
			name   string
			filter Filter
			want   []int64
		}{
			{"everything, newest first", Filter{}, []int64{7, 6, 5, 4, 3, 2, 1}},
			{"actor", Filter{Actor: "staff:2"}, []int64{4, 3}},
			{"action", Filter{Action: "pii.view"}, []int64{3, 2}},
			{"action prefix, case and '_' exact", Filter{Action: "pii."}, []int64{4, 3, 2}},
			{"object", Filter{Object: "user:5"}, []int64{4, 2}},
			{"result", Filter{Result: ResultDenied}, []int64{5, 4}},
			{"from, inclusive", Filter{From: at(4)}, []int64{7, 6, 5}},
			{"to, inclusive", Filter{To: at(1)}, []int64{2, 1}},
			{"window", Filter{From: at(2), To: at(3)}, []int64{4, 3}},
			{"before", Filter{Before: 3}, []int64{2, 1}},
			{"limit", Filter{Limit: 2}, []int64{7, 6}},
			{"next page", Filter{Limit: 2, Before: 6}, []int64{5, 4}},
			{"combined", Filter{Actor: "staff:1", Action: "pii.", From: at(0), To: at(6)}, []int64{2}},
			{"nothing", Filter{Actor: "staff:9"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []Entry
				if err := db.Read(ctx, func(tx *store.Tx) error {
					var err error
					got, err = List(ctx, tx, tt.filter)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(seqs(got), tt.want) {
					t.Errorf("List(%+v) = %v, want %v", tt.filter, seqs(got), tt.want)
				}
			})
		}
		t.Run("objects", func(t *testing.T) {
			var got []string
			if err := db.Read(ctx, func(tx *store.Tx) error {
				var err error
				got, err = Objects(ctx, tx, Filter{Action: "pii.", Before: 1, Limit: 1})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if want := []string{"user:5", "user:6"}; !slices.Equal(got, want) {
				t.Errorf("Objects = %v, want %v", got, want)
			}
		})
	})
}

func TestListLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rs := make([]Record, MaxLimit+10)
		for i := range rs {
			rs[i] = view("staff:1", "user:1")
		}
		appendAt(t, db, 0, rs...)
		for _, tt := range []struct {
			limit, want int
		}{{0, DefaultLimit}, {-1, DefaultLimit}, {7, 7}, {MaxLimit + 1, MaxLimit}} {
			var got []Entry
			if err := db.Read(ctx, func(tx *store.Tx) error {
				var err error
				got, err = List(ctx, tx, Filter{Limit: tt.limit})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want || got[0].Seq != int64(len(rs)) {
				t.Errorf("Limit %d: %d entries from %d, want %d from %d", tt.limit, len(got), got[0].Seq, tt.want, len(rs))
			}
		}
	})
}

// disableGuards lets a test do what an attacker with the database's owner
// rights could: change the log behind the application's back.
func disableGuards(t *testing.T, db *store.DB) {
	t.Helper()
	if db.Dialect() == store.Postgres {
		storetest.Exec(t, db,
			"ALTER TABLE audit_log DISABLE TRIGGER USER",
			"ALTER TABLE audit_head DISABLE TRIGGER USER")
		return
	}
	var stmts []string
	for _, tr := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_linked",
		"audit_head_forward", "audit_head_no_delete", "audit_head_no_insert"} {
		stmts = append(stmts, "DROP TRIGGER "+tr)
	}
	storetest.Exec(t, db, stmts...)
}

// R-STAFF-1: an entry changed or removed behind the application's back is
// found, and Verify names the first broken link.
func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, db *store.DB, es []Entry)
		seq    int64
		reason string
	}{
		{"a field changed", func(t *testing.T, db *store.DB, _ []Entry) {
			storetest.Exec(t, db, "UPDATE audit_log SET object = 'user:99' WHERE seq = 4")
		}, 4, ReasonHash},
		{"the time changed", func(t *testing.T, db *store.DB, _ []Entry) {
			storetest.Exec(t, db, "UPDATE audit_log SET at = at - 1 WHERE seq = 4")
		}, 4, ReasonHash},
		{"the result changed", func(t *testing.T, db *store.DB, _ []Entry) {
			storetest.Exec(t, db, "UPDATE audit_log SET result = 'denied' WHERE seq = 4")
		}, 4, ReasonHash},
		{"an entry deleted", func(t *testing.T, db *store.DB, _ []Entry) {
			storetest.Exec(t, db, "DELETE FROM audit_log WHERE seq = 7")
		}, 7, ReasonGap},
		{"the first entry deleted", func(t *testing.T, db *store.DB, _ []Entry) {
			storetest.Exec(t, db, "DELETE FROM audit_log WHERE seq = 1")
		}, 1, ReasonGap},
		{"the previous hash changed", func(t *testing.T, db *store.DB, es []Entry) {
			storetest.Exec(t, db, fmt.Sprintf("UPDATE audit_log SET prev_hash = '%s' WHERE seq = 5", es[2].Hash))
		}, 5, ReasonPrevHash},
		{"an entry rewritten with a matching hash", func(t *testing.T, db *store.DB, es []Entry) {
			e := es[3]
			e.Object = "user:99"
			e.Hash = HashEntry(e)
			storetest.Exec(t, db, fmt.Sprintf("UPDATE audit_log SET object = '%s', hash = '%s' WHERE seq = 4", e.Object, e.Hash))
		}, 5, ReasonPrevHash},
		{"the last entry deleted", func(t *testing.T, db *store.DB, _ []Entry) {
			storetest.Exec(t, db, "DELETE FROM audit_log WHERE seq = 10")
		}, 10, ReasonHead},
		{"every entry deleted", func(t *testing.T, db *store.DB, _ []Entry) {
			storetest.Exec(t, db, "DELETE FROM audit_log")
		}, 1, ReasonHead},
		{"an entry added past the head", func(t *testing.T, db *store.DB, es []Entry) {
			e := es[9]
			e.Seq, e.PrevHash = 11, es[9].Hash
			e.Hash = HashEntry(e)
			storetest.Exec(t, db, fmt.Sprintf(`INSERT INTO audit_log (seq, at, actor, action, object, result, source, detail, prev_hash, hash)
				VALUES (11, %d, '%s', '%s', '%s', '%s', '%s', '', '%s', '%s')`,
				e.At.UnixMicro(), e.Actor, e.Action, e.Object, e.Result, e.Source, e.PrevHash, e.Hash))
		}, 11, ReasonHead},
		{"the head moved", func(t *testing.T, db *store.DB, es []Entry) {
			storetest.Exec(t, db, fmt.Sprintf("UPDATE audit_head SET hash = '%s'", es[8].Hash))
		}, 10, ReasonHead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				es := appendTen(t, db)
				if s, err := Verify(ctx, db); err != nil || s.Entries != 10 || s.Head != es[9].Hash {
					t.Fatalf("before tampering: Verify = %+v, %v", s, err)
				}
				disableGuards(t, db)
				tt.tamper(t, db, es)
				_, err := Verify(ctx, db)
				var broken *BrokenError
				if !errors.As(err, &broken) {
					t.Fatalf("Verify = %v, want a *BrokenError", err)
				}
				if broken.Seq != tt.seq || broken.Reason != tt.reason {
					t.Errorf("Verify names entry %d (%s), want %d (%s)", broken.Seq, broken.Reason, tt.seq, tt.reason)
				}
			})
		})
	}
}

// R-STAFF-1: in normal operation the database refuses to change or remove
// an entry, to move the head anywhere but forward onto a new entry, and to
// fork the chain.
func TestDatabaseRefusesChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		es := appendTen(t, db)
		insert := func(seq int64, prev string) string {
			e := es[0]
			e.Seq, e.PrevHash = seq, prev
			e.Hash = HashEntry(e)
			return fmt.Sprintf(`INSERT INTO audit_log (seq, at, actor, action, object, result, source, detail, prev_hash, hash)
				VALUES (%d, %d, 'staff:1', 'pii.view', 'user:0', 'ok', '', '', '%s', '%s')`, seq, e.At.UnixMicro(), prev, e.Hash)
		}
		tests := []struct {
			name, stmt, table string
		}{
			{"update an entry", "UPDATE audit_log SET detail = 'x' WHERE seq = 4", "audit_log"},
			{"delete an entry", "DELETE FROM audit_log WHERE seq = 7", "audit_log"},
			{"delete every entry", "DELETE FROM audit_log", "audit_log"},
			{"fork the chain", insert(11, es[8].Hash), "audit_log"},
			{"skip a Seq", insert(12, es[9].Hash), "audit_log"},
			{"move the head back", fmt.Sprintf("UPDATE audit_head SET seq = 9, hash = '%s'", es[8].Hash), "audit_head"},
			{"move the head onto nothing", "UPDATE audit_head SET seq = seq + 1", "audit_head"},
			{"delete the head", "DELETE FROM audit_head", "audit_head"},
			{"add a head", fmt.Sprintf("INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, '%s')", ZeroHash), "audit_head"},
		}
		if db.Dialect() == store.Postgres {
			tests = append(tests,
				struct{ name, stmt, table string }{"truncate the log", "TRUNCATE audit_log", "audit_log"},
				struct{ name, stmt, table string }{"truncate the head", "TRUNCATE audit_head", "audit_head"})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, tt.stmt)
					return err
				})
				// The guard's own message names the table; a typo in
				// the statement would not.
				if err == nil || !strings.Contains(err.Error(), tt.table+":") {
					t.Errorf("%s: %v, want the %s guard to refuse it", tt.stmt, err, tt.table)
				}
			})
		}
		if s, err := Verify(ctx, db); err != nil || s.Entries != 10 || s.Head != es[9].Hash {
			t.Errorf("after the refused changes: Verify = %+v, %v", s, err)
		}
	})
}

// R-STAFF-1: concurrent appends never fork the chain, whether the
// transactions are serializable (and retried) or lock at read committed.
func TestConcurrentAppends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const workers, each = 8, 50
		var mu sync.Mutex
		var got []int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			write := db.Write
			if w%2 == 1 {
				write = db.WriteLocking
			}
			wg.Go(func() {
				for i := range each {
					var e Entry
					err := write(ctx, func(tx *store.Tx) error {
						var err error
						e, err = Append(ctx, tx, view(fmt.Sprintf("staff:%d", w), fmt.Sprintf("user:%d", i)))
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					got = append(got, e.Seq)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		slices.Sort(got)
		for i, seq := range got {
			if seq != int64(i+1) {
				t.Fatalf("committed appends returned Seq %v…, want 1..%d", got[:i+1], workers*each)
			}
		}
		s, err := Verify(ctx, db)
		if err != nil || s.Entries != workers*each {
			t.Errorf("Verify = %+v, %v; want %d entries", s, err, workers*each)
		}
	})
}

// R-STAFF-1: on PostgreSQL a serializable transaction whose snapshot is
// older than the head (another append committed after its first statement)
// fails and is run again; it never appends a second entry after the same
// head.
//
// SQLite has one writer, so no other append can commit inside a write
// transaction there: this test is PostgreSQL's alone.
func TestStaleSerializableAppendRetries(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip(storetest.EnvPostgres + " is not set")
	}
	t.Run("postgres", func(t *testing.T) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		attempts := 0
		var e Entry
		err := db.Write(ctx, func(tx *store.Tx) error {
			attempts++
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&n); err != nil {
				return err
			}
			if attempts == 1 {
				// Another append commits after this snapshot.
				if err := db.WriteLocking(ctx, func(tx *store.Tx) error {
					_, err := Append(ctx, tx, view("staff:2", "user:2"))
					return err
				}); err != nil {
					return err
				}
			}
			var err error
			e, err = Append(ctx, tx, view("staff:1", "user:1"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if attempts != 2 || e.Seq != 2 {
			t.Errorf("%d attempts, Seq %d; want 2 attempts and Seq 2", attempts, e.Seq)
		}
		if s, err := Verify(ctx, db); err != nil || s.Entries != 2 {
			t.Errorf("Verify = %+v, %v", s, err)
		}
	})
}

// HashEntry's encoding is pinned: changing it would break every chain
// already written.
func TestHashEntryPinned(t *testing.T) {
	e := Entry{Seq: 1, At: time.UnixMicro(1772352000123456), PrevHash: ZeroHash,
		Record: Record{Actor: "staff:1", Action: "pii.view", Object: "user:5", Result: ResultOK, Source: "192.0.2.1", Detail: "field id_number"}}
	if got, want := HashEntry(e), pinnedHash; got != want {
		t.Errorf("HashEntry = %s, want %s", got, want)
	}
	// Every field counts.
	edits := map[string]func(*Entry){
		"seq": func(e *Entry) { e.Seq++ }, "at": func(e *Entry) { e.At = e.At.Add(time.Microsecond) },
		"actor": func(e *Entry) { e.Actor += "0" }, "action": func(e *Entry) { e.Action += "s" },
		"object": func(e *Entry) { e.Object = "" }, "result": func(e *Entry) { e.Result = ResultDenied },
		"source": func(e *Entry) { e.Source = "192.0.2.2" }, "detail": func(e *Entry) { e.Detail = "" },
		"prev": func(e *Entry) { e.PrevHash = strings.Repeat("1", 64) },
	}
	for name, edit := range edits {
		c := e
		edit(&c)
		if HashEntry(c) == pinnedHash {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
}

const pinnedHash = "33baeca317a94ac9123b7bd213cc5ed310a5d11be1068c882517babb48cf0b0a"

// FuzzHashEntry checks that the encoding is unambiguous: moving bytes from
// one field into the next changes the hash.
func FuzzHashEntry(f *testing.F) {
	f.Add("staff:1", "pii.view", 1)
	f.Add("ab", "c", 1)
	f.Add("", "", 0)
	f.Fuzz(func(t *testing.T, a, b string, n int) {
		if n <= 0 || n > len(a) {
			return
		}
		e1 := Entry{Record: Record{Actor: a, Action: b}}
		e2 := Entry{Record: Record{Actor: a[:len(a)-n], Action: a[len(a)-n:] + b}}
		if HashEntry(e1) == HashEntry(e2) {
			t.Errorf("%q+%q and %q+%q hash alike", e1.Actor, e1.Action, e2.Actor, e2.Action)
		}
	})
}
