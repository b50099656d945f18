package identity_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/aliyun/aliyuntest"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/identity"
	"github.com/carefund/carefund/internal/tencentcloud/tencentcloudtest"
)

const (
	known   = "110101199003074477"
	unknown = "110101199003071671"
	none    = "44030119800101123X"
)

func id(t *testing.T, n string) idcard.ID {
	t.Helper()
	v, err := idcard.Parse(n, time.Now())
	if err != nil {
		t.Fatalf("%s: %v", n, err)
	}
	return v
}

type verifier interface {
	Verify(ctx context.Context, name string, id idcard.ID) (bool, string, error)
}

func check(t *testing.T, v verifier, name string, number idcard.ID, wantOK bool, wantReason string) {
	t.Helper()
	ok, reason, err := v.Verify(context.Background(), name, number)
	if err != nil || ok != wantOK || !strings.Contains(reason, wantReason) {
		t.Errorf("%s: %v %q %v, want %v %q", name, ok, reason, err, wantOK, wantReason)
	}
	if strings.Contains(reason, name) || strings.Contains(reason, number.Number) {
		t.Errorf("the reason %q holds personal data", reason)
	}
}

// TestIdentityTencent: R-ACC-1 checks through the Tencent fake: a match,
// a mismatch, no record; throttling and a reply that never comes are
// errors, never mismatches.
func TestIdentityTencent(t *testing.T) {
	f := tencentcloudtest.New(t)
	f.AddPerson("张三", known)
	f.NoRecord(none)
	v := identity.Tencent{Client: f.Client()}
	check(t, v, "张三", id(t, known), true, "match")
	check(t, v, "李四", id(t, known), false, "do not match")
	check(t, v, "张三", id(t, unknown), false, "do not match")
	check(t, v, "张三", id(t, none), false, "no such number")
	f.FailNext("RequestLimitExceeded")
	unavailable(t, v, id(t, known))
	f.FailNext("FailedOperation.UnKnown")
	unavailable(t, v, id(t, known))
	c := f.Client()
	c.HTTP.Timeout = 50 * time.Millisecond // the stall below never answers: the timeout ends it
	f.StallNext()
	unavailable(t, identity.Tencent{Client: c}, id(t, known))
}

// TestIdentityAliyun does the same through the Alibaba Cloud fake.
func TestIdentityAliyun(t *testing.T) {
	f := aliyuntest.New(t)
	f.AddPerson("张三", known)
	f.NoRecord(none)
	v := identity.Aliyun{Client: f.Client()}
	check(t, v, "张三", id(t, known), true, "match")
	check(t, v, "李四", id(t, known), false, "do not match")
	check(t, v, "张三", id(t, none), false, "no such number")
	f.FailNext("Throttling")
	unavailable(t, v, id(t, known))
	f.FailNext("ServiceUnavailable")
	unavailable(t, v, id(t, known))
}

func unavailable(t *testing.T, v verifier, n idcard.ID) {
	t.Helper()
	ok, reason, err := v.Verify(context.Background(), "张三", n)
	if !errors.Is(err, identity.ErrUnavailable) || ok || reason != "" {
		t.Errorf("provider failure gave %v %q %v, want ErrUnavailable and no answer", ok, reason, err)
	}
	if err != nil && (strings.Contains(err.Error(), n.Number) || strings.Contains(err.Error(), "张三")) {
		t.Errorf("the error holds personal data: %v", err)
	}
}

func TestIdentityResultTables(t *testing.T) {
	for _, c := range []struct {
		res     string
		ok, err bool
	}{{"0", true, false}, {"-1", false, false}, {"-2", false, false}, {"-3", false, false}, {"-5", false, false},
		{"-4", false, true}, {"-6", false, true}, {"", false, true}} {
		ok, _, err := identity.TencentResult(c.res)
		if ok != c.ok || (err != nil) != c.err {
			t.Errorf("tencent %q: %v %v", c.res, ok, err)
		}
	}
	for _, c := range []struct {
		res     string
		ok, err bool
	}{{"1", true, false}, {"2", false, false}, {"3", false, false}, {"4", false, true}, {"", false, true}} {
		ok, _, err := identity.AliyunResult(c.res)
		if ok != c.ok || (err != nil) != c.err {
			t.Errorf("aliyun %q: %v %v", c.res, ok, err)
		}
	}
}
