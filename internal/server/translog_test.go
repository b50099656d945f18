package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
)

func (e *payEnv) get(t *testing.T, path string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := e.ts.Client().Get(e.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// TestLogServed: a paid donation's ledger entry is served in the log's
// tiles under a checkpoint signed by the key /log/key gives, and the
// receipt links a proof of its inclusion that verifies against them and
// opens the entry's commitment (R-DISC-1).
func TestLogServed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, payOptions{})
		ctx := context.Background()
		id := e.fundraising(t, 0)
		no := e.order(t, id, "20")
		e.pay(t, no)
		e.sb.Wait()

		if st, _, _ := e.get(t, "/log/checkpoint"); st != http.StatusServiceUnavailable {
			t.Errorf("checkpoint before the first: %d", st)
		}
		st, _, page := e.get(t, "/donations/"+no)
		if st != http.StatusOK || !bytes.Contains(page, []byte(`id="receipt-logging"`)) || bytes.Contains(page, []byte(`id="receipt-proof"`)) {
			t.Fatalf("receipt before the log caught up: %d, no line saying it is being logged", st)
		}
		if st, _, _ := e.get(t, "/donations/"+no+"/proof"); st != http.StatusNotFound {
			t.Errorf("proof before the log caught up: %d", st)
		}
		if _, err := e.s.platform.Translog.Integrate(ctx); err != nil {
			t.Fatal(err)
		}

		st, _, key := e.get(t, "/log/key")
		if st != http.StatusOK {
			t.Fatalf("/log/key: %d", st)
		}
		v, err := note.NewVerifier(strings.TrimSpace(string(key)))
		if err != nil {
			t.Fatalf("/log/key %q: %v", key, err)
		}
		if want := strings.TrimPrefix(e.url, "http://") + "/log"; v.Name() != want {
			t.Errorf("key name %q, want the origin %q", v.Name(), want)
		}
		st, h, cp := e.get(t, "/log/checkpoint")
		if st != http.StatusOK || h.Get("Content-Type") != "text/plain; charset=utf-8" || h.Get("Cache-Control") != "no-cache" {
			t.Fatalf("/log/checkpoint: %d %v", st, h)
		}
		_, size, _, err := translog.OpenCheckpoint(cp, v)
		if err != nil || size == 0 {
			t.Fatalf("checkpoint of %d: %v", size, err)
		}

		st, _, page = e.get(t, "/donations/"+no)
		if st != http.StatusOK || !bytes.Contains(page, []byte(`href="/donations/`+no+`/proof"`)) {
			t.Fatalf("the receipt does not link its proof once logged (%d)", st)
		}
		st, h, bundle := e.get(t, "/donations/"+no+"/proof")
		if st != http.StatusOK || !strings.Contains(h.Get("Content-Disposition"), no+".tlog-proof") {
			t.Fatalf("proof: %d %v", st, h)
		}
		p, err := translog.ParseProof(bundle)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p.Checkpoint, cp) {
			t.Error("the proof's checkpoint is not the one served")
		}

		// The entry, from its bundle as anyone fetches it.
		path := "/log/tile/entries/000.p/" + strconv.FormatInt(size, 10)
		st, h, tile := e.get(t, path)
		if st != http.StatusOK || h.Get("Content-Type") != "application/octet-stream" || strings.Contains(h.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: %d %v", path, st, h)
		}
		var entry []byte
		for i := int64(0); i <= p.Index; i++ {
			if len(tile) < 2 {
				t.Fatal("short bundle")
			}
			n := int(binary.BigEndian.Uint16(tile))
			entry, tile = tile[2:2+n], tile[2+n:]
		}
		got, err := translog.VerifyProof(p, entry, v)
		if err != nil {
			t.Fatal(err)
		}
		if got.Record.Type != translog.TypeLedger || got.Record.Ledger.Kind != "donation" {
			t.Errorf("the proof is of %+v", got.Record)
		}
		st, h, _ = e.get(t, "/log/tile/0/000.p/"+strconv.FormatInt(size, 10))
		if st != http.StatusOK || h.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("level-0 tile: %d %v", st, h)
		}
		for _, bad := range []string{"/log/tile/0/000", "/log/tile/entries/001", "/log/tile/0/x", "/log/tile/data/000.p/1"} {
			if st, _, _ := e.get(t, bad); st != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", bad, st)
			}
		}
		if st, _, _ := e.get(t, "/donations/NOSUCHORDER1234/proof"); st != http.StatusNotFound {
			t.Errorf("proof of no order: %d", st)
		}
	})
}
