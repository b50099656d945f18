package translog

import (
	"context"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/store/storetest"
)

// BenchmarkVerifyProof measures a donor's check of a receipt's proof: the
// bundle read, the checkpoint's signature, the inclusion in a tree of
// 100,000 entries, the commitment's opening. BenchmarkCheckInclusion is the
// inclusion alone.
func BenchmarkVerifyProof(b *testing.B) {
	bundle, entry, s := benchProof(b)
	b.ResetTimer()
	for b.Loop() {
		p, err := ParseProof(bundle)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := VerifyProof(p, entry, s.Verifier()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckInclusion(b *testing.B) {
	bundle, entry, s := benchProof(b)
	p, _ := ParseProof(bundle)
	v, err := VerifyProof(p, entry, s.Verifier())
	if err != nil {
		b.Fatal(err)
	}
	leaf := tlog.RecordHash(entry)
	b.ResetTimer()
	for b.Loop() {
		if err := tlog.CheckRecord(p.Hashes, v.Size, v.Root, p.Index, leaf); err != nil {
			b.Fatal(err)
		}
	}
}

func benchProof(b *testing.B) ([]byte, []byte, *Signer) {
	db := storetest.Open(b, storetest.SQLiteDSN(b))
	s := testSigner(b)
	l := New(db, s, Options{})
	ctx := context.Background()
	for from := int64(1); from < 100_000; from += 4096 {
		enqueue(b, db, from, min(from+4096, 100_001))
		if _, err := l.Integrate(ctx); err != nil {
			b.Fatal(err)
		}
	}
	bundle, entry, err := l.Prove(ctx, LedgerSource(77_777), LedgerOpening([]byte("commit key"), "key-77777"))
	if err != nil {
		b.Fatal(err)
	}
	return bundle, entry, s
}
