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
