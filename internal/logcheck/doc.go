// Package logcheck audits the platform's transparency log from outside,
// trusting nothing the platform says: it checks the checkpoint's signature
// and its witnesses' cosignatures, that the log only grew since the last
// checkpoint the auditor remembers, re-hashes every entry against the
// checkpoint's root, and re-derives every request's public figures from the
// ledger entries to compare them with the request's public page. It also
// checks a donor's receipt (a tlog-proof bundle) offline.
//
// It speaks only the public formats (C2SP tlog-tiles, tlog-checkpoint,
// signed-note, tlog-cosignature, tlog-proof) over HTTP and imports nothing
// of the platform's but the log's record format (translog's Parse and
// Commit).
package logcheck
