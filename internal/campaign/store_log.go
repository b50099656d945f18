package campaign

import (
	"context"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
)

// logVersion adds version v of request id to the transparency log in tx,
// the transaction that publishes it (issue 17): the digest of its public
// text, nothing else. Its source names the request and the version, so a
// version is logged once.
func logVersion(ctx context.Context, tx *store.Tx, id int64, v int, pub Published) error {
	source := translog.RequestSource(id, v)
	data, err := translog.Record{
		Type:    translog.TypeRequestVersion,
		Source:  source,
		At:      tx.Now.Unix(),
		Request: &translog.Request{ID: id, Version: v, SHA256: PublicDigest(pub)},
	}.Data()
	if err != nil {
		return err
	}
	return translog.Enqueue(ctx, tx, translog.Pending{Source: source, Data: data})
}
