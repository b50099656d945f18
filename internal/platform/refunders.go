package platform

import (
	"context"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/termination"
)

// NoRefundRun is the refund run reference of a termination that had nothing
// left to give back: every yuan was paid out (and is now to be recovered,
// each recovery refunded as it comes).
const NoRefundRun = "none"

// terminationRefunder starts the refund run of a terminated request
// (R-REF-2) through the refund service.
type terminationRefunder struct{ s *refund.Service }

func (a terminationRefunder) StartRun(ctx context.Context, in termination.RefundInput) (string, error) {
	run, err := a.s.StartRun(ctx, refund.RunInput{RequestID: in.RequestID, Cause: refund.CauseTerminated, Amount: in.Amount,
		Reason: in.Reason, Actor: in.Actor, Key: in.Key})
	if e := apperr.As(err); e != nil && e.Key == refund.KeyNothing {
		return NoRefundRun, nil
	}
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(run.ID, 10), nil
}

// recoveryRefunder refunds money recovered after fraud as it arrives
// (R-REF-2) through the refund service.
type recoveryRefunder struct{ s *refund.Service }

func (a recoveryRefunder) StartRecoveryRun(ctx context.Context, r reconcile.RefundRun) error {
	_, err := a.s.StartRun(ctx, refund.RunInput{RequestID: r.RequestID, Cause: refund.CauseRecovery, Amount: r.Amount,
		Reason: "recovered money", Actor: r.Actor, Key: r.Key})
	return err
}
