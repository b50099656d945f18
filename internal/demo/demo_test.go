package demo

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func TestLoadOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, want := range []bool{true, false} {
			loaded, err := Load(ctx, db)
			if err != nil || loaded != want {
				t.Errorf("Load #%d = %v, %v; want %v", i+1, loaded, err, want)
			}
		}
	})
}
