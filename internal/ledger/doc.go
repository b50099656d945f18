// Package ledger is the custody ledger: every yuan the platform holds, in
// integer fen, double-entry, on SQLite or PostgreSQL (R-FUND-1).
//
// An entry is two or more postings that sum to zero; account balances change
// in the same transaction as the entry that moves them; entries are never
// updated or deleted (the database refuses), and a mistake is undone by a
// reversing entry. Every entry carries an idempotency key, unique in the
// database, so whatever comes from outside is applied exactly once (R-DON-1).
//
// Posting is group-committed: concurrent Post calls are gathered into one
// transaction, checked one after another against the balances in memory
// (an overdraft refuses that entry only), written with a few multi-row
// statements and made durable with one sync. Each caller is answered only
// after its batch has committed. If the transaction itself fails, nobody in
// the batch is told it succeeded: each entry is retried in a transaction of
// its own and answered with its own outcome.
package ledger
