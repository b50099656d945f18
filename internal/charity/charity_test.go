package charity_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func write(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) error {
	t.Helper()
	return db.Write(context.Background(), func(tx *store.Tx) error { return fn(context.Background(), tx) })
}

func mustWrite(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	if err := write(t, db, fn); err != nil {
		t.Fatal(err)
	}
}

func seed(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
		n, err = charity.Seed(ctx, tx)
		return err
	})
	return n
}

func suggest(t *testing.T, db *store.DB, diagnosis, region string, limit int) []string {
	t.Helper()
	var orgs []charity.Org
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		orgs, err = charity.Suggest(context.Background(), tx, diagnosis, region, limit)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(orgs))
	for i, o := range orgs {
		if !o.Active {
			t.Errorf("Suggest returned inactive %s", o.Name)
		}
		names[i] = strings.TrimPrefix(o.Name, charity.DemoPrefix)
	}
	return names
}

func list(t *testing.T, db *store.DB) []charity.Org {
	t.Helper()
	var orgs []charity.Org
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		orgs, err = charity.List(context.Background(), tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return orgs
}

// R-REQ-7: seeding twice adds the demo organisations once, and leaves a
// staff edit alone.
func TestSeedIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		first := seed(t, db)
		if first < 5 {
			t.Fatalf("Seed added %d organisations, want a realistic list", first)
		}
		orgs := list(t, db)
		if len(orgs) != first {
			t.Fatalf("List() has %d, Seed said %d", len(orgs), first)
		}
		for _, o := range orgs {
			if !o.IsDemo() || !strings.HasPrefix(o.URL, "https://example.org/") || !o.Active {
				t.Errorf("seeded %+v: want a marked, active demo with an example.org link", o)
			}
		}
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) error { return charity.SetActive(ctx, tx, orgs[0].ID, false) })
		if again := seed(t, db); again != 0 {
			t.Errorf("second Seed added %d", again)
		}
		after := list(t, db)
		if len(after) != first || after[0].Active {
			t.Errorf("after a second Seed: %d organisations, first active=%v", len(after), after[0].Active)
		}
	})
}

// R-REQ-7: a diagnosis keyword brings the organisations for that illness
// first, general ones after, and never an inactive one or one that does not
// serve the region.
func TestSuggest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		tests := []struct {
			name, diagnosis, region string
			limit                   int
			want                    []string
		}{
			{"Leukaemia", "急性淋巴细胞白血病（B型）", "北京市", 0, []string{"春苗儿童白血病救助基金", "益康大病医疗救助基金"}},
			{"LeukaemiaLimit", "白血病", "", 1, []string{"春苗儿童白血病救助基金"}},
			{"Lymphoma", "弥漫大B细胞淋巴瘤", "", 0, []string{"春苗儿童白血病救助基金", "晨曦肿瘤患者援助基金", "益康大病医疗救助基金"}},
			{"FullWidthEnglish", "ＬＥＵＫＥＭＩＡ", "", 0, []string{"春苗儿童白血病救助基金", "益康大病医疗救助基金"}},
			{"RegionalGeneralFirst", "骨折", "四川省成都市", 0, []string{"天府大病医疗救助基金会", "益康大病医疗救助基金"}},
			{"BothMatch", "尿毒症", "四川", 0, []string{"星光肾病透析关爱计划", "天府大病医疗救助基金会", "益康大病医疗救助基金"}},
			{"NoMatchFallsBack", "不明原因发热", "广东省", 0, []string{"益康大病医疗救助基金"}},
			{"Empty", "", "", 0, []string{"益康大病医疗救助基金"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := suggest(t, db, tt.diagnosis, tt.region, tt.limit); !slices.Equal(got, tt.want) {
					t.Errorf("Suggest(%q, %q) = %v, want %v", tt.diagnosis, tt.region, got, tt.want)
				}
			})
		}

		t.Run("InactiveNeverSuggested", func(t *testing.T) {
			var leuk charity.Org
			for _, o := range list(t, db) {
				if strings.Contains(o.Name, "白血病") {
					leuk = o
				}
			}
			mustWrite(t, db, func(ctx context.Context, tx *store.Tx) error { return charity.SetActive(ctx, tx, leuk.ID, false) })
			if got := suggest(t, db, "白血病", "", 0); slices.Contains(got, "春苗儿童白血病救助基金") {
				t.Errorf("Suggest = %v, holds the inactive organisation", got)
			}
			mustWrite(t, db, func(ctx context.Context, tx *store.Tx) error { return charity.SetActive(ctx, tx, leuk.ID, true) })
			if got := suggest(t, db, "白血病", "", 0); len(got) == 0 || got[0] != "春苗儿童白血病救助基金" {
				t.Errorf("Suggest after reactivating = %v", got)
			}
		})
	})
}

func TestCreateUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := charity.Input{Name: "（演示）测试基金", Summary: "测试", Categories: []string{"白血病、淋巴瘤", " 白血病 "},
			Regions: []string{"浙江，上海"}, URL: "https://example.org/x", Order: 5}
		var o charity.Org
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			o, err = charity.Create(ctx, tx, in)
			return err
		})
		if !slices.Equal(o.Categories, []string{"白血病", "淋巴瘤"}) || !slices.Equal(o.Regions, []string{"浙江", "上海"}) ||
			!o.Active || o.Order != 5 || o.URL != in.URL {
			t.Errorf("Create() = %+v", o)
		}
		err := write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := charity.Create(ctx, tx, in)
			return err
		})
		if apperr.CodeOf(err) != apperr.Conflict || len(apperr.As(err).Fields) != 1 || apperr.As(err).Fields[0].Field != "name" {
			t.Errorf("Create(same name) = %v, want conflict on name", err)
		}
		in.Name, in.Categories = "（演示）改名基金", nil
		mustWrite(t, db, func(ctx context.Context, tx *store.Tx) (err error) {
			o, err = charity.Update(ctx, tx, o.ID, in)
			return err
		})
		if o.Name != in.Name || !o.General() {
			t.Errorf("Update() = %+v", o)
		}
		err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := charity.Update(ctx, tx, 9999, in)
			return err
		})
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("Update(unknown) = %v, want not found", err)
		}
		err = write(t, db, func(ctx context.Context, tx *store.Tx) error { return charity.SetActive(ctx, tx, 9999, false) })
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("SetActive(unknown) = %v, want not found", err)
		}
		err = write(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM charities WHERE id = $1", o.ID)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "never") {
			t.Errorf("DELETE = %v, want refused by a trigger", err)
		}
	})
}

// R-REQ-7: the link shown to the public is https only.
func TestValidate(t *testing.T) {
	ok := charity.Input{Name: "某基金", URL: "https://example.org/apply?x=1"}
	with := func(f func(in *charity.Input)) charity.Input {
		in := ok
		f(&in)
		return in
	}
	tests := []struct {
		name   string
		in     charity.Input
		fields []string
	}{
		{"OK", ok, nil},
		{"JavaScriptURL", with(func(in *charity.Input) { in.URL = "javascript:alert(1)" }), []string{"url=charity.url_invalid"}},
		{"JavaScriptURLUpper", with(func(in *charity.Input) { in.URL = "JAVASCRIPT://example.org/%0aalert(1)" }), []string{"url=charity.url_invalid"}},
		{"HTTPURL", with(func(in *charity.Input) { in.URL = "http://example.org/" }), []string{"url=charity.url_invalid"}},
		{"DataURL", with(func(in *charity.Input) { in.URL = "data:text/html,<script>" }), []string{"url=charity.url_invalid"}},
		{"NoHost", with(func(in *charity.Input) { in.URL = "https:///path" }), []string{"url=charity.url_invalid"}},
		{"Relative", with(func(in *charity.Input) { in.URL = "//example.org/" }), []string{"url=charity.url_invalid"}},
		{"UserInfo", with(func(in *charity.Input) { in.URL = "https://bank.example@evil.example/" }), []string{"url=charity.url_invalid"}},
		{"EmptyURL", with(func(in *charity.Input) { in.URL = "" }), []string{"url=charity.url_invalid"}},
		{"NoName", with(func(in *charity.Input) { in.Name = "  " }), []string{"name=charity.name_required"}},
		{"LongName", with(func(in *charity.Input) { in.Name = strings.Repeat("名", charity.MaxName+1) }), []string{"name=charity.text_long"}},
		{"LongSummary", with(func(in *charity.Input) { in.Summary = strings.Repeat("字", charity.MaxSummary+1) }), []string{"summary=charity.text_long"}},
		{"LongKeyword", with(func(in *charity.Input) { in.Categories = []string{strings.Repeat("病", charity.MaxKeyword+1)} }), []string{"categories=charity.keyword_invalid"}},
		{"ManyRegions", with(func(in *charity.Input) {
			for i := range charity.MaxKeywords + 1 {
				in.Regions = append(in.Regions, "地区"+strings.Repeat("甲", i%20)+string(rune('A'+i%26))+string(rune('a'+i/26)))
			}
		}), []string{"regions=charity.keywords_many"}},
		{"NegativeOrder", with(func(in *charity.Input) { in.Order = -1 }), []string{"order=charity.order_invalid"}},
		{"AllWrong", charity.Input{Order: -1, URL: "http://x"}, []string{"name=charity.name_required", "url=charity.url_invalid", "order=charity.order_invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := charity.Validate(tt.in)
			if tt.fields == nil {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid {
				t.Fatalf("Validate() = %v, want invalid", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field+"="+f.Key)
				if !i18n.Has(f.Key) {
					t.Errorf("key %s has no message", f.Key)
				}
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestSplitKeywords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"白血病、淋巴瘤，再生障碍性贫血; 地中海贫血\n白血病", []string{"白血病", "淋巴瘤", "再生障碍性贫血", "地中海贫血"}},
		{" , ,", nil},
	}
	for _, tt := range tests {
		if got := charity.SplitKeywords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitKeywords(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"急性 白血病（M3）", "急性白血病m3"},
		{"ＡＬＬ", "all"},
		{"Leukaemia", "leukaemia"},
	}
	for _, tt := range tests {
		if got := charity.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSuggestMatch(f *testing.F) {
	for _, s := range []string{"", "白血病", "ＡＬＬ", "\xff", "（）"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := charity.Normalize(s)
		if charity.Normalize(n) != n {
			t.Errorf("Normalize is not idempotent on %q", s)
		}
		_ = charity.Validate(charity.Input{Name: s, URL: s, Categories: []string{s}})
	})
}
