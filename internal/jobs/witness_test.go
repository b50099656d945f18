package jobs

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/mod/sumdb/note"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/translog"
	"github.com/carefund/carefund/internal/witness"
)

// testOrigin is the log's origin in these tests, as the public URL's host
// and /log make it.
const testOrigin = "carefund.test/log"

// testLog is the real transparency log (translog's integrator and
// signer) on a database, grown by audit-head records whose contents differ
// between logs of different seeds, so that the witnesses cosign the very
// checkpoints the platform serves.
type testLog struct {
	db   *store.DB
	log  *translog.Log
	seed string
	n    int64 // entries this test appended
	size int64 // the tree's size at the newest checkpoint
}

// newTestLog starts a log signing with the note private key skey (as
// note.GenerateKey writes it; its seed is the log key's).
func newTestLog(t *testing.T, db *store.DB, skey, seed string) *testLog {
	t.Helper()
	f := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(f[len(f)-1])
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		t.Fatalf("not an Ed25519 note key: %v", err)
	}
	s, err := translog.NewSigner(testOrigin, raw[1:])
	if err != nil {
		t.Fatal(err)
	}
	return &testLog{db: db, log: translog.New(db, s, translog.Options{}), seed: seed}
}

// grow appends k entries through the outbox, integrates them (with
// whatever else is pending) and returns the checkpoint signed over them.
func (l *testLog) grow(t *testing.T, k int) translog.Checkpoint {
	t.Helper()
	ctx := t.Context()
	items := make([]translog.Pending, k)
	for i := range items {
		// Far from the sequence numbers of the platform's own audit heads.
		seq := 1<<40 + l.n + int64(i) + 1
		sum := sha256.Sum256(fmt.Appendf(nil, "%s entry %d", l.seed, seq))
		r := translog.Record{Type: translog.TypeAuditHead, Source: translog.AuditSource(seq), At: 1_765_000_000,
			Audit: &translog.Audit{Seq: seq, Hash: hex.EncodeToString(sum[:])}}
		data, err := r.Data()
		if err != nil {
			t.Fatal(err)
		}
		items[i] = translog.Pending{Source: r.Source, Data: data}
	}
	if err := l.db.Write(ctx, func(tx *store.Tx) error { return translog.Enqueue(ctx, tx, items...) }); err != nil {
		t.Fatal(err)
	}
	l.n += int64(k)
	// Until nothing is pending: the platform's own integrator may take
	// some of them first, and what it had pending joins the tree too.
	for {
		got, err := l.log.Integrate(ctx)
		if err != nil {
			t.Fatalf("integrating: %v", err)
		}
		if got == 0 {
			break
		}
	}
	var cp translog.Checkpoint
	err := l.db.Read(ctx, func(tx *store.Tx) (err error) { cp, err = translog.LatestCheckpoint(ctx, tx); return err })
	if err != nil || cp.Size < l.size+int64(k) {
		t.Fatalf("checkpoint of %d, want at least %d: %v", cp.Size, l.size+int64(k), err)
	}
	l.size = cp.Size
	return cp
}

