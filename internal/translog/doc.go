// Package translog is carefund's transparency log (issue 17): every money
// event, every published version of a request, every rules document
// version, every blacklist change and the staff audit chain's head, in a
// Merkle tree served as the C2SP tlog-tiles specification says, under
// checkpoints signed as C2SP signed-note and tlog-checkpoint say and
// cosigned by witnesses (tlog-witness), so that any donor can check what
// the platform published without trusting it.
//
// An event's transaction adds its record to the outbox (Enqueue); the
// integrator moves what is pending into the tree in one transaction and
// signs a new checkpoint. Records carry no personal data (record.go).
package translog
