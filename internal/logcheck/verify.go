package logcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/translog"
)

// Options says what to audit and how.
type Options struct {
	// URL is the platform's public address: https://carefund.example.org.
	URL string
	// Key is the log's verifier key. Empty: the one State remembers, or
	// else the one the log serves at /log/key (trust on first use).
	Key string
	// StatePath is the file remembering the last verified checkpoint; empty
	// remembers nothing.
	StatePath string
	// Witnesses are verifier keys of witnesses that must have cosigned.
	Witnesses []string
	// HTTP is the client; nil is one of the default transport's settings
	// keeping a connection for each fetch at once.
	HTTP *http.Client
	// Progress, if set, receives a line at every tenth of the entries.
	Progress io.Writer
	// Concurrency bounds the fetches at once; 0 is 16.
	Concurrency int
}

// Result is what an audit found.
type Result struct {
	Origin     string
	Size       int64
	Root       tlog.Hash
	Key        string
	KeyFetched bool // the key came from the log itself: trust on first use
	// Previous is the size of the checkpoint remembered before this run,
	// -1 when none was.
	Previous  int64
	Cosigners []string
	// Types counts the entries by record type.
	Types map[string]int64
	// Requests is the number of requests whose page was compared;
	// Unpublished those without a page and without money in the log.
	Requests, Unpublished int
	// Problems names every way the log or the pages fail.
	Problems []string
	// PageDifferences counts the problems that are a page's figure
	// differing from the log's: on a live platform also a page that moved
	// on past the checkpoint (money paid after it was signed).
	PageDifferences int
}

// ErrAudit is returned, wrapped, when the audit found problems.
var ErrAudit = errors.New("the log does not verify")

// MaxEntries bounds the log this auditor reads: it keeps every entry's hash
// (32 bytes) and the tree above them in memory.
const MaxEntries = 1 << 28

// maxProblems bounds the problems kept per kind of check, so that a wholly
// wrong log does not fill the memory with messages.
const maxProblems = 100

// CheckpointSize returns the size the log at o.URL now claims, from its
// checkpoint's text, unverified: only to tell whether the log has grown
// since an audit (Verify checks whatever it then serves).
func CheckpointSize(ctx context.Context, o Options) (int64, error) {
	c := &client{base: strings.TrimRight(o.URL, "/"), http: o.HTTP}
	if c.http == nil {
		c.http = http.DefaultClient
	}
	msg, err := c.get(ctx, "/log/checkpoint", 1<<20)
	if err != nil {
		return 0, err
	}
	text, _, _ := strings.Cut(string(msg), "\n\n")
	cp, err := ParseCheckpoint(text + "\n")
	if err != nil {
		return 0, err
	}
	return cp.Size, nil
}

