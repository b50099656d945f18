package server

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from SQLite's answers")

// The golden files hold what the public and API clients receive, so that a
// change to public output shows in review as a change to a file in
// testdata/golden. The run is deterministic: the server's clock and the
// database's stand still and move only when the test moves them; what
// cannot be fixed (the ids a database hands out, random order numbers) is
// replaced by a name. Both databases must give the same files: -update
// writes SQLite's answers, and PostgreSQL's are compared with them.

// goldenStart is the moment the golden run begins, in China Standard Time's
// morning.
var goldenStart = time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)

// goldenClock is a clock that moves only when told to.
type goldenClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *goldenClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *goldenClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// golden is one run: the server, its clock, and the names of what it handed
// out.
type golden struct {
	f     *fixture
	clock *goldenClock
	dir   string
	write bool
	ids   map[string]map[int64]string // JSON member → id → name
	names []goldenName                // texts replaced everywhere, longest first
}

type goldenName struct{ re, name string }

// newGolden starts a server on db with the clock fixed at goldenStart, a
// signed-in user and a reviewer.
func newGolden(t *testing.T, db *store.DB) *golden {
	t.Helper()
	clock := &goldenClock{now: goldenStart}
	db.SetClock(clock.Now)
	sms := &account.LogSender{}
	s, err := New(Options{Platform: newPlatform(t, platform.Config{DB: db, SMS: sms, PublicURL: "https://carefund.example",
		Now: clock.Now}), Version: "test", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	checkAPI(t, s)
	f := &fixture{s: s, db: db, sms: sms, staff: map[staff.Role]string{}, ids: map[staff.Role]int64{}}
	f.user, f.userID = f.signInUser(t, "13800138000")
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *store.Tx) error {
		m, _, err := staff.Create(ctx, tx, s.platform.Sealer, "u-reviewer", staff.Reviewer, fixturePassword)
		f.ids[staff.Reviewer] = m.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	g := &golden{f: f, clock: clock, dir: filepath.Join("testdata", "golden"),
		write: *update && db.Dialect() == store.SQLite, ids: map[string]map[int64]string{}}
	g.id("user_id", f.userID, "{publisher}")
	return g
}

// id names an id the database handed out, wherever member holds it.
func (g *golden) id(member string, id int64, name string) {
	if g.ids[member] == nil {
		g.ids[member] = map[int64]string{}
	}
	g.ids[member][id] = name
	if strings.Contains(name, "request") {
		// Pages and URLs name a request by its id too.
		g.names = append(g.names, goldenName{`(/requests/|request=)` + strconv.FormatInt(id, 10) + `\b`, "${1}" + name})
	}
}

// text names a text that differs on every run, such as an order number.
func (g *golden) text(s, name string) {
	g.names = append(g.names, goldenName{regexp.QuoteMeta(s), name})
}

// do sends a request as the user when token is set.
func (g *golden) do(t *testing.T, method, target, body, token string) (*http.Response, []byte) {
	t.Helper()
	header := []string{"Accept-Language", "zh-CN"}
	if body != "" {
		header = append(header, "Content-Type", "application/json")
	}
	if token != "" {
		header = append(header, "Cookie", userCookie+"="+token)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	resp := do(g.f.s.Handler(), method, target, rd, header...)
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

var (
	goldenIDMember = regexp.MustCompile(`"(id|user_id|request_id|donation_id)":(\d+)`)
	goldenVersion  = regexp.MustCompile(`\?v=[0-9a-f]+`)
	goldenCheckout = regexp.MustCompile(`(/sandbox/checkout/[^"?]+\?t=)[A-Za-z0-9_-]+`)
)

// scrub replaces what the run cannot fix by its name, and fails on an id
// it has no name for: such an id differs between the databases.
func (g *golden) scrub(t *testing.T, b []byte) []byte {
	t.Helper()
	s := goldenIDMember.ReplaceAllStringFunc(string(b), func(m string) string {
		sub := goldenIDMember.FindStringSubmatch(m)
		id, _ := strconv.ParseInt(sub[2], 10, 64)
		name, ok := g.ids[sub[1]][id]
		if !ok {
			t.Errorf("%s %d has no name in the golden run", sub[1], id)
			return m
		}
		return `"` + sub[1] + `":"` + name + `"`
	})
	for _, n := range g.names {
		s = regexp.MustCompile(n.re).ReplaceAllString(s, n.name)
	}
	// The stylesheet's and scripts' versions change with their content,
	// which the golden page is not about.
	s = goldenVersion.ReplaceAllString(s, "?v={version}")
	// The sandbox's checkout carries a random one-time token.
	return []byte(goldenCheckout.ReplaceAllString(s, "${1}{token}"))
}

// check compares one response with its golden file, or writes the file.
func (g *golden) check(t *testing.T, name string, resp *http.Response, body []byte) {
	t.Helper()
	var out bytes.Buffer
	out.WriteString(strconv.Itoa(resp.StatusCode) + " " + resp.Header.Get("Content-Type") + "\n")
	scrubbed := g.scrub(t, body)
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Indent(&out, scrubbed, "", "  "); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, body)
		}
		out.WriteString("\n")
	} else {
		out.Write(scrubbed)
	}
	path := filepath.Join(g.dir, name)
	if g.write {
		if err := os.MkdirAll(g.dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to write it)", err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("%s differs from its golden file (go test -run TestGolden -update rewrites it after review):\n%s",
			name, firstDifference(string(want), got))
	}
}

