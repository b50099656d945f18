package server

import (
	"errors"
	"net/http"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/translog"
)

// The transparency log as C2SP tlog-tiles serves it (issue 17): its
// checkpoint, its tiles and entry bundles, its key, and a donor's proof
// that the donation's ledger entry is in it.

// logCheckpoint serves the newest signed checkpoint, with the witnesses'
// cosignatures: GET /log/checkpoint.
func (s *Server) logCheckpoint(w http.ResponseWriter, r *http.Request) error {
	if s.platform.Translog == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	note, err := s.platform.Translog.Served(r.Context())
	if errors.Is(err, translog.ErrNoCheckpoint) {
		return apperr.Wrap(err, apperr.Unavailable, "error.unavailable")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, err = w.Write([]byte(note))
	return err
}

// logKey serves the log's note verifier key, one line: GET /log/key.
func (s *Server) logKey(w http.ResponseWriter, r *http.Request) error {
	if s.platform.Translog == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write([]byte(s.platform.Translog.Signer().VerifierKey() + "\n"))
	return err
}

// logTile serves a tile or an entry bundle: GET /log/tile/{path...}. A full
// tile never changes; a partial one is the tree's edge of the moment.
func (s *Server) logTile(w http.ResponseWriter, r *http.Request) error {
	if s.platform.Translog == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	data, full, err := s.platform.Translog.Tile(r.Context(), "tile/"+r.PathValue("path"))
	if errors.Is(err, translog.ErrNotFound) {
		return apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if full {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=5")
	}
	_, err = w.Write(data)
	return err
}

// donationProof serves the proof that a donation's ledger entry is in the
// log, with the opening of its commitment, to whoever holds the order
// number, as the receipt is: GET /donations/{no}/proof.
func (s *Server) donationProof(w http.ResponseWriter, r *http.Request) error {
	no := r.PathValue("no")
	if !payment.ValidOrderID(no) {
		return apperr.New(apperr.NotFound, "")
	}
	if s.donations == nil || s.platform.Translog == nil {
		return apperr.New(apperr.Unavailable, "error.unavailable")
	}
	rc, _, err := s.donations.ReceiptPage(r.Context(), no)
	if err != nil {
		return err
	}
	if rc.EntryID == 0 {
		return apperr.New(apperr.NotFound, "")
	}
	e, err := s.ledger.EntryByID(r.Context(), rc.EntryID)
	if err != nil {
		return err
	}
	bundle, _, err := s.platform.Translog.Prove(r.Context(), translog.LedgerSource(rc.EntryID),
		translog.LedgerOpening(s.platform.CommitKey, e.Key))
	if errors.Is(err, translog.ErrNotLogged) {
		return apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+no+`.tlog-proof"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex")
	_, err = w.Write(bundle)
	return err
}