// Verify audits the log of the platform at o.URL. It returns an error
// wrapping ErrAudit when anything fails to hold, after checking all it can;
// any other error means it could not finish.
func Verify(ctx context.Context, o Options) (Result, error) {
	res := Result{Previous: -1, Types: map[string]int64{}}
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return res, fmt.Errorf("%q is not an http(s) URL", o.URL)
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = 16
	}
	c := &client{base: strings.TrimRight(o.URL, "/"), http: o.HTTP}
	if c.http == nil {
		// Keep a connection per fetch at once: the default two would
		// open and close connections by the thousand.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = conc
		c.http = &http.Client{Transport: t}
		defer t.CloseIdleConnections()
	}

	var st State
	var remembered bool
	if o.StatePath != "" {
		if st, remembered, err = LoadState(o.StatePath); err != nil {
			return res, err
		}
	}
	res.Key = o.Key
	switch {
	case o.Key != "" && remembered && st.Key != "" && st.Key != o.Key:
		return res, fmt.Errorf("the key given is not the key %s remembers for this log (%s): a log's key does not change; if it really did, remove that file", o.StatePath, st.Key)
	case o.Key == "" && remembered:
		res.Key = st.Key
	case o.Key == "":
		b, err := c.get(ctx, "/log/key", 4096)
		if err != nil {
			return res, fmt.Errorf("fetching the log's key: %v", err)
		}
		res.Key, res.KeyFetched = strings.TrimSuffix(string(b), "\n"), true
	}
	logKey, err := note.NewVerifier(res.Key)
	if err != nil {
		return res, fmt.Errorf("log key %q: %v", res.Key, err)
	}
	var witnesses []note.Verifier
	for _, w := range o.Witnesses {
		v, err := NewCosignatureVerifier(w)
		if err != nil {
			return res, err
		}
		witnesses = append(witnesses, v)
	}

	msg, err := c.get(ctx, "/log/checkpoint", 1<<20)
	if err != nil {
		return res, fmt.Errorf("fetching the checkpoint: %v", err)
	}
	cp, err := OpenCheckpoint(msg, logKey, witnesses)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrAudit, err)
	}
	res.Origin, res.Size, res.Root, res.Cosigners = cp.Origin, cp.Size, cp.Hash, cp.Cosigners
	if want := u.Host + "/log"; res.KeyFetched && cp.Origin != want {
		return res, fmt.Errorf("%w: the log at %s serves a key and checkpoint for %q, not %q", ErrAudit, o.URL, cp.Origin, want)
	}

	// What the auditor remembers must be a prefix of what it sees now.
	var prev Checkpoint
	if remembered && st.Size >= 0 {
		if st.Origin != cp.Origin {
			return res, fmt.Errorf("%w: %s remembers the log %q, the checkpoint is for %q", ErrAudit, o.StatePath, st.Origin, cp.Origin)
		}
		root, err := parseHash(st.Root)
		if err != nil {
			return res, fmt.Errorf("%s: root: %v", o.StatePath, err)
		}
		prev = Checkpoint{Origin: st.Origin, Size: st.Size, Hash: root}
		res.Previous = st.Size
		switch {
		case cp.Size < prev.Size:
			return res, fmt.Errorf("%w: fork: the checkpoint has %d entries, fewer than the %d of the checkpoint remembered in %s: the log was rolled back or forked",
				ErrAudit, cp.Size, prev.Size, o.StatePath)
		case cp.Size == prev.Size && cp.Hash != prev.Hash:
			return res, fmt.Errorf("%w: fork: the checkpoint of %d entries has root %s, the one remembered in %s root %s: the log signed two different trees of one size",
				ErrAudit, cp.Size, shortHash(cp.Hash), o.StatePath, shortHash(prev.Hash))
		}
	}
	var problems []string
	if prev.Size > 0 && prev.Size < cp.Size {
		// The log's own proof, over tiles checked against the new root.
		tree := tlog.Tree{N: cp.Size, Hash: cp.Hash}
		proof, err := tlog.ProveTree(cp.Size, prev.Size, tlog.TileHashReader(tree, tileReader{ctx, c}))
		if err != nil {
			problems = append(problems, fmt.Sprintf("cannot prove from the log's tiles that checkpoint %d extends the remembered checkpoint %d: %v", cp.Size, prev.Size, err))
		} else if err := tlog.CheckTree(proof, cp.Size, cp.Hash, prev.Size, prev.Hash); err != nil {
			problems = append(problems, fmt.Sprintf("fork: checkpoint %d does not extend the remembered checkpoint %d (root %s): %v", cp.Size, prev.Size, shortHash(prev.Hash), err))
		}
	}

	if cp.Size > MaxEntries {
		return res, fmt.Errorf("the checkpoint claims %d entries, more than the %d this auditor holds in memory", cp.Size, int64(MaxEntries))
	}
	a, err := readEntries(ctx, c, cp.Size, conc, o.Progress)
	if err != nil {
		return res, err
	}
	problems = append(problems, a.problems...)
	lv := levels(a.leaves)
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			l, n := tlog.SplitStoredHashIndex(x)
			if l >= len(lv) || n >= int64(len(lv[l])) {
				return nil, fmt.Errorf("hash %d not in the tree", x)
			}
			out[i] = lv[l][n]
		}
		return out, nil
	})
	root, err := tlog.TreeHash(cp.Size, mem)
	if err != nil {
		return res, err
	}
	if root != cp.Hash {
		problems = append(problems, fmt.Sprintf("the %d entries hash to root %s, but the checkpoint's root is %s: entries were altered", cp.Size, shortHash(root), shortHash(cp.Hash)))
		for _, t := range a.mismatched {
			problems = append(problems, fmt.Sprintf("entry bundle %s does not hash to the hash tile %s: this bundle was altered", TilePath(t), TilePath(tlog.Tile{H: TileHeight, N: t.N, W: t.W})))
		}
	} else {
		for _, t := range a.mismatched {
			problems = append(problems, fmt.Sprintf("hash tile %s is not the hashes of the entries in %s: the tile was altered", TilePath(tlog.Tile{H: TileHeight, N: t.N, W: t.W}), TilePath(t)))
		}
	}
	if prev.Size > 0 {
		if old, err := tlog.TreeHash(prev.Size, mem); err == nil && old != prev.Hash {
			problems = append(problems, fmt.Sprintf("fork: the log's first %d entries hash to %s, not to the root %s of the checkpoint remembered in %s",
				prev.Size, shortHash(old), shortHash(prev.Hash), o.StatePath))
		}
	}
	problems = append(problems, checkUpperTiles(ctx, c, lv, cp.Size, conc)...)
	maps.Copy(res.Types, a.types)

	// The public figures, re-derived from the ledger entries.
	figures, placed := a.tally.Figures()
	problems = append(problems, placed...)
	ids := map[int64]bool{}
	for id := range figures {
		ids[id] = true
	}
	for _, id := range a.requests {
		ids[id] = true
	}
	pages, err := fetchPages(ctx, c, slices.Sorted(maps.Keys(ids)), conc)
	if err != nil {
		return res, err
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		m := figures[id]
		if !m.Balanced() {
			problems = append(problems, fmt.Sprintf("request %d: in the log, raised %s + recovered %s is not fees %s + paid out %s + refunded %s + refunding %s + to charity %s + held %s",
				id, yuan(m.Raised), yuan(m.Recovered), yuan(m.Fees), yuan(m.PaidOut), yuan(m.Refunded), yuan(m.Refunding), yuan(m.ToCharity), yuan(m.Held)))
		}
		p := pages[id]
		switch {
		case p.missing && m == (Money{}):
			res.Unpublished++
		case p.missing:
			problems = append(problems, fmt.Sprintf("request %d: the log holds its money (raised %s, held %s) but it has no public page", id, yuan(m.Raised), yuan(m.Held)))
		case p.money == nil:
			res.Requests++
			problems = append(problems, fmt.Sprintf("request %d: its public page shows no money figures", id))
		default:
			res.Requests++
			diff := CompareMoney(id, m, *p.money)
			problems = append(problems, diff...)
			res.PageDifferences += len(diff)
		}
	}
	res.Problems = problems
	if len(problems) > 0 {
		if len(problems) == 1 {
			return res, fmt.Errorf("%w: %s", ErrAudit, problems[0])
		}
		return res, fmt.Errorf("%w: %d problems, the first: %s", ErrAudit, len(problems), problems[0])
	}
	if o.StatePath != "" {
		s := State{Origin: cp.Origin, Key: res.Key, Size: cp.Size, Root: strict.EncodeToString(cp.Hash[:]), Checkpoint: string(cp.Note)}
		if err := SaveState(o.StatePath, s); err != nil {
			return res, fmt.Errorf("remembering the checkpoint: %v", err)
		}
	}
	return res, nil
}

