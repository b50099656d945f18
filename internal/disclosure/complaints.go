package disclosure

import (
	"github.com/carefund/carefund/internal/complaint"
)

// ComplaintEvents are the timeline's events of a request's published
// complaint responses (R-DISC-2): Text is the response, StateKey the
// outcome's catalog key; the page shows the dispute routes next to each
// (R-DISP-1). Ref orders responses closed at the same moment by their
// position in rs, newest first as complaint.Service.Responses returns them.
func ComplaintEvents(rs []complaint.PublicResponse) []Event {
	out := make([]Event, 0, len(rs))
	for i, r := range rs {
		out = append(out, Event{At: r.At, Kind: EventComplaint, Text: r.Response, StateKey: r.Outcome.Key(), Ref: int64(len(rs) - i)})
	}
	return out
}
