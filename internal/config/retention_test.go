package config

import (
	"strings"
	"testing"
)

// TestRetentionYears: the retention period is configurable, never shorter
// than the law's three years (R-PII-2).
func TestRetentionYears(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want int    // the years, when valid
		err  string // "" for valid
	}{
		{nil, nil, 3, ""},
		{[]string{"--retention-years", "5"}, nil, 5, ""},
		{nil, map[string]string{"CAREFUND_RETENTION_YEARS": "4"}, 4, ""},
		{[]string{"--retention-years", "2"}, nil, 0, "--retention-years 2"},
		{nil, map[string]string{"CAREFUND_RETENTION_YEARS": "2"}, 0, "--retention-years 2"},
		{[]string{"--retention-years", "0"}, nil, 0, "at least 3 years"},
		{[]string{"--retention-years", "-3"}, nil, 0, "--retention-years -3"},
		{[]string{"--retention-years", "101"}, nil, 0, "--retention-years 101"},
	}
	for _, tt := range tests {
		c, err := parse(tt.args, tt.env)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%v %v: %v", tt.args, tt.env, err)
		case tt.err == "" && c.RetentionYears != tt.want:
			t.Errorf("%v %v: %d years, want %d", tt.args, tt.env, c.RetentionYears, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%v %v: error %v, want %q", tt.args, tt.env, err, tt.err)
		}
	}
}