// audit is what reading every entry found.
type audit struct {
	leaves     []tlog.Hash
	tally      *Tally
	types      map[string]int64
	requests   []int64     // from request version records
	mismatched []tlog.Tile // entry bundles whose hashes differ from the hash tile
	problems   []string
}

// bundle is what one entry bundle holds.
type bundle struct {
	tally    *Tally
	sources  []string
	types    map[string]int64
	requests []int64
	mismatch bool
	problems []string
}

// readEntries fetches every entry bundle and its level-0 hash tile, a few
// at once, and hashes, parses and tallies the entries as they come.
func readEntries(ctx context.Context, c *client, size int64, conc int, progress io.Writer) (audit, error) {
	a := audit{leaves: make([]tlog.Hash, size), tally: NewTally(), types: map[string]int64{}}
	count := (size + tileWidth - 1) / tileWidth
	bundles := make([]bundle, count)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int64)
	var wg sync.WaitGroup
	var done atomic.Int64
	var mu sync.Mutex
	var shown int64
	for range min(int64(conc), max(count, 1)) {
		wg.Go(func() {
			for n := range next {
				b, err := readBundle(ctx, c, size, n, a.leaves)
				if err != nil {
					cancel(err)
					continue
				}
				bundles[n] = b
				d := done.Add(int64(len(b.sources)))
				if progress != nil {
					mu.Lock()
					if step := d * 10 / max(size, 1); step > shown {
						shown = step
						fmt.Fprintf(progress, "log verify: %d/%d entries\n", d, size)
					}
					mu.Unlock()
				}
			}
		})
	}
