package translog

import (
	"bytes"
	"testing"
)

// FuzzParseProof: ParseProof never panics, and what it accepts re-encodes
// as the bytes it read.
func FuzzParseProof(f *testing.F) {
	f.Add([]byte(ProofHeader + "\nextra eyJrZXkiOiJrIiwic2FsdCI6IkFBQUEifQ==\nindex 3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nexample.org/log\n4\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example.org/log AAAA\n"))
	f.Add([]byte(ProofHeader + "\nindex 0\n\nx\n"))
	f.Add([]byte(ProofHeader + "\nindex 01\n\n"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProof(data)
		if err != nil {
			return
		}
		if again := p.Format(); !bytes.Equal(again, data) {
			t.Fatalf("accepted %q, re-encodes as %q", data, again)
		}
		VerifyProof(p, []byte("{}"), testSigner(t).Verifier())
	})
}

// FuzzBundleEntry: BundleEntry never panics, and reads back what Bundle
// wrote.
func FuzzBundleEntry(f *testing.F) {
	f.Add(Bundle([][]byte{[]byte("a"), []byte("bc"), {}}), 1)
	f.Add([]byte{0, 5, 'x'}, 0)
	f.Add([]byte{}, 3)
	f.Fuzz(func(t *testing.T, bundle []byte, i int) {
		if i < 0 || i > 1000 {
			return
		}
		e, err := BundleEntry(bundle, i)
		if err != nil {
			return
		}
		if len(e) > len(bundle) {
			t.Fatal("entry longer than the bundle")
		}
		entries := [][]byte{[]byte("x"), e, bytes.Repeat([]byte("y"), 300)}
		if got, err := BundleEntry(Bundle(entries), 1); err != nil || !bytes.Equal(got, e) {
			t.Fatalf("round trip: %q, %v", got, err)
		}
	})
}
