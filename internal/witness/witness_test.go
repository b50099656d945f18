package witness_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/witness"
)

// logNote is a checkpoint of a log named origin, signed by a fresh key.
func logNote(t testing.TB, origin string, size int64) []byte {
	t.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(make([]byte, 32)))
	n, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// cosigner is a witness key made by an implementation of tlog-cosignature
// other than this package's.
func cosigner(t testing.TB, name string) *torchwood.CosignatureSigner {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := torchwood.NewCosignatureSigner(name, k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// cosign returns s's signature lines of the checkpoint n.
func cosign(t testing.TB, n []byte, signers ...note.Signer) []byte {
	t.Helper()
	text := n[:strings.LastIndex(string(n), "\n\n")+1]
	signed, err := note.Sign(&note.Note{Text: string(text)}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return signed[len(text)+1:]
}

func TestVerifierReadsOtherImplementationsKeys(t *testing.T) {
	s := cosigner(t, "witness.example/w1")
	vkey := s.Verifier().String()
	v, err := witness.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != vkey || v.Name() != "witness.example/w1" || v.KeyHash() != s.KeyHash() {
		t.Fatalf("verifier %s %08x, want %s", v, v.KeyHash(), vkey)
	}
	cp := logNote(t, "carefund.example/log", 7)
	n, err := note.Open(append(cp[:len(cp):len(cp)], cosign(t, cp, s)...), note.VerifierList(v))
	var unverified *note.UnverifiedNoteError
	if err != nil && !errors.As(err, &unverified) {
		t.Fatal(err)
	}
	if n == nil {
		n = unverified.Note
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != v.Name() {
		t.Fatalf("the cosignature did not verify: %+v", n)
	}
	// An Ed25519 log key (type 0x01) is not a cosignature key.
	_, logVkey, _ := note.GenerateKey(rand.Reader, "carefund.example/log")
	if _, err := witness.NewVerifier(logVkey); err == nil {
		t.Fatal("an Ed25519 note key was taken for a cosignature key")
	}
	// A key whose hash does not match.
	bad := strings.Replace(vkey, fmt.Sprintf("+%08x+", s.KeyHash()), fmt.Sprintf("+%08x+", s.KeyHash()^1), 1)
	if _, err := witness.NewVerifier(bad); err == nil {
		t.Fatal("a key with a wrong hash was accepted")
	}
}

func TestCosignedMessageIsTimestamped(t *testing.T) {
	s := cosigner(t, "w")
	cp := logNote(t, "o", 1)
	line := strings.TrimSuffix(string(cosign(t, cp, s)), "\n")
	sig, _ := base64.StdEncoding.DecodeString(line[strings.LastIndex(line, " ")+1:])
	ts, ok := witness.Timestamp(sig[4:])
	if !ok || ts == 0 {
		t.Fatalf("timestamp %d %v", ts, ok)
	}
	v, _ := witness.NewVerifier(s.Verifier().String())
	text := cp[:strings.LastIndex(string(cp), "\n\n")+1]
	if !v.Verify(text, sig[4:]) {
		t.Fatal("the cosignature does not verify")
	}
	// Another time in the signature is another message.
	other := append([]byte(nil), sig[4:]...)
	binary.BigEndian.PutUint64(other, ts+1)
	if v.Verify(text, other) {
		t.Fatal("a cosignature verified with its timestamp changed")
	}
}

func TestParseWitness(t *testing.T) {
	vkey := cosigner(t, "w.example").Verifier().String()
	w, err := witness.ParseWitness("https://w.example/witness/=" + vkey)
	if err != nil {
		t.Fatal(err)
	}
	if w.URL != "https://w.example/witness" || w.Name() != "w.example" {
		t.Fatalf("%+v", w)
	}
	for _, s := range []string{"", "https://w.example", "ftp://w.example=" + vkey, "https://w.example?x=1=" + vkey, "https://w.example=abc", "=" + vkey} {
		if _, err := witness.ParseWitness(s); err == nil {
			t.Errorf("ParseWitness(%q) accepted", s)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0\n": 0, "42\n": 42, "9223372036854775807\n": 1<<63 - 1} {
		if n, err := witness.ParseSize([]byte(in)); err != nil || n != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, n, err)
		}
	}
	for _, in := range []string{"", "\n", "42", "042\n", "-1\n", "+1\n", "1 \n", "9223372036854775808\n", "1\n2\n"} {
		if _, err := witness.ParseSize([]byte(in)); !errors.Is(err, witness.ErrResponse) {
			t.Errorf("ParseSize(%q): %v", in, err)
		}
	}
}

func TestCosignatures(t *testing.T) {
	s, other := cosigner(t, "w.example"), cosigner(t, "other.example")
	v, _ := witness.NewVerifier(s.Verifier().String())
	cp := logNote(t, "carefund.example/log", 3)
	text := cp[:strings.LastIndex(string(cp), "\n\n")+1]
	mine := cosign(t, cp, s)
	// Lines of other keys are dropped, ours kept.
	got, err := witness.Cosignatures(v, text, append(cosign(t, cp, other), mine...))
	if err != nil || string(got) != string(mine) {
		t.Fatalf("got %q, %v; want %q", got, err, mine)
	}
	// A cosignature of another checkpoint does not verify.
	elsewhere := cosign(t, logNote(t, "carefund.example/log", 4), s)
	for name, body := range map[string][]byte{
		"another checkpoint's": elsewhere,
		"only another key":     cosign(t, cp, other),
		"empty":                nil,
		"no newline":           mine[:len(mine)-1],
		"not a line":           []byte("hello\n"),
		"bad base64":           []byte("— w.example !!!!\n"),
	} {
		if _, err := witness.Cosignatures(v, text, body); !errors.Is(err, witness.ErrResponse) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// fake is a witness answering with a fixed status and body, recording the
// requests it got.
func fake(t *testing.T, status int, body string) (*httptest.Server, *[]string) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/add-checkpoint" {
			http.NotFound(w, r)
			return
		}
		got = append(got, string(b))
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestAddCheckpointStatuses(t *testing.T) {
	s := cosigner(t, "w.example")
	v, _ := witness.NewVerifier(s.Verifier().String())
	cp := logNote(t, "carefund.example/log", 5)
	proof := tlog.TreeProof{{1}, {2}}
	for _, c := range []struct {
		status int
		body   string
		want   error
	}{
		{400, "invalid input\n", witness.ErrBadRequest},
		{403, "invalid signature\n", witness.ErrForbidden},
		{404, "unknown log\n", witness.ErrUnknownLog},
		{422, "bad consistency proof\n", witness.ErrBadProof},
		{500, "oops\n", witness.ErrUnavailable},
		{503, "", witness.ErrUnavailable},
		{409, "x\n", witness.ErrResponse},
		{418, "", witness.ErrResponse},
		{200, "— w.example AAAA\n", witness.ErrResponse},
		{200, strings.Repeat("a", 20000), witness.ErrResponse},
	} {
		srv, reqs := fake(t, c.status, c.body)
		lines, err := (&witness.Client{}).AddCheckpoint(context.Background(), witness.Witness{URL: srv.URL, Key: v}, 2, proof, cp)
		if !errors.Is(err, c.want) || lines != nil {
			t.Errorf("%d %q: %q, %v; want %v", c.status, c.body, lines, err, c.want)
		}
		want := "old 2\n" + base64.StdEncoding.EncodeToString(proof[0][:]) + "\n" + base64.StdEncoding.EncodeToString(proof[1][:]) + "\n\n" + string(cp)
		if len(*reqs) != 1 || (*reqs)[0] != want {
			t.Errorf("%d: requests %q, want %q", c.status, *reqs, want)
		}
	}
	srv, _ := fake(t, 409, "12\n")
	_, err := (&witness.Client{}).AddCheckpoint(context.Background(), witness.Witness{URL: srv.URL, Key: v}, 2, proof, cp)
	if ce, ok := errors.AsType[*witness.ConflictError](err); !ok || ce.Known != 12 {
		t.Errorf("409: %v", err)
	}
	srv, _ = fake(t, 200, string(cosign(t, cp, s)))
	lines, err := (&witness.Client{}).AddCheckpoint(context.Background(), witness.Witness{URL: srv.URL, Key: v}, 2, proof, cp)
	if err != nil || string(lines) != string(cosign(t, cp, s))[:len(lines)] {
		t.Errorf("200: %q, %v", lines, err)
	}
	// A witness that is not there.
	srv.Close()
	if _, err := (&witness.Client{}).AddCheckpoint(context.Background(), witness.Witness{URL: srv.URL, Key: v}, 2, proof, cp); !errors.Is(err, witness.ErrUnavailable) {
		t.Errorf("closed: %v", err)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0\n", "42\n", "", "042\n", "-1\n", "9223372036854775808\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := witness.ParseSize(b)
		if err != nil {
			return
		}
		if n < 0 || fmt.Sprintf("%d\n", n) != string(b) {
			t.Fatalf("ParseSize(%q) = %d", b, n)
		}
	})
}

func FuzzCosignatures(f *testing.F) {
	s := cosigner(f, "w.example")
	v, _ := witness.NewVerifier(s.Verifier().String())
	cp := logNote(f, "carefund.example/log", 3)
	text := cp[:strings.LastIndex(string(cp), "\n\n")+1]
	f.Add(cosign(f, cp, s))
	f.Add(cosign(f, cp, cosigner(f, "w.example")))
	f.Add([]byte("— w.example AAAA\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := witness.Cosignatures(v, text, body)
		if err != nil {
			if lines != nil || !errors.Is(err, witness.ErrResponse) {
				t.Fatalf("%q, %v", lines, err)
			}
			return
		}
		// Whatever is accepted verifies as a signed note's signature.
		if _, err := note.Open(append(append([]byte(nil), cp...), lines...), note.VerifierList(v)); err != nil {
			var u *note.UnverifiedNoteError
			if !errors.As(err, &u) {
				t.Fatalf("accepted lines %q do not open: %v", lines, err)
			}
		}
		for l := range strings.SplitSeq(strings.TrimSuffix(string(lines), "\n"), "\n") {
			if !strings.HasPrefix(l, "— w.example ") {
				t.Fatalf("accepted a line of another key: %q", l)
			}
		}
	})
}

func FuzzParseWitness(f *testing.F) {
	f.Add("https://w.example=" + cosigner(f, "w.example").Verifier().String())
	f.Add("http://x=y+00000000+BA==")
	f.Add("=")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := witness.ParseWitness(s)
		if err != nil {
			return
		}
		again, err := witness.ParseWitness(w.URL + "=" + w.Key.String())
		if err != nil || again.URL != w.URL || again.Key.String() != w.Key.String() {
			t.Fatalf("%q: %+v does not read back: %v", s, w, err)
		}
	})
}
