package logcheck_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/carefund/carefund/internal/logcheck"
	"github.com/carefund/carefund/internal/logcheck/logchecktest"
	"github.com/carefund/carefund/internal/translog"
)

// receipt is a donor's bundle for a donation appended to l, with the key
// and salt that open its commitment.
func receipt(t testing.TB, l *logchecktest.Log) []byte {
	t.Helper()
	key, salt := "wechat:order:20261207-0001", translog.Salt([]byte("commit key"), "wechat:order:20261207-0001")
	entry := record(t, translog.Record{Type: translog.TypeLedger, Source: translog.LedgerSource(500),
		Ledger: &translog.Ledger{Entry: 500, Kind: "donation", Postings: move("psp:wechat", "request:1", 8800),
			Commitment: translog.Commit(salt, key)}})
	i := l.Append(entry)
	for seq := int64(9000); l.Size() < 333; seq++ {
		l.Append(auditHead(t, seq))
	}
	extra, err := json.Marshal(logcheck.ReceiptExtra{Key: key, Salt: base64.StdEncoding.EncodeToString(salt), Entry: base64.StdEncoding.EncodeToString(entry)})
	if err != nil {
		t.Fatal(err)
	}
	return l.Proof(i, extra)
}

// TestCheckReceipt: a donor's bundle proves, offline, that their donation
// is in the log; one of another log, or whose opening is not the entry's,
// is refused.
func TestCheckReceipt(t *testing.T) {
	l := fixture(t)
	wkey := l.AddWitness("witness.example/w1")
	b := receipt(t, l)
	logKey, err := note.NewVerifier(l.VKey)
	if err != nil {
		t.Fatal(err)
	}
	w, err := logcheck.NewCosignatureVerifier(wkey)
	if err != nil {
		t.Fatal(err)
	}
	r, err := logcheck.CheckReceipt(b, logKey, []note.Verifier{w})
	if err != nil {
		t.Fatalf("CheckReceipt: %v\n%s", err, b)
	}
	if r.Index != 300 || r.Checkpoint.Size != 333 || r.Record.Ledger.Entry != 500 || r.Key != "wechat:order:20261207-0001" || len(r.Checkpoint.Cosigners) != 1 {
		t.Errorf("receipt %+v", r)
	}

	// A bundle of another log: its checkpoint is not signed by this key.
	other := fixture(t)
	if _, err := logcheck.CheckReceipt(receipt(t, other), logKey, nil); err == nil || !strings.Contains(err.Error(), "not signed by the log key "+l.Origin) {
		t.Errorf("a bundle of another log: %v", err)
	}
	// An entry's proof with another entry's opening.
	p, _ := logcheck.ParseProof(b)
	var x logcheck.ReceiptExtra
	json.Unmarshal(p.Extra, &x)
	x.Key += "2"
	p.Extra, _ = json.Marshal(x)
	if _, err := logcheck.CheckReceipt(p.Format(), logKey, nil); err == nil || !strings.Contains(err.Error(), "commitment is not opened") {
		t.Errorf("another key's opening: %v", err)
	}
	// A proof of another entry.
	p, _ = logcheck.ParseProof(b)
	p.Index = 299
	if _, err := logcheck.CheckReceipt(p.Format(), logKey, nil); err == nil || !strings.Contains(err.Error(), "not in the log at index 299") {
		t.Errorf("another index: %v", err)
	}
}

// TestCheckReceiptEveryByte: a real bundle edited in any one byte is
// refused: each byte with its lowest bit flipped (what lenient base64
// would let through in a padding bit) and with another bit, the seven
// others in turn.
func TestCheckReceiptEveryByte(t *testing.T) {
	l := fixture(t)
	wkey := l.AddWitness("witness.example/w1")
	b := receipt(t, l)
	logKey, _ := note.NewVerifier(l.VKey)
	w, _ := logcheck.NewCosignatureVerifier(wkey)
	witnesses := []note.Verifier{w}
	if _, err := logcheck.CheckReceipt(b, logKey, witnesses); err != nil {
		t.Fatal(err)
	}
	edited := bytes.Clone(b)
	for i := range b {
		for _, bit := range []int{0, 1 + i%7} {
			edited[i] = b[i] ^ 1<<bit
			if _, err := logcheck.CheckReceipt(edited, logKey, witnesses); err == nil {
				t.Errorf("byte %d (%q) with bit %d flipped: accepted", i, b[i], bit)
			}
		}
		edited[i] = b[i]
	}
}

// FuzzParseProof: the parser never panics, and what it reads it writes
// back byte for byte (one bundle, one text).
func FuzzParseProof(f *testing.F) {
	l := logchecktest.New()
	defer l.Close()
	for seq := int64(0); seq < 5; seq++ {
		l.Append(auditHead(f, seq))
	}
	f.Add(l.Proof(3, nil))
	f.Add(l.Proof(0, []byte(`{"key":"k"}`)))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 0\n\nx\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nextra \nindex 00\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := logcheck.ParseProof(b)
		if err != nil {
			return
		}
		if again := p.Format(); !bytes.Equal(again, b) {
			t.Errorf("ParseProof(%q) writes back as %q", b, again)
		}
	})
}

// FuzzParseCheckpoint: never panics, and a checkpoint read writes back as
// the same text.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add("example.org/log\n10\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
	f.Add("example.org/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n")
	f.Add("o\n01\nx\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := logcheck.ParseCheckpoint(text)
		if err != nil {
			return
		}
		again := c.Origin + "\n" + strconv.FormatInt(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Hash[:]) + "\n"
		for _, e := range c.Extensions {
			again += e + "\n"
		}
		if again != text {
			t.Errorf("ParseCheckpoint(%q) writes back as %q", text, again)
		}
	})
}

// FuzzOpenCheckpoint: a signed note of any shape never panics the checks,
// and a changed note is never accepted as the signed one.
func FuzzOpenCheckpoint(f *testing.F) {
	l := logchecktest.New()
	defer l.Close()
	wkey := l.AddWitness("witness.example/w1")
	l.Append(auditHead(f, 1))
	good := l.Checkpoint()
	logKey, _ := note.NewVerifier(l.VKey)
	w, _ := logcheck.NewCosignatureVerifier(wkey)
	want, err := logcheck.OpenCheckpoint(good, logKey, []note.Verifier{w})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("x\n\n— x AAAA\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		s, err := logcheck.OpenCheckpoint(msg, logKey, []note.Verifier{w})
		if err == nil && (s.Origin != want.Origin || s.Size != want.Size || s.Hash != want.Hash || len(s.Extensions) != 0) {
			t.Errorf("accepted %q as a checkpoint the log signed", msg)
		}
	})
}
