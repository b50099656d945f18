package campaign

import (
	"context"
	"fmt"

	"github.com/carefund/carefund/internal/store"
)

// DeviceIndexDomain is the blind-index domain of the device identifiers a
// browser keeps in a cookie.
const DeviceIndexDomain = "device"

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
	rows, err := tx.QueryContext(ctx, `SELECT device_index FROM request_devices WHERE request_id = $1 ORDER BY device_index`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
