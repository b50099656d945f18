package backup

import (
	"context"
	"errors"
	"fmt"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
)

// Service records key backups and answers the questions serve and restore
// ask of the database, one transaction each.
type Service struct{ DB *store.DB }

// ErrNoKeys is returned when the database is bound to no keys yet.
var ErrNoKeys = errors.New("the database has no secret keys yet")

// RecordKeyBackup records, with an audit entry by actor ("cli:<os user>"),
// that the keys of fingerprint were copied and the copy checked. It refuses
// keys that are not the database's current ones.
func (s *Service) RecordKeyBackup(ctx context.Context, fingerprint, actor string) error {
	r := audit.Record{Actor: actor, Action: "keys.backup", Object: "keys:" + fingerprint, Result: audit.ResultOK,
		Detail: "keys folder copied and checked by fingerprint"}
	return audit.Write(ctx, s.DB, r, func(tx *store.Tx) error {
		cur, err := currentFingerprint(ctx, tx)
		if err != nil {
			return err
		}
		if cur != fingerprint {
			return fmt.Errorf("the keys backed up (%s) are not the database's current keys (%s)", fingerprint, cur)
		}
		return insertKeyBackup(ctx, tx, fingerprint, actor)
	})
}

// KeysBackedUp returns the fingerprint of the database's current keys and
// whether a backup of them is recorded (ErrNoKeys if it has none).
func (s *Service) KeysBackedUp(ctx context.Context) (fingerprint string, ok bool, err error) {
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		if fingerprint, err = currentFingerprint(ctx, tx); err != nil || fingerprint == "" {
			return err
		}
		n, err := keyBackups(ctx, tx, fingerprint)
		ok = n > 0
		return err
	})
	if err == nil && fingerprint == "" {
		err = ErrNoKeys
	}
	return fingerprint, ok, err
}

// Empty reports whether the database holds no tables at all: a fresh target
// for a restore.
func (s *Service) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		n, err = userTables(ctx, tx)
		return err
	})
	return n == 0, err
}
