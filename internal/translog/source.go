package translog

import (
	"fmt"
	"strings"
)

// The sources of the records other than the ledger's (LedgerSource), as the
// contract between the log's producers names them. A source is unique in the
// log, so an event named twice fails its transaction instead of being
// logged twice.

// RequestSource is the source of version v of request id.
func RequestSource(id int64, v int) string { return fmt.Sprintf("request:%d:v%d", id, v) }

// RulesSource is the source of a rules document version reaching a public
// state: "rules:donor:1.2:effective".
func RulesSource(kind, version, state string) string {
	return "rules:" + kind + ":" + version + ":" + state
}

// BlacklistSource is the source of blacklist event id.
func BlacklistSource(id int64) string { return fmt.Sprintf("blacklist:%d", id) }

// AuditSource is the source of the audit chain's head at seq.
func AuditSource(seq int64) string { return fmt.Sprintf("audit:%d", seq) }

// sourcePrefix is the prefix of every source of a record type.
var sourcePrefix = map[string]string{
	TypeLedger:         "ledger:",
	TypeRequestVersion: "request:",
	TypeRulesVersion:   "rules:",
	TypeBlacklist:      "blacklist:",
	TypeAuditHead:      "audit:",
}

// SourcePrefix returns the prefix every source of records of type typ
// starts with, and whether typ is a record type.
func SourcePrefix(typ string) (string, bool) {
	p, ok := sourcePrefix[typ]
	return p, ok
}

// likePattern escapes a prefix for LIKE … ESCAPE '\'.
func likePattern(prefix string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(prefix) + "%"
}