// served is the checkpoint as /log/checkpoint serves it: with its
// cosignatures.
func served(t *testing.T, db *store.DB) string {
	t.Helper()
	var s string
	err := db.Read(t.Context(), func(tx *store.Tx) error {
		cp, err := translog.LatestCheckpoint(t.Context(), tx)
		if err != nil {
			return err
		}
		s, err = translog.Cosigned(t.Context(), tx, cp)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkCosigned opens the served checkpoint with the log's key and the
// witness's, and fails unless both signed it and it is of size.
func checkCosigned(t *testing.T, db *store.DB, logV note.Verifier, w witness.Witness, size int64) {
	t.Helper()
	s := served(t, db)
	n, err := note.Open([]byte(s), note.VerifierList(logV, w.Key))
	if err != nil {
		t.Fatalf("the served checkpoint does not open: %v\n%s", err, s)
	}
	names := map[string]bool{}
	for _, sig := range n.Sigs {
		names[sig.Name] = true
	}
	if !names[logV.Name()] || !names[w.Name()] || len(n.Sigs) != 2 {
		t.Fatalf("signed by %v, want the log and %s:\n%s", n.Sigs, w.Name(), s)
	}
	if !strings.HasPrefix(n.Text, fmt.Sprintf("%s\n%d\n", logV.Name(), size)) {
		t.Fatalf("checkpoint %q, want size %d", n.Text, size)
	}
}

func witnessSize(t *testing.T, db *store.DB, name string) int64 {
	t.Helper()
	var n int64
	err := db.Read(t.Context(), func(tx *store.Tx) error {
		var err error
		n, err = translog.WitnessSize(t.Context(), tx, name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// needTool finds a program the witness test needs: without it the test
// skips, or fails under CI, which must never pass by skipping.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not installed: the independent witness cannot run", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// witnessBinaries builds litewitness and witnessctl at the version go.mod
// pins (its tool directives).
func witnessBinaries(t *testing.T) string {
	t.Helper()
	goCmd := needTool(t, "go")
	dir := t.TempDir()
	out, err := exec.Command(goCmd, "build", "-o", dir, "filippo.io/torchwood/cmd/litewitness", "filippo.io/torchwood/cmd/witnessctl").CombinedOutput()
	if err != nil {
		err = fmt.Errorf("building litewitness: %v\n%s", err, out)
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return dir
}

// litewitness runs filippo.io/torchwood's witness, an implementation of
// tlog-witness that carefund did not write, with a fresh Ed25519 key in
// its own ssh-agent, knowing the log of origin testOrigin under logVkey.
// It returns the witness as carefund is configured with it.
func litewitness(t *testing.T, logVkey string) witness.Witness {
	t.Helper()
	bin := witnessBinaries(t)
	keygen, sshAgent := needTool(t, "ssh-keygen"), needTool(t, "ssh-agent")
	// A socket's path is short: not under the test's long temporary folder.
	dir, err := os.MkdirTemp("", "lw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	key, sock, db := filepath.Join(dir, "key"), filepath.Join(dir, "agent.sock"), filepath.Join(dir, "witness.db")

	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	startProc(t, exec.Command(sshAgent, "-D", "-a", sock))
	var conn net.Conn
	for range 2000 {
		if conn, err = net.Dial("unix", sock); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("ssh-agent did not listen: %v", err)
	}
	defer conn.Close()
	pem, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ssh.ParseRawPrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.NewClient(conn).Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(priv.(*ed25519.PrivateKey).Public())
	if err != nil {
		t.Fatal(err)
	}

	ctl := filepath.Join(bin, "witnessctl")
	for _, args := range [][]string{
		{"add-log", "-db", db, "-origin", testOrigin},
		{"add-key", "-db", db, "-origin", testOrigin, "-key", logVkey},
	} {
		if out, err := exec.Command(ctl, args...).CombinedOutput(); err != nil {
			t.Fatalf("witnessctl %s: %v\n%s", args[0], err, out)
		}
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(filepath.Join(bin, "litewitness"), "-db", db, "-name", "witness.test/lw",
		"-key", ssh.FingerprintSHA256(pub), "-ssh-agent", sock, "-listen", addr)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	startProc(t, cmd)
	// litewitness logs its verifier key, then listens.
	vkey := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if _, v, ok := strings.Cut(sc.Text(), "vkey="); ok && !sent {
				vkey <- strings.Trim(v, `"`)
				sent = true
			}
		}
		if !sent {
			close(vkey)
		}
	}()
	v, ok := <-vkey
	if !ok {
		t.Fatal("litewitness exited without its verifier key")
	}
	w, err := witness.ParseWitness("http://" + addr + "=" + v)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i == 2000 {
			t.Fatalf("litewitness does not listen on %s: %v", addr, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return w
}

// startProc starts cmd and stops it when the test ends.
func startProc(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// openAnother opens a second database of the dialect named, for a log
// started anew.
func openAnother(t *testing.T, dialect string) *store.DB {
	t.Helper()
	if dialect == "postgres" {
		dsn, _ := storetest.PostgresDSN(t)
		return storetest.Open(t, dsn)
	}
	return storetest.Open(t, storetest.SQLiteDSN(t))
}

// TestWitnessCosigns has an independent witness (litewitness) cosign
// carefund's checkpoints, and refuse what a witness must refuse: a tree
// that does not extend the one it cosigned.
func TestWitnessCosigns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		skey, vkey, err := note.GenerateKey(rand.Reader, testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		logV, _ := note.NewVerifier(vkey)
		w := litewitness(t, vkey)
		job := Witnesses{DB: db, Client: &witness.Client{}, Witnesses: []witness.Witness{w}}
		log := newTestLog(t, db, skey, "real")

		// No checkpoint yet: nothing to do.
		if res, err := job.Cosign(t.Context()); err != nil || res != (WitnessResult{}) {
			t.Fatalf("before any checkpoint: %+v, %v", res, err)
		}

		log.grow(t, 3)
		if res, err := job.Cosign(t.Context()); err != nil || res.Cosigned != 1 {
			t.Fatalf("first checkpoint: %+v, %v", res, err)
		}
		checkCosigned(t, db, logV, w, 3)
		if n := witnessSize(t, db, w.Name()); n != 3 {
			t.Fatalf("witness size %d, want 3", n)
		}
		// Asked again, the witness is not bothered: it cosigned this one.
		if res, err := job.Cosign(t.Context()); err != nil || res != (WitnessResult{}) {
			t.Fatalf("again: %+v, %v", res, err)
		}

		// A larger tree, with the proof from 3.
		log.grow(t, 7)
		if res, err := job.Cosign(t.Context()); err != nil || res.Cosigned != 1 {
			t.Fatalf("size 10: %+v, %v", res, err)
		}
		checkCosigned(t, db, logV, w, 10)

		// 409: the witness cosigned size 10 but the answer was lost (here,
		// forgotten): carefund sends old 3, the witness answers that it
		// holds 10, and carefund proves from there.
		storetest.Exec(t, db, "UPDATE translog_witnesses SET size = 3")
		log.grow(t, 2)
		if res, err := job.Cosign(t.Context()); err != nil || res.Cosigned != 1 {
			t.Fatalf("after a lost answer: %+v, %v", res, err)
		}
		checkCosigned(t, db, logV, w, 12)
		if n := witnessSize(t, db, w.Name()); n != 12 {
			t.Fatalf("witness size %d, want 12", n)
		}

		// The log started anew under the same key (a split view, or lost
		// data): smaller than what the witness holds, then larger but with
		// other entries. The witness must refuse both, and carefund must
		// store nothing.
		other := openAnother(t, t.Name()[strings.LastIndex(t.Name(), "/")+1:])
		fork := newTestLog(t, other, skey, "fork")
		forked := Witnesses{DB: other, Client: &witness.Client{}, Witnesses: []witness.Witness{w}}
		fork.grow(t, 5)
		res, err := forked.Cosign(t.Context())
		if !errors.Is(err, ErrWitnessAhead) || res.Failed != 1 || res.Cosigned != 0 {
			t.Fatalf("a smaller fork: %+v, %v", res, err)
		}
		fork.grow(t, 15)
		res, err = forked.Cosign(t.Context())
		if !errors.Is(err, witness.ErrBadProof) || res.Failed != 1 || res.Cosigned != 0 {
			t.Fatalf("a larger fork: %+v, %v", res, err)
		}
		if s := served(t, other); strings.Contains(s, w.Name()) {
			t.Fatalf("the fork's checkpoint was cosigned:\n%s", s)
		}
		// The real log goes on being cosigned.
		log.grow(t, 1)
		if res, err := job.Cosign(t.Context()); err != nil || res.Cosigned != 1 {
			t.Fatalf("size 13: %+v, %v", res, err)
		}
		checkCosigned(t, db, logV, w, 13)

		// 409 for the very checkpoint sent: the witness cosigned 13 but
		// the line was lost. The retry proves 13 from 13, and the
		// witness signs it again.
		storetest.Exec(t, db, "DELETE FROM translog_cosignatures WHERE size = 13", "UPDATE translog_witnesses SET size = 12")
		if res, err := job.Cosign(t.Context()); err != nil || res.Cosigned != 1 {
			t.Fatalf("size 13 again: %+v, %v", res, err)
		}
		checkCosigned(t, db, logV, w, 13)

		// A cosignature line is the witness's and only the witness's.
		var lines int
		err = db.Read(t.Context(), func(tx *store.Tx) error {
			return tx.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM translog_cosignatures WHERE witness = $1", w.Name()).Scan(&lines)
		})
		if err != nil || lines != 4 {
			t.Fatalf("%d cosignature lines stored, want 4 (sizes 3, 10, 12, 13): %v", lines, err)
		}
	})
}

// fakeWitness is a tlog-witness whose answers a test decides, signing
// with a key of its own.
type fakeWitness struct {
	srv    *httptest.Server
	w      witness.Witness
	priv   ed25519.PrivateKey
	mu     sync.Mutex
	olds   []string // the old sizes asked with
	answer func(f *fakeWitness, old int64, cp []byte) (int, string)
}

func newFakeWitness(t *testing.T, name string, answer func(f *fakeWitness, old int64, cp []byte) (int, string)) *fakeWitness {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeWitness{priv: priv, answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		head, cp, _ := strings.Cut(string(b), "\n\n")
		var old int64
		fmt.Sscanf(head, "old %d", &old)
		f.mu.Lock()
		f.olds = append(f.olds, fmt.Sprint(old))
		f.mu.Unlock()
		status, body := f.answer(f, old, []byte(cp))
		rw.WriteHeader(status)
		io.WriteString(rw, body)
	}))
	t.Cleanup(f.srv.Close)
	k := append([]byte{0x04}, pub...)
	vkey := fmt.Sprintf("%s+%08x+%s", name, keyID(name, k), base64.StdEncoding.EncodeToString(k))
	f.w, err = witness.ParseWitness(f.srv.URL + "=" + vkey)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// keyID is signed-note's key hash.
func keyID(name string, key []byte) uint32 {
	var b []byte
	b = append(b, name...)
	b = append(b, '\n')
	b = append(b, key...)
	h := sha256Sum(b)
	return uint32(h[0])<<24 | uint32(h[1])<<16 | uint32(h[2])<<8 | uint32(h[3])
}

// cosign is the fake witness's cosignature line of the checkpoint note.
func (f *fakeWitness) cosign(cp []byte, at uint64) string {
	text := cp[:strings.LastIndex(string(cp), "\n\n")+1]
	msg, _ := witness.CosignedMessage(at, text)
	sig := ed25519.Sign(f.priv, msg)
	var b []byte
	id := f.w.Key.KeyHash()
	b = append(b, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
	for i := 7; i >= 0; i-- {
		b = append(b, byte(at>>(8*i)))
	}
	b = append(b, sig...)
	return "— " + f.w.Name() + " " + base64.StdEncoding.EncodeToString(b) + "\n"
}

func (f *fakeWitness) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.olds...)
}

func TestWitnessJobEdgeCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		skey, vkey, _ := note.GenerateKey(rand.Reader, testOrigin)
		logV, _ := note.NewVerifier(vkey)
		log := newTestLog(t, db, skey, "edge")
		log.grow(t, 4)

		good := newFakeWitness(t, "good.test", func(f *fakeWitness, old int64, cp []byte) (int, string) {
			return 200, f.cosign(cp, 1700000000)
		})
		// A witness that is down: its server is closed.
		down := newFakeWitness(t, "down.test", nil)
		down.srv.Close()
		// A witness that answers with another key's cosignature.
		forger := newFakeWitness(t, "forger.test", func(f *fakeWitness, old int64, cp []byte) (int, string) {
			return 200, good.cosign(cp, 1700000000)
		})
		// A witness that signs a checkpoint other than the one sent.
		confused := newFakeWitness(t, "confused.test", func(f *fakeWitness, old int64, cp []byte) (int, string) {
			return 200, f.cosign([]byte(strings.Replace(string(cp), "\n4\n", "\n5\n", 1)), 1700000000)
		})
		// A witness that answers 409 whatever it is sent: asked twice,
		// then given up on until the next run.
		stubborn := newFakeWitness(t, "stubborn.test", func(f *fakeWitness, old int64, cp []byte) (int, string) {
			return 409, fmt.Sprintf("%d\n", old+1)
		})
		refusing := newFakeWitness(t, "refusing.test", func(f *fakeWitness, old int64, cp []byte) (int, string) {
			return 403, "invalid signature\n"
		})
		unknown := newFakeWitness(t, "unknown.test", func(f *fakeWitness, old int64, cp []byte) (int, string) {
			return 404, "unknown log\n"
		})
		broken := newFakeWitness(t, "broken.test", func(f *fakeWitness, old int64, cp []byte) (int, string) {
			return 502, "bad gateway\n"
		})
		all := []*fakeWitness{good, down, forger, confused, stubborn, refusing, unknown, broken}
		var ws []witness.Witness
		for _, f := range all {
			ws = append(ws, f.w)
		}
		job := Witnesses{DB: db, Client: &witness.Client{}, Witnesses: ws}
		res, err := job.Cosign(t.Context())
		if res.Cosigned != 1 || res.Failed != len(all)-1 {
			t.Fatalf("%+v, %v", res, err)
		}
		for _, want := range []error{witness.ErrUnavailable, witness.ErrResponse, witness.ErrForbidden, witness.ErrUnknownLog} {
			if !errors.Is(err, want) {
				t.Errorf("the joined error lacks %v: %v", want, err)
			}
		}
		if _, ok := errors.AsType[*witness.ConflictError](err); !ok {
			t.Errorf("the stubborn witness's second 409 is not in the error: %v", err)
		}
		if got := stubborn.asked(); strings.Join(got, " ") != "0 1" {
			t.Errorf("the stubborn witness was asked with old sizes %v, want 0 then 1", got)
		}
		// Only the good witness's line is served; the forger's line (a
		// valid cosignature, but of another key) is not.
		s := served(t, db)
		n, err := note.Open([]byte(s), note.VerifierList(logV, good.w.Key))
		if err != nil || len(n.Sigs) != 2 || strings.Count(s, "\n— ") != 2 {
			t.Fatalf("served %q: %v", s, err)
		}
		for _, f := range all[1:] {
			if n := witnessSize(t, db, f.w.Name()); n != 0 {
				t.Errorf("%s: size %d recorded after a failure", f.w.Name(), n)
			}
		}

		// A witness recorded beyond the newest checkpoint (a database
		// restored from an older backup) is not asked to cosign a
		// smaller tree.
		storetest.Exec(t, db, "UPDATE translog_witnesses SET size = 99 WHERE witness = 'good.test'")
		log.grow(t, 1)
		before := len(good.asked())
		res, err = (Witnesses{DB: db, Client: &witness.Client{}, Witnesses: []witness.Witness{good.w}}).Cosign(t.Context())
		if !errors.Is(err, ErrWitnessAhead) || res.Failed != 1 || len(good.asked()) != before {
			t.Fatalf("a witness ahead: %+v, %v; asked %v", res, err, good.asked())
		}
	})
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// TestWitnessJobRuns: with witnesses configured the platform runs the
// translog-witness job, and a witness that is down holds up neither the
// other witnesses nor the job's next runs; without witnesses there is no
// such job.
func TestWitnessJobRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db, &clock{})
		if slices.ContainsFunc(Platform(p, nil), func(j Job) bool { return j.Name == WitnessJob }) {
			t.Fatal("a witness job without witnesses")
		}
		// The platform's own log: its integrator runs among the jobs.
		logV := p.Translog.Signer().Verifier()
		good := newFakeWitness(t, "good.test", func(f *fakeWitness, old int64, cp []byte) (int, string) {
			return 200, f.cosign(cp, 1700000000)
		})
		down := newFakeWitness(t, "down.test", nil)
		down.srv.Close()
		p.Witnesses = []witness.Witness{down.w, good.w}
		js := Platform(p, nil)
		if !slices.ContainsFunc(js, func(j Job) bool { return j.Name == WitnessJob }) {
			t.Fatal("no witness job with witnesses")
		}
		log := &testLog{db: db, log: p.Translog, seed: "runs"}
		log.grow(t, 2)
		stop := start(t, New(js, Options{}))
		waitFor(t, "the checkpoint to be cosigned", func() bool {
			return strings.Contains(served(t, db), "— good.test ")
		})
		log.grow(t, 3)
		waitFor(t, "the next checkpoint to be cosigned", func() bool {
			return strings.Contains(served(t, db), "— good.test ")
		})
		stop()
		checkCosigned(t, db, logV, good.w, log.size)
	})
}
