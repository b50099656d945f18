package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
	"github.com/carefund/carefund/internal/witness"
)

// WitnessJob sends the transparency log's newest checkpoint to each
// configured witness and keeps their cosignatures (issue 17).
const WitnessJob = "translog-witness"

// WitnessEvery is how often the witnesses are asked: a new checkpoint is
// cosigned within seconds of being signed.
const WitnessEvery = 5 * time.Second

// witnessTimeout bounds one request to one witness, so that a witness that
// hangs holds up neither the others nor the next run for long.
const witnessTimeout = 20 * time.Second

// ErrWitnessAhead is a witness that holds the log at a size beyond the
// log's newest checkpoint: the log was started anew, or lost checkpoints.
// It is never asked to cosign a smaller tree; an operator must look.
var ErrWitnessAhead = errors.New("the witness holds the log at a size beyond its newest checkpoint")

// WitnessResult is what one run of the witness job did.
type WitnessResult struct {
	Cosigned int // witnesses that cosigned the newest checkpoint in this run
	Failed   int // witnesses that refused or could not be reached
}

// Witnesses are the settings of the witness job.
type Witnesses struct {
	DB        *store.DB
	Client    *witness.Client
	Witnesses []witness.Witness
	Log       *slog.Logger // nil discards
}

// Cosign sends the newest checkpoint to every witness that has not
// cosigned it yet, each with the proof that it extends the tree that
// witness last cosigned, at once and independently: a witness that is down
// or refuses fails only its own part, logged and returned joined with the
// others' errors, and is asked again on the next run. A cosignature is
// stored only after it verifies against the witness's configured key.
func (s Witnesses) Cosign(ctx context.Context) (WitnessResult, error) {
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var res WitnessResult
	errs := make([]error, len(s.Witnesses))
	done := make([]bool, len(s.Witnesses))
	var wg sync.WaitGroup
	for i, w := range s.Witnesses {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, witnessTimeout)
			defer cancel()
			done[i], errs[i] = s.cosignOne(ctx, w, log)
		})
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case err != nil:
			res.Failed++
			// The runner logs the run's error, which names each witness.
			errs[i] = fmt.Errorf("witness %s: %w", s.Witnesses[i].Name(), err)
		case done[i]:
			res.Cosigned++
		}
	}
	return res, errors.Join(errs...)
}

// cosignOne asks w to cosign the newest checkpoint; it reports whether a
// new cosignature was stored.
func (s Witnesses) cosignOne(ctx context.Context, w witness.Witness, log *slog.Logger) (bool, error) {
	var cp translog.Checkpoint
	var old int64
	var proof tlog.TreeProof
	var have bool
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if cp, err = translog.LatestCheckpoint(ctx, tx); err != nil {
			return err
		}
		if have, err = translog.HasCosignature(ctx, tx, cp.Size, w.Name()); err != nil || have {
			return err
		}
		if old, err = translog.WitnessSize(ctx, tx, w.Name()); err != nil {
			return err
		}
		if old > cp.Size {
			return fmt.Errorf("%w (%d, the log %d)", ErrWitnessAhead, old, cp.Size)
		}
		proof, err = proveTree(ctx, tx, cp.Size, old)
		return err
	})
	if errors.Is(err, translog.ErrNoCheckpoint) || have {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	lines, err := s.Client.AddCheckpoint(ctx, w, old, proof, []byte(cp.Note))
	if ce, ok := errors.AsType[*witness.ConflictError](err); ok {
		// The witness holds another size than we thought: it cosigned a
		// checkpoint whose answer we lost, or it lost its own state. Prove
		// consistency from the size it holds, once; the witness checks
		// the proof against the tree it holds.
		if ce.Known > cp.Size {
			return false, fmt.Errorf("%w (%d, the log %d)", ErrWitnessAhead, ce.Known, cp.Size)
		}
		if ce.Known < old {
			log.Warn("a witness holds the log at a smaller size than it cosigned before", "witness", w.Name(), "holds", ce.Known, "cosigned", old)
		}
		err = s.DB.Read(ctx, func(tx *store.Tx) error {
			var err error
			proof, err = proveTree(ctx, tx, cp.Size, ce.Known)
			return err
		})
		if err != nil {
			return false, err
		}
		lines, err = s.Client.AddCheckpoint(ctx, w, ce.Known, proof, []byte(cp.Note))
	}
	if err != nil {
		return false, err
	}
	var cs []translog.Cosignature
	for l := range strings.SplitSeq(strings.TrimSuffix(string(lines), "\n"), "\n") {
		cs = append(cs, translog.Cosignature{Size: cp.Size, Witness: w.Name(), Line: l})
	}
	// A witness returns one line per key it signs with; this table keeps
	// one line per witness and checkpoint, the first.
	cs = cs[:1]
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		return translog.AddCosignatures(ctx, tx, cs...)
	})
	return err == nil, err
}

// proveTree is the consistency proof from the tree of size old to the tree
// of size n, empty when there is nothing to prove.
func proveTree(ctx context.Context, tx *store.Tx, n, old int64) (tlog.TreeProof, error) {
	if old == 0 || old == n {
		return nil, nil
	}
	return tlog.ProveTree(n, old, translog.Hashes(ctx, tx))
}
