package audit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Anchor is a head of the chain recorded outside the audit log: in the
// transparency log (LogHead), or wherever an auditor noted the head that
// `carefund verify` printed. Verify checks the chain still passes through
// it. An insider who rewrites an entry must recompute every later hash and
// the head, and so changes the hash at every anchored seq from that entry
// on: the rewrite is detected at the first anchor after it.
type Anchor struct {
	Seq  int64
	Hash string // hex; a prefix of at least MinAnchorHex digits will do
	From string // where it was recorded, for the error: "transparency log (audit:12)"
}

// MinAnchorHex is the fewest hex digits of a hash an anchor may give: the
// 16 that `carefund verify` prints (64 bits, too many to forge a match).
const MinAnchorHex = 16

// ReasonAnchor and ReasonAnchorGone are the reasons an AnchorError gives.
const (
	ReasonAnchor     = "the chain's hash there differs from the head recorded in"
	ReasonAnchorGone = "the chain ends before the head recorded in"
)

// AnchorError says the chain no longer passes through an anchor: it was
// rewritten at or before Anchor.Seq, or cut short before it.
type AnchorError struct {
	Anchor Anchor
	Hash   string // the chain's hash at Anchor.Seq; "" when it ends before
}

func (e *AnchorError) Error() string {
	if e.Hash == "" {
		return fmt.Sprintf("audit log rewritten: entry %d is missing: %s %s", e.Anchor.Seq, ReasonAnchorGone, e.Anchor.From)
	}
	return fmt.Sprintf("audit log rewritten at or before entry %d: %s %s (%s, the chain has %s)",
		e.Anchor.Seq, ReasonAnchor, e.Anchor.From, short(e.Anchor.Hash), short(e.Hash))
}

func short(h string) string { return h[:min(len(h), MinAnchorHex)] }

// matches reports whether hash, as the chain holds it, is the anchor's.
func (a Anchor) matches(hash string) bool {
	return len(a.Hash) >= MinAnchorHex && strings.HasPrefix(hash, a.Hash)
}

// ErrAnchorSyntax is returned by ParseAnchor.
var ErrAnchorSyntax = errors.New("an audit head is SEQ:HASH, the entry count and at least 16 lowercase hex digits of the head hash as 'carefund verify' prints them")

// ParseAnchor reads an audit head written as SEQ:HASH ("10:3f2a…"), the
// entry count and the head hash (or its first 16 or more hex digits) that
// `carefund verify` printed, for Verify to check the chain against.
func ParseAnchor(s, from string) (Anchor, error) {
	seq, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Anchor{}, ErrAnchorSyntax
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != seq {
		return Anchor{}, ErrAnchorSyntax
	}
	if len(hash) < MinAnchorHex || len(hash) > len(ZeroHash) {
		return Anchor{}, ErrAnchorSyntax
	}
	for _, c := range hash {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return Anchor{}, ErrAnchorSyntax
		}
	}
	return Anchor{Seq: n, Hash: hash, From: from}, nil
}
