package campaign

import (
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// CapFen is the most a single request may raise without more proof: ¥500,000
// (R-REQ-4, self-discipline convention 2.0).
const CapFen money.Fen = 500_000_00

// NeedsCertificate reports whether a request with this target needs a written
// certificate from a qualified medical institution, reviewed and published
// before the fundraising channel opens: when it is above CapFen (R-REQ-4).
// Exactly ¥500,000 is within the cap.
func NeedsCertificate(target money.Fen) bool { return target > CapFen }

// NeedsExpenseList reports whether a request needs a list of medical
// expenses: when it is not the first for its patient and its target is above
// CapFen (R-REQ-5). earlierRequests counts the patient's earlier requests on
// the platform that were published, whatever became of them.
func NeedsExpenseList(target money.Fen, earlierRequests int) bool {
	return earlierRequests > 0 && target > CapFen
}

// Message keys of the errors CanOpenFundraising returns.
const (
	KeyCertificateMissing     = "campaign.certificate_missing"
	KeyCertificateUnpublished = "campaign.certificate_unpublished"
	KeyExpenseListMissing     = "campaign.expense_list_missing"
)

// Opening is what must be known about an approved request before its
// fundraising channel opens.
type Opening struct {
	Target money.Fen
	// EarlierRequests counts the patient's earlier published requests
	// (see NeedsExpenseList).
	EarlierRequests int
	// CertificateReviewed and CertificatePublished record the medical
	// institution's certificate a target above CapFen needs (R-REQ-4).
	CertificateReviewed  bool
	CertificatePublished bool
	// ExpenseListReviewed records the list of medical expenses a second
	// request above CapFen needs (R-REQ-5).
	ExpenseListReviewed bool
}

// CanOpenFundraising returns nil when the fundraising channel may open, or an
// *apperr.Error with Code apperr.Conflict saying what is still missing: the
// reviewed certificate, its publication (R-REQ-4), or the reviewed expense
// list (R-REQ-5). The request must also be approved: Transition checks that.
func CanOpenFundraising(o Opening) error {
	if NeedsCertificate(o.Target) {
		if !o.CertificateReviewed {
			return apperr.New(apperr.Conflict, KeyCertificateMissing)
		}
		if !o.CertificatePublished {
			return apperr.New(apperr.Conflict, KeyCertificateUnpublished)
		}
	}
	if NeedsExpenseList(o.Target, o.EarlierRequests) && !o.ExpenseListReviewed {
		return apperr.New(apperr.Conflict, KeyExpenseListMissing)
	}
	return nil
}
