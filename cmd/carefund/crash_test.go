package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
)

// TestCrashRecovery (R-DON-1, R-FUND-1) runs `carefund bench ledger-writer`,
// which posts entries from 64 writers and reports each one acknowledged, and
// kills it with SIGKILL at random moments, until at least 10,000 entries are
// acknowledged and it has been killed at least 20 times, restarting it
// each time with the keys not yet acknowledged (and some that were, to replay
// them). At the end every acknowledged entry is in the ledger exactly once,
// under the ID it was acknowledged with, and every invariant holds.
func TestCrashRecovery(t *testing.T) {
	bin := testprog.Binary(t)
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, d.DSN)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			db.Close()

			seed := uint64(time.Now().UnixNano())
			rng := rand.New(rand.NewPCG(seed, 0))
			t.Logf("seed %d", seed)
			const minEntries, minKills = 10000, 20
			next := 0
			pending := map[int]bool{}
			extend := func(n int) {
				for range n {
					pending[next] = true
					next++
				}
			}
			extend(minEntries)
			acked := map[int]int64{}
			refusedKeys := map[int]bool{}
			refused, kills, runs, replays := 0, 0, 0, 0
			// more is how much work is added once everything is
			// acknowledged, to crash the writer again; it doubles after a
			// run the kill did not reach, so a fast disk still gets its
			// writer killed mid-batch rather than finishing every time.
			more := 500
			for len(pending) > 0 || kills < minKills || len(acked) < minEntries {
				if len(pending) == 0 {
					extend(more)
				}
				if runs++; runs > 300 {
					t.Fatalf("%d runs without finishing: %d pending, %d kills", runs, len(pending), kills)
				}
				// Retry everything unacknowledged, and replay a few acknowledged.
				var work []int
				for i := range pending {
					work = append(work, i)
				}
				for i := range acked {
					if len(work) > len(pending)+20 {
						break
					}
					work = append(work, i)
				}
				rng.Shuffle(len(work), func(a, b int) { work[a], work[b] = work[b], work[a] })

				r := startWriter(t, bin, d.DSN, work)
				// Once it has been killed often enough the writer is left to
				// finish, so the test ends by progress however slow the
				// machine is: a loaded runner may never ack a whole batch
				// inside the random kill window.
				var killer *time.Timer
				if kills < minKills {
					killAfter := time.Duration(30+rng.IntN(400)) * time.Millisecond
					killer = time.AfterFunc(killAfter, func() { r.cmd.Process.Signal(syscall.SIGKILL) })
				}
				for line := range r.lines {
					f := strings.Fields(line)
					i, _ := strconv.Atoi(f[1])
					switch f[0] {
					case "ack":
						id, _ := strconv.ParseInt(f[2], 10, 64)
						if prev, ok := acked[i]; ok {
							replays++
							if prev != id {
								t.Fatalf("key crash-%d acknowledged as entry %d, then as entry %d", i, prev, id)
							}
						}
						acked[i] = id
						delete(pending, i)
					case "refused":
						refused++
						refusedKeys[i] = true
						delete(pending, i)
					}
				}
				if killer != nil {
					killer.Stop()
				}
				err := r.cmd.Wait()
				if ws, ok := r.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
					kills++
				} else if err != nil {
					t.Fatalf("writer failed: %v\n%s", err, r.stderr.String())
				} else {
					more = min(2*more, 64000)
				}
			}

			// Every acknowledged key is there once, as acknowledged.
			db, err = store.Open(ctx, d.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ids := map[string]int64{}
			var entries, distinct int
			err = db.Read(ctx, func(tx *store.Tx) error {
				if err := tx.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT idem_key) FROM ledger_entries").Scan(&entries, &distinct); err != nil {
					return err
				}
				rows, err := tx.QueryContext(ctx, "SELECT idem_key, id FROM ledger_entries")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var key string
					var id int64
					if err := rows.Scan(&key, &id); err != nil {
						return err
					}
					ids[key] = id
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			// Nothing is pending at the end, so the ledger holds exactly the
			// acknowledged entries: none lost, none extra, none refused.
			if entries != len(acked) || distinct != len(acked) {
				t.Errorf("the ledger has %d entries under %d keys; %d were acknowledged", entries, distinct, len(acked))
			}
			for i, id := range acked {
				if got, ok := ids[fmt.Sprintf("crash-%d", i)]; !ok || got != id {
					t.Errorf("acknowledged crash-%d as entry %d; the ledger has %d (present: %v)", i, id, got, ok)
				}
			}
			for i := range refusedKeys {
				if _, ok := ids[fmt.Sprintf("crash-%d", i)]; ok {
					t.Errorf("crash-%d was refused but is in the ledger", i)
				}
			}
			if s, err := ledger.Verify(ctx, db); err != nil {
				t.Errorf("Verify: %v", err)
			} else if s.Entries != int64(entries) {
				t.Errorf("Verify saw %d entries, the table %d", s.Entries, entries)
			}
			verify := exec.Command(bin, "verify", "--database", d.DSN)
			verify.Env = testprog.Env()
			out, err := verify.CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("ledger verified")) {
				t.Errorf("carefund verify: %v\n%s", err, out)
			}
			if kills < minKills || len(acked) < minEntries {
				t.Errorf("only %d kills and %d entries acknowledged", kills, len(acked))
			}
			t.Logf("%d runs, %d killed with SIGKILL; %d entries acknowledged, %d refused for want of funds, %d replays acknowledged; %d entries in the ledger",
				runs, kills, len(acked), refused, replays, entries)
		})
	}
}

type writerRun struct {
	cmd    *exec.Cmd
	lines  chan string // "ack i id" and "refused i", closed at exit
	stderr *bytes.Buffer
}

// startWriter starts the writer on work and checks that the process talking
// is the one just started, not a leftover of the last run.
func startWriter(t *testing.T, bin, dsn string, work []int) *writerRun {
	t.Helper()
	r := &writerRun{cmd: exec.Command(bin, "bench", "ledger-writer", "--database", dsn, "--writers", "64"),
		lines: make(chan string, 1024), stderr: &bytes.Buffer{}}
	r.cmd.Env = testprog.Env()
	r.cmd.Stderr = r.stderr
	stdin, err := r.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		w := bufio.NewWriter(stdin)
		for _, i := range work {
			fmt.Fprintln(w, i)
		}
		w.Flush()
		stdin.Close()
	}()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		r.cmd.Wait()
		t.Fatalf("writer printed nothing: %s", r.stderr.String())
	}
	if want := fmt.Sprintf("ready %d", r.cmd.Process.Pid); sc.Text() != want {
		t.Fatalf("writer said %q, want %q: a leftover process?", sc.Text(), want)
	}
	go func() {
		defer close(r.lines)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
	}()
	return r
}