feed:
	for n := range count {
		select {
		case next <- n:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return a, err
	}
	seen := make(map[string]int64, size)
	var dups, bad int
	for n, b := range bundles {
		a.tally.Merge(b.tally)
		for k, v := range b.types {
			a.types[k] += v
		}
		a.requests = append(a.requests, b.requests...)
		if b.mismatch {
			a.mismatched = append(a.mismatched, tlog.Tile{H: TileHeight, L: -1, N: int64(n), W: len(b.sources)})
		}
		for _, p := range b.problems {
			if bad++; bad <= maxProblems {
				a.problems = append(a.problems, p)
			}
		}
		for i, s := range b.sources {
			idx := int64(n)*tileWidth + int64(i)
			if s == "" {
				continue
			}
			if was, ok := seen[s]; ok {
				if dups++; dups <= maxProblems {
					a.problems = append(a.problems, fmt.Sprintf("entries %d and %d both record %q: an event logged twice", was, idx, s))
				}
				continue
			}
			seen[s] = idx
		}
	}
	if bad > maxProblems {
		a.problems = append(a.problems, fmt.Sprintf("and %d more malformed entries", bad-maxProblems))
	}
	if dups > maxProblems {
		a.problems = append(a.problems, fmt.Sprintf("and %d more entries logged twice", dups-maxProblems))
	}
	if len(a.mismatched) > maxProblems {
		a.mismatched = a.mismatched[:maxProblems]
	}
	return a, nil
}

// readBundle reads entry bundle n of a log of size entries, writing the
// entries' hashes into leaves.
func readBundle(ctx context.Context, c *client, size, n int64, leaves []tlog.Hash) (bundle, error) {
	w := int(min(size-n*tileWidth, tileWidth))
	t := tlog.Tile{H: TileHeight, L: -1, N: n, W: w}
	data, err := c.tile(ctx, t)
	if err != nil {
		return bundle{}, fmt.Errorf("fetching entry bundle %s: %v", TilePath(t), err)
	}
	ht := tlog.Tile{H: TileHeight, L: 0, N: n, W: w}
	hashes, err := c.tile(ctx, ht)
	if err != nil {
		return bundle{}, fmt.Errorf("fetching hash tile %s: %v", TilePath(ht), err)
	}
	b := bundle{tally: NewTally(), sources: make([]string, w), types: map[string]int64{}}
	entries, err := SplitBundle(data, w)
	if err != nil {
		// Unreadable: every entry in it counts as altered.
		b.problems = append(b.problems, fmt.Sprintf("entry bundle %s: %v", TilePath(t), err))
		b.mismatch = true
		for i := range w {
			leaves[n*tileWidth+int64(i)] = tlog.Hash{}
		}
		return b, nil
	}
	for i, e := range entries {
		idx := n*tileWidth + int64(i)
		h := tlog.RecordHash(e)
		leaves[idx] = h
		if len(hashes) != w*tlog.HashSize || !bytes.Equal(hashes[i*tlog.HashSize:(i+1)*tlog.HashSize], h[:]) {
			b.mismatch = true
		}
		r, err := translog.Parse(e)
		if err != nil {
			b.problems = append(b.problems, fmt.Sprintf("entry %d: %v%s", idx, err, unbalanced(e)))
			continue
		}
		b.sources[i] = r.Source
		b.types[r.Type]++
		switch r.Type {
		case translog.TypeLedger:
			b.tally.Add(r.Ledger)
		case translog.TypeRequestVersion:
			b.requests = append(b.requests, r.Request.ID)
		}
	}
	return b, nil
}

