package retention

import (
	"testing"
	"time"
)

// TestDue (R-PII-2): personal data is due three years (or the configured
// longer period) after the request completes, to the day, and never sooner
// however the period is set.
func TestDue(t *testing.T) {
	completed := time.Date(2023, 3, 15, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name  string
		years int
		now   time.Time
		want  bool
	}{
		{"three years less a day", 3, time.Date(2026, 3, 14, 10, 30, 0, 0, time.UTC), false},
		{"three years less a microsecond", 3, time.Date(2026, 3, 15, 10, 29, 59, 999999000, time.UTC), false},
		{"three years to the microsecond", 3, time.Date(2026, 3, 15, 10, 30, 0, 0, time.UTC), true},
		{"three years and a day", 3, time.Date(2026, 3, 16, 10, 30, 0, 0, time.UTC), true},
		{"two years configured count as three", 2, time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC), false},
		{"zero years configured count as three", 0, time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), false},
		{"five years: not at three", 5, time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), false},
		{"five years: at five", 5, time.Date(2028, 3, 15, 10, 30, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsDue(completed, tt.now, tt.years); got != tt.want {
				t.Errorf("IsDue(%s, %s, %d) = %v, want %v (due %s)", completed, tt.now, tt.years, got, tt.want, Due(completed, tt.years))
			}
		})
	}
	// A request completed on 29 February is due on 1 March three years on:
	// never before three full years.
	leap := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	if got, want := Due(leap, 3), time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Due(29 Feb 2024) = %s, want %s", got, want)
	}
}

// TestDormant (R-PII-2): an account keeps its phone and real name while
// someone signed in to it within the retention period.
func TestDormant(t *testing.T) {
	signedIn := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	if Dormant(signedIn, signedIn.AddDate(3, 0, -1), 3) {
		t.Error("an account used less than three years ago is dormant")
	}
	if !Dormant(signedIn, signedIn.AddDate(3, 0, 1), 3) {
		t.Error("an account unused for three years and a day is not dormant")
	}
}

// TestTombstoneIndex: the index a row keeps is unique to the row, and the
// same however often it is computed (a unique column takes it, and a
// second run writes the same).
func TestTombstoneIndex(t *testing.T) {
	seen := map[string]bool{}
	for _, table := range []string{"users", "identities", "payouts"} {
		for id := int64(1); id <= 50; id++ {
			v := TombstoneIndex(table, id)
			if len(v) != 64 || seen[v] || v != TombstoneIndex(table, id) {
				t.Fatalf("TombstoneIndex(%s, %d) = %q: not 64 hex digits, not unique or not stable", table, id, v)
			}
			seen[v] = true
		}
	}
}
