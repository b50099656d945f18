package campaign

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/carefund/carefund/internal/store"
)

// RecordDevice notes that request id was worked on from the device with
// blind index deviceIndex (R-RISK-1: the relationship network). Recording
// the same device again changes nothing; an empty index is ignored.
func (s Store) RecordDevice(ctx context.Context, tx *store.Tx, id int64, deviceIndex string) error {
	if deviceIndex == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO request_devices (request_id, device_index, first_seen)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, deviceIndex, tx.Now.UnixMicro()); err != nil {
		return fmt.Errorf("campaign: recording a device of request %d: %w", id, err)
	}
	return nil
}

// Devices returns the blind indexes of the devices request id was worked on
// from, in index order.
func (s Store) Devices(ctx context.Context, tx *store.Tx, id int64) ([]string, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (string, error) {
		var d string
		err := rows.Scan(&d)
		return d, err
	}, `SELECT device_index FROM request_devices WHERE request_id = $1 ORDER BY device_index`, id)
}