// unbalanced says, for an entry Parse refused, whether it is a ledger entry
// whose postings do not sum to zero.
func unbalanced(e []byte) string {
	var r translog.Record
	if json.Unmarshal(e, &r) != nil || r.Ledger == nil {
		return ""
	}
	var sum int64
	for _, p := range r.Ledger.Postings {
		sum += p.Amount
	}
	if sum == 0 {
		return ""
	}
	return fmt.Sprintf(" (ledger entry %d's postings sum to %s, not zero)", r.Ledger.Entry, yuan(sum))
}

// levels computes every level of the tree over leaves: levels[k][j] is the
// hash of the complete subtree of 2^k leaves starting at leaf j·2^k.
func levels(leaves []tlog.Hash) [][]tlog.Hash {
	lv := [][]tlog.Hash{leaves}
	for cur := leaves; len(cur) >= 2; {
		up := make([]tlog.Hash, len(cur)/2)
		parallel(len(up), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				up[j] = tlog.NodeHash(cur[2*j], cur[2*j+1])
			}
		})
		lv = append(lv, up)
		cur = up
	}
	return lv
}

// parallel runs f over [0, n) split in a few parts at once.
func parallel(n int, f func(lo, hi int)) {
	const parts = 4
	if n < 1024 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { f(n*p/parts, n*(p+1)/parts) })
	}
	wg.Wait()
}

// checkUpperTiles compares every hash tile above level 0 with the hashes
// computed from the entries.
func checkUpperTiles(ctx context.Context, c *client, lv [][]tlog.Hash, size int64, conc int) []string {
	var tiles []tlog.Tile
	for L := 1; L*TileHeight < len(lv); L++ {
		count := size >> (L * TileHeight)
		for n := int64(0); n*tileWidth < count; n++ {
			tiles = append(tiles, tlog.Tile{H: TileHeight, L: L, N: n, W: int(min(count-n*tileWidth, tileWidth))})
		}
	}
	out := make([]string, len(tiles))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, t := range tiles {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			b, err := c.tile(ctx, t)
			if err != nil {
				out[i] = fmt.Sprintf("hash tile %s: %v", TilePath(t), err)
				return
			}
			hs := lv[t.L*TileHeight][t.N*tileWidth : t.N*tileWidth+int64(t.W)]
			want := make([]byte, 0, len(hs)*tlog.HashSize)
			for _, h := range hs {
				want = append(want, h[:]...)
			}
			if !bytes.Equal(b, want) {
				out[i] = fmt.Sprintf("hash tile %s is not the hashes of the entries below it: the tile was altered", TilePath(t))
			}
		})
	}
	wg.Wait()
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

// page is what a request's public page says of its money.
type page struct {
	missing bool
	money   *Money
}

// fetchPages reads GET /api/v1/requests/{id} of every request.
func fetchPages(ctx context.Context, c *client, ids []int64, conc int) (map[int64]page, error) {
	out := make([]page, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			b, err := c.get(ctx, "/api/v1/requests/"+strconv.FormatInt(id, 10), 16<<20)
			if errors.Is(err, errNotFound) {
				out[i].missing = true
				return
			}
			if err != nil {
				errs[i] = fmt.Errorf("request %d's page: %v", id, err)
				return
			}
			var v struct {
				Money *Money `json:"money"`
			}
			if err := json.Unmarshal(b, &v); err != nil {
				errs[i] = fmt.Errorf("request %d's page: %v", id, err)
				return
			}
			out[i].money = v.Money
		})
	}
	wg.Wait()
	m := make(map[int64]page, len(ids))
	for i, id := range ids {
		m[id] = out[i]
	}
	return m, errors.Join(errs...)
}
