package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/carefund/carefund/internal/logcheck"
)

// logOptions are the flags of `carefund log verify` and `log check-receipt`.
type logOptions struct {
	key       string
	state     string
	witnesses []string
}

func logFlags(name string, o *logOptions) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.key, "key", "", "the log's verifier `key` (name+hash+base64, as /log/key and the receipt page show it); verify: default the one --state remembers, else the log's own, trusted on first use")
	if name != "log check-receipt" {
		fs.StringVar(&o.state, "state", "", "verify: the `file` remembering the last verified checkpoint; default log-<host>.json in the user's configuration folder's carefund folder")
	}
	fs.Func("witness", "a witness's cosignature verifier `key` that must have cosigned the checkpoint (repeatable)", func(s string) error {
		o.witnesses = append(o.witnesses, s)
		return nil
	})
	return fs
}

// parseLogArgs parses flags around one positional argument.
func parseLogArgs(fs *flag.FlagSet, args []string, what string) (string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return "", badInput(fmt.Errorf("want one %s; see 'carefund help log'", what))
	}
	return pos[0], nil
}

// runLog audits the platform's transparency log from outside: `log verify
// URL` checks a running platform, `log check-receipt FILE` a donor's proof
// bundle, offline.
func runLog(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return badInput(errors.New("want 'log verify URL' or 'log check-receipt FILE'; see 'carefund help log'"))
	}
	var o logOptions
	fs := logFlags("log "+args[0], &o)
	switch args[0] {
	case "verify":
		u, err := parseLogArgs(fs, args[1:], "URL")
		if err != nil {
			return flagErr(err)
		}
		return logVerify(ctx, u, o, stdout, stderr)
	case "check-receipt":
		file, err := parseLogArgs(fs, args[1:], "FILE")
		if err != nil {
			return flagErr(err)
		}
		return logCheckReceipt(file, o, stdout)
	case "-h", "-help", "--help":
		return flag.ErrHelp
	}
	return badInput(fmt.Errorf("unknown log command %q: want verify or check-receipt", args[0]))
}

func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	var e *exitError
	if errors.As(err, &e) {
		return err
	}
	return badInput(err)
}

func logVerify(ctx context.Context, rawURL string, o logOptions, stdout, stderr io.Writer) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return badInput(fmt.Errorf("%q is not the platform's URL (https://host)", rawURL))
	}
	if o.state == "" {
		if o.state, err = logcheck.DefaultStatePath(u.Host); err != nil {
			return badInput(fmt.Errorf("no --state given and no configuration folder: %v", err))
		}
	}
	opts := logcheck.Options{URL: rawURL, Key: o.key, StatePath: o.state, Witnesses: o.witnesses, Progress: stderr}
	res, err := logcheck.Verify(ctx, opts)
	// A live platform's pages may show money paid after the checkpoint
	// was signed: when pages differ and nothing else does, and the log has
	// grown since, the audit is run again at the newer checkpoint. A real
	// difference stays; the remembered checkpoint moves only on success.
	for try := 0; try < 3 && errors.Is(err, logcheck.ErrAudit) && len(res.Problems) == res.PageDifferences; try++ {
		size, serr := logcheck.CheckpointSize(ctx, opts)
		if serr != nil || size <= res.Size {
			break
		}
		fmt.Fprintf(stderr, "the pages differ from the checkpoint of %d entries, and the log now holds %d: auditing again\n", res.Size, size)
		res, err = logcheck.Verify(ctx, opts)
	}
	if res.KeyFetched {
		fmt.Fprintf(stderr, "WARNING: trust on first use: no --key given and none remembered in %s, so the log's key is the one the log itself serves:\n  %s\nCompare it with the key published elsewhere (a receipt, the platform's notices); once this audit passes it is remembered, and a log that changes its key is refused.\n",
			o.state, res.Key)
	}
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "  - %s\n", p)
	}
	if err != nil {
		return err
	}
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(res.Types)) {
		kinds = append(kinds, fmt.Sprintf("%d %s", res.Types[k], k))
	}
	fmt.Fprintf(stdout, "log %s verified: %d entries (%s), root %x, signed by the log's key", res.Origin, res.Size, strings.Join(kinds, ", "), res.Root[:])
	if len(res.Cosigners) > 0 {
		fmt.Fprintf(stdout, " and cosigned by %s", strings.Join(res.Cosigners, ", "))
	}
	if res.Previous >= 0 {
		fmt.Fprintf(stdout, "; it extends the checkpoint of %d entries remembered in %s", res.Previous, o.state)
	} else {
		fmt.Fprintf(stdout, "; first audit of this log, nothing remembered to compare with")
	}
	fmt.Fprintf(stdout, "; every entry re-hashed to the root and every hash tile checked; every entry readable, none twice, every ledger entry summing to zero; the money figures of %d requests' public pages equal those of the ledger entries (%d requests without a page have no money)\nthe checkpoint is remembered in %s\n",
		res.Requests, res.Unpublished, o.state)
	return nil
}

func logCheckReceipt(file string, o logOptions, stdout io.Writer) error {
	if o.key == "" {
		return badInput(errors.New("--key is required: the log's key, as the receipt page and /log/key show it; a receipt is checked against a key you got elsewhere, never one it carries"))
	}
	logKey, err := note.NewVerifier(o.key)
	if err != nil {
		return badInput(fmt.Errorf("--key: %v", err))
	}
	var witnesses []note.Verifier
	for _, w := range o.witnesses {
		v, err := logcheck.NewCosignatureVerifier(w)
		if err != nil {
			return badInput(err)
		}
		witnesses = append(witnesses, v)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return badInput(err)
	}
	r, err := logcheck.CheckReceipt(b, logKey, witnesses)
	if err != nil {
		return fmt.Errorf("receipt %s does not verify: %w", file, err)
	}
	l := r.Record.Ledger
	what := "ledger entry " + fmt.Sprint(l.Entry) + " (" + l.Kind
	for _, p := range l.Postings {
		if strings.HasPrefix(p.Account, "request:") && p.Amount < 0 {
			what += fmt.Sprintf(" of %s to %s", yuanOf(-p.Amount), strings.Replace(p.Account, ":", " ", 1))
		}
	}
	what += ")"
	fmt.Fprintf(stdout, "receipt verified: %s is entry %d of the log %s, included in its checkpoint of %d entries (root %x) signed by the log's key",
		what, r.Index, r.Checkpoint.Origin, r.Checkpoint.Size, r.Checkpoint.Hash[:])
	if len(r.Checkpoint.Cosigners) > 0 {
		fmt.Fprintf(stdout, " and cosigned by %s", strings.Join(r.Checkpoint.Cosigners, ", "))
	}
	fmt.Fprintf(stdout, ".\nThe entry's commitment opens with this receipt's key and salt, so it is this receipt's payment; nobody without the receipt can tell it is yours.\nThe log can no longer remove or change the entry without every auditor that has seen a later checkpoint noticing the fork.\n")
	return nil
}

// yuanOf writes fen as yuan.
func yuanOf(fen int64) string { return fmt.Sprintf("¥%d.%02d", fen/100, fen%100) }
