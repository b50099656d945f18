package review

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/screen"
	"github.com/carefund/carefund/internal/store"
)

// Screen runs the machine pre-screen (screen.Default) on submitted request
// id, stores its result and moves the request: submitted → screening →
// in_review, or → rejected when the level is screen.Blocked. The rejection's
// event records only the reasons the requester may see; the staff-only ones
// (who is blacklisted and why, which other request) stay in the screening.
//
// The declared costs are taken to be the target until cost estimates are
// filed as material of their own, so the target-above-costs check never
// fires yet. It returns apperr.NotFound, or apperr.Conflict
// campaign.KeyTransition when the request is not submitted.
func Screen(ctx context.Context, tx *store.Tx, cs campaign.Store, id int64, actor string) (screen.Result, error) {
	req, err := cs.Apply(ctx, tx, id, campaign.Screen, actor, "")
	if err != nil {
		return screen.Result{}, err
	}
	res, err := run(ctx, tx, cs, req, actor)
	if err != nil {
		return screen.Result{}, err
	}
	ev, reason := campaign.ScreenPass, ""
	if res.Level == screen.Blocked {
		ev, reason = campaign.ScreenReject, publicKeys(res)
	}
	if _, err := cs.Apply(ctx, tx, id, ev, actor, reason); err != nil {
		return screen.Result{}, err
	}
	return res, nil
}

// Rescreen runs the machine pre-screen again on request id, in review
// after the publisher answered a request for information: the answer may
// change the patient or the story, so the screen sees it before a reviewer
// does (R-REV-1, R-BL-1). The new screening is stored next to the old one,
// and a request the screen blocks is rejected as Screen rejects it. It
// returns apperr.NotFound, or apperr.Conflict campaign.KeyTransition when the
// request is not in review.
func Rescreen(ctx context.Context, tx *store.Tx, cs campaign.Store, id int64, actor string) (screen.Result, error) {
	req, err := cs.Get(ctx, tx, id)
	if err != nil {
		return screen.Result{}, err
	}
	if req.State != campaign.InReview {
		return screen.Result{}, apperr.New(apperr.Conflict, campaign.KeyTransition)
	}
	res, err := run(ctx, tx, cs, req, actor)
	if err != nil {
		return screen.Result{}, err
	}
	if res.Level == screen.Blocked {
		if err := release(ctx, tx, id); err != nil {
			return screen.Result{}, err
		}
		if _, err := cs.Apply(ctx, tx, id, campaign.Reject, actor, publicKeys(res)); err != nil {
			return screen.Result{}, err
		}
	}
	return res, nil
}

// run runs the screens on req and stores the result. The declared costs are
// the hospital's estimate the publisher filed (Filing.EstimatedCosts).
func run(ctx context.Context, tx *store.Tx, cs campaign.Store, req campaign.Request, actor string) (screen.Result, error) {
	id := req.ID
	idIndex, phoneIndex, err := publisherIndexes(ctx, tx, req.PublisherUserID)
	if err != nil {
		return screen.Result{}, err
	}
	devices, err := cs.Devices(ctx, tx, id)
	if err != nil {
		return screen.Result{}, err
	}
	s := screen.Subject{
		DeviceIDs:      devices,
		RequestID:      id,
		PatientIndex:   req.PatientIndex,
		PublisherIndex: idIndex,
		PhoneIndexes:   []string{phoneIndex},
		Target:         req.Filing.Target,
		DeclaredCosts:  req.Filing.EstimatedCosts,
		Texts:          publicTexts(req.Filing),
	}
	for _, u := range req.Filing.Use {
		s.Use = append(s.Use, u.Amount)
	}
	res, err := screen.Run(screen.Default(), s, StoreFacts{Ctx: ctx, Tx: tx, Store: cs})
	if err != nil {
		return screen.Result{}, fmt.Errorf("review: screening request %d: %w", id, err)
	}
	verdicts, err := json.Marshal(res.Verdicts)
	if err != nil {
		return screen.Result{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO review_screenings (request_id, verdicts, score, level, actor, at)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, string(verdicts), res.Score, string(res.Level), actor, tx.Now.UnixMicro()); err != nil {
		return screen.Result{}, fmt.Errorf("review: storing the screening of request %d: %w", id, err)
	}
	return res, nil
}

// LastScreening returns the newest screening of request id, or
// apperr.NotFound KeyNotScreened. Its reasons include the staff-only ones:
// Result.Reasons(false) is what the requester may see.
func LastScreening(ctx context.Context, tx *store.Tx, id int64) (Screening, error) {
	var s Screening
	var verdicts, level string
	var at int64
	err := tx.QueryRowContext(ctx, `SELECT id, verdicts, score, level, actor, at FROM review_screenings
		WHERE request_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&s.ID, &verdicts, &s.Score, &level, &s.Actor, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Screening{}, apperr.New(apperr.NotFound, KeyNotScreened)
	}
	if err != nil {
		return Screening{}, err
	}
	if err := json.Unmarshal([]byte(verdicts), &s.Verdicts); err != nil {
		return Screening{}, fmt.Errorf("review: screening %d: %w", s.ID, err)
	}
	s.Level, s.At = screen.Level(level), time.UnixMicro(at).UTC()
	return s, nil
}
