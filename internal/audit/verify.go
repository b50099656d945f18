package audit

import (
	"fmt"
)

// The reasons a BrokenError gives.
const (
	ReasonHash     = "hash does not match its content"
	ReasonPrevHash = "its previous hash does not match the entry before it"
	ReasonGap      = "entry is missing (a gap in the sequence)"
	ReasonHead     = "the head of the chain does not match the last entry"
)

// BrokenError names the first broken link of the chain.
type BrokenError struct {
	Seq    int64  // the entry where the chain breaks
	Reason string // one of the Reason constants
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", e.Seq, e.Reason)
}

// Summary is what Verify checked.
type Summary struct {
	Entries int64  // how many entries the chain holds
	Head    string // the last entry's hash; ZeroHash for an empty log
	// Anchors counts the anchors the chain passes through: the heads
	// logged in the transparency log and those Verify was given.
	Anchors int
}