// firstDifference shows the first line at which want and got differ.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + wl + "\ngot:  " + gl
		}
	}
	return ""
}

// TestGolden records the public request page of a fundraising request with
// donations and the API's answers about it, its donor's order and its
// publisher, and compares them with testdata/golden.
func TestGolden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := newGolden(t, db)
		f := g.f
		f.verify(t, f.userID, "张小明", "11010519491231002X")

		// A second request, published first and still fundraising, so the
		// list shows its order.
		other := testFiling()
		other.Title = "为父亲筹集肺癌化疗费用"
		other.Relationship, other.PatientName, other.PatientID = campaign.Child, "李建国", "110101198003070033"
		older := f.publish(t, other, 0)
		g.id("id", older, "{older-request}")
		g.clock.advance(time.Hour)
		id := f.publish(t, testFiling(), 0)
		g.id("id", id, "{request}")
		g.id("request_id", id, "{request}")

		// Two donations through the donation service, as the provider's
		// notifications confirm them, an hour apart.
		_, donorID := f.signInUser(t, "13900139001")
		g.id("user_id", donorID, "{donor}")
		g.clock.advance(time.Hour)
		o1 := f.ppGive(t, id, ppDonation{amount: "100", donor: donorID, message: "早日康复，加油！"})
		g.text(o1.OrderNo, "{order-1}")
		g.clock.advance(time.Hour)
		o2 := f.ppGive(t, id, ppDonation{amount: "20.50", anonymous: true})
		g.text(o2.OrderNo, "{order-2}")
		g.clock.advance(time.Hour)

		// A donation order placed through the API, paid.
		donor, _ := f.signInUser(t, "13900139002")
		resp, body := g.do(t, "POST", "/api/v1/requests/"+itoa(id)+"/donations",
			`{"amount":"50","anonymous":false,"message":"一点心意","client_token":"golden-order-3","agree_rules":`+agreeJSON(t, f.s)+`}`, donor)
		var order struct {
			OrderNo string `json:"order_no"`
		}
		if err := json.Unmarshal(body, &order); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("placing an order: %d %s", resp.StatusCode, body)
		}
		g.text(order.OrderNo, "{order-3}")
		g.check(t, "api_donation_order.golden", resp, body)
		g.clock.advance(time.Minute)
		if out, err := f.s.donations.Confirm(context.Background(), payment.Payment{Provider: "sandbox", Merchant: "sandbox",
			OrderID: order.OrderNo, TransactionID: "golden-tx-3", Amount: 5000, State: payment.Paid, PaidAt: g.clock.Now()}); err != nil || out.DonationID == 0 {
			t.Fatalf("confirming the order: %+v, %v", out, err)
		}
		g.clock.advance(time.Minute)
		resp, body = g.do(t, "GET", "/api/v1/donations/"+order.OrderNo, "", "")
		g.check(t, "api_donation.golden", resp, body)

		// What the public sees.
		resp, body = g.do(t, "GET", "/api/v1/requests", "", "")
		g.check(t, "api_requests.golden", resp, body)
		resp, body = g.do(t, "GET", "/api/v1/requests/"+itoa(id), "", "")
		g.check(t, "api_request.golden", resp, body)
		resp, body = g.do(t, "GET", requestURL(id), "", "")
		g.check(t, "request_page.golden.html", resp, body)

		// What the publisher sees.
		resp, body = g.do(t, "GET", "/api/v1/me", "", f.user)
		g.check(t, "api_me.golden", resp, body)
		resp, body = g.do(t, "GET", "/api/v1/my/requests/"+itoa(id), "", f.user)
		g.check(t, "api_my_request.golden", resp, body)

		// A refusal naming the fields at fault.
		resp, body = g.do(t, "POST", "/api/v1/requests/"+itoa(id)+"/donations",
			`{"amount":"0.5","message":"","client_token":"golden-order-4"}`, "")
		g.check(t, "api_problem_422.golden", resp, body)
	})
}
