package staff

import (
	"strings"
	"testing"
	"time"
)

// R-ACC-2: TOTP matches RFC 6238 Appendix B (the SHA-1 vectors, 8 digits).
func TestTOTPRFC6238(t *testing.T) {
	secret := []byte("12345678901234567890")
	tests := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := totpAt(secret, time.Unix(tt.unix, 0), 8); got != tt.want {
				t.Errorf("TOTP at %d = %s, want %s", tt.unix, got, tt.want)
			}
		})
	}
	// RFC 4226 Appendix D: the 6-digit HOTP values for counters 0 and 1.
	if got := hotp(secret, 0, 6); got != "755224" {
		t.Errorf("HOTP(0) = %s, want 755224", got)
	}
	if got := hotp(secret, 1, 6); got != "287082" {
		t.Errorf("HOTP(1) = %s, want 287082", got)
	}
}

// R-ACC-2: a code is accepted one step either side of now, not two, and not
// at or before the step last used.
func TestTOTPWindow(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	step := totpStep(now)
	at := func(steps int64) string { return hotp(secret, uint64(step+steps), totpDigits) }
	tests := []struct {
		name   string
		code   string
		last   int64
		ok     bool
		wantAt int64
	}{
		{"now", at(0), 0, true, step},
		{"one step early", at(-1), 0, true, step - 1},
		{"one step late", at(1), 0, true, step + 1},
		{"two steps early", at(-2), 0, false, 0},
		{"two steps late", at(2), 0, false, 0},
		{"replay of now", at(0), step, false, 0},
		{"older than last used", at(-1), step, false, 0},
		{"newer than last used", at(1), step, true, step + 1},
		{"letters", "abcdef", 0, false, 0},
		{"short", at(0)[:5], 0, false, 0},
		{"eight digits", totpAt(secret, now, 8), 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := matchTOTP(secret, tt.code, now, tt.last)
			if ok != tt.ok || got != tt.wantAt {
				t.Errorf("matchTOTP(%q, last %d) = %d, %v; want %d, %v", tt.code, tt.last, got, ok, tt.wantAt, tt.ok)
			}
		})
	}
}

func TestEnrolmentURI(t *testing.T) {
	uri := enrolmentURI("alice", []byte("12345678901234567890"))
	for _, want := range []string{"otpauth://totp/carefund:alice?", "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "issuer=carefund", "digits=6", "period=30", "algorithm=SHA1"} {
		if !strings.Contains(uri, want) {
			t.Errorf("%s lacks %s", uri, want)
		}
	}
}

// FuzzTOTPCode: the authenticator code parser returns only ASCII digits,
// at most totpDigits of them, that parse to themselves; matchTOTP never
// accepts anything but the code of a step in the window after last, and
// always accepts the current code however it is spaced.
func FuzzTOTPCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "１２３ ４５６", "12-34-56", "\t123456\n", "1234567", "12345", "abcdef", "١٢٣٤٥٦", "\xff", ""} {
		f.Add(s, int64(1_700_000_000), int64(0))
	}
	secret := []byte("12345678901234567890")
	f.Fuzz(func(t *testing.T, s string, unix, last int64) {
		code := parseTOTPCode(s)
		if len(code) > totpDigits || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("parseTOTPCode(%q) = %q", s, code)
		}
		if code != "" && parseTOTPCode(code) != code {
			t.Fatalf("parseTOTPCode(%q) = %q: not a fixed point", code, parseTOTPCode(code))
		}
		if unix < 0 || unix > 1<<40 {
			return
		}
		now := time.Unix(unix, 0)
		step, ok := matchTOTP(secret, code, now, last)
		if ok {
			if d := step - totpStep(now); d < -totpSkew || d > totpSkew || step <= last || step <= 0 {
				t.Fatalf("matched step %d at %v after %d", step, now, last)
			}
			if hotp(secret, uint64(step), totpDigits) != code {
				t.Fatalf("matched %q against step %d whose code is %q", code, step, hotp(secret, uint64(step), totpDigits))
			}
		}
		cur := CodeAt(secret, now)
		spaced := cur[:3] + " " + cur[3:]
		if _, ok := matchTOTP(secret, parseTOTPCode(spaced), now, totpStep(now)-totpSkew-1); !ok && totpStep(now) > totpSkew {
			t.Fatalf("the current code %q at %v is refused", spaced, now)
		}
	})
}
