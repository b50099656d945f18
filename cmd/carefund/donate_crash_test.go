package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/testprog"
	"github.com/carefund/carefund/internal/vault"
)

// TestDonationCrash (R-DON-1) is the crash test of donations, over HTTP:
// `carefund serve` takes donations from 64 clients at once, each placing an
// order through the API, paying it at a sandbox provider run by the test
// (with the server's signing key), and delivering the signed notification
// until it is acknowledged, some of them twice on purpose. Meanwhile the
// server is killed with SIGKILL at random moments, at least 20 times, and
// restarted on the same address; the clients retry through the downtime
// with the same client token (the double-click token makes that safe) and
// the same notification, signed afresh. It runs until at least 10,000 donations are
// acknowledged (2,000 and 8 kills with -short). Then every order the
// sandbox paid is exactly one donation, none twice and none lost; the
// totals equal their sum; and `carefund verify` passes.
func TestDonationCrash(t *testing.T) {
	bin := testprog.Binary(t)
	minDonations, minKills := 10_000, 20
	if testing.Short() {
		minDonations, minKills = 2_000, 8
		t.Logf("-short: %d donations and %d kills", minDonations, minKills)
	}
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) { donationCrash(t, bin, d.DSN, minDonations, minKills) })
	}
}

// crashTarget is the target of the request the crash test donates to: the
// most a request may raise without a certificate, far above what the test
// gives (at most maxCrashDonations of at most ¥9.99), so it never closes.
const crashTarget = campaign.CapFen

// maxCrashDonations bounds the donations the clients begin, whatever
// happens: 40,000 × ¥9.99 stays below crashTarget.
const maxCrashDonations = 40_000

// crashStall is how long the crash test lets the clients go without a
// single donation acknowledged before it gives up: longer than a restart
// may take (serverSafety), so only a test that is stuck ends this way. The
// test is bound by its progress, not by a budget for the whole run, which
// a busy machine would exhaust.
const crashStall = serverSafety + time.Minute

// donationCrash runs the crash test until minDonations are acknowledged
// and the server was killed minKills times, checks the donations, and
// returns the database (the server stopped), the keys folder and the
// server's public URL; t has failed if anything did not hold.
func donationCrash(t *testing.T, bin, dsn string, minDonations, minKills int) (db *store.DB, keysDir, base string) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)

	// An installation with one fundraising request.
	keysDir, keys, db := installation(t, dsn)
	v := vault.New(keys)
	cs := campaign.Store{Vault: v}
	var requestID int64
	err := db.Write(ctx, func(tx *store.Tx) error {
		publisher, err := campaigntest.User(ctx, tx, v, "publisher")
		if err != nil {
			return err
		}
		f := campaigntest.Filing()
		f.Target, f.EstimatedCosts = crashTarget, crashTarget
		f.Use = []campaign.UseItem{{Label: "化疗费用", Amount: crashTarget}}
		requestID, err = campaigntest.Fundraising(ctx, tx, cs, publisher, f, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The donors agree to the rules in force (R-RULES-2), as the form asks.
	agree := donorAgreement(t, ctx, db)

	// The sandbox's signing key, shared by the server and the test's own
	// sandbox, which pays the orders and signs their notifications.
	dir := t.TempDir()
	key := rand.Text() + rand.Text() // 52 bytes
	keyFile := filepath.Join(dir, "sandbox.key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sb := payment.NewSandbox(payment.SandboxConfig{Key: []byte(key), Merchant: "sandbox", ManualDelivery: true})
	defer sb.Close()

	srv := &crashServer{t: t, bin: bin, addr: freeAddr(t)}
	// The test ends when it is done, or when the clients stall.
	c := &crashClients{base: srv.base, request: requestID, sb: sb, paid: map[string]crashPayment{}, agree: agree,
		http: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	defer c.http.CloseIdleConnections()
	watching := make(chan struct{})
	defer close(watching)
	go func() {
		last, since := c.acked.Load(), time.Now()
		for {
			select {
			case <-watching:
				return
			case <-time.After(time.Second):
			}
			if n := c.acked.Load(); n != last {
				last, since = n, time.Now()
			} else if time.Since(since) > crashStall {
				cancel(fmt.Errorf("no donation acknowledged for %s (%d so far)", crashStall, n))
				return
			}
		}
	}()
	srv.base = "http://" + srv.addr
	c.base = srv.base
	srv.args = []string{"serve", "--database", dsn, "--data-dir", filepath.Join(dir, "data"), "--keys-dir", keysDir,
		"--addr", srv.addr, "--public-url", srv.base, "--sandbox-key-file", keyFile,
		"--log-format", "json", "--log-level", "warn"}
	t.Cleanup(srv.kill) // whatever happens, no server outlives the test
	if err := srv.start(ctx); err != nil {
		t.Fatal(err)
	}

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := mrand.New(mrand.NewPCG(seed, 0))
	clientCtx, stopClients := context.WithCancel(ctx)
	defer stopClients()
	var wg sync.WaitGroup
	var failed atomic.Bool
	for i := range 64 {
		wg.Go(func() {
			if err := c.run(clientCtx, i, mrand.New(mrand.NewPCG(seed, uint64(i)+1))); err != nil && !failed.Swap(true) {
				t.Errorf("client %d: %v", i, err)
				cancel(err)
			}
		})
	}

	// The kills come in bursts spread over the stream of donations: burst
	// k waits until k/minKills of minDonations are acknowledged, then kills
	// the server 50–300 ms later, once or twice, each 50–300 ms after
	// the restart, so some land while the server is busy and some while it
	// is recovering from the last kill. (Killing every 50–300 ms throughout
	// would spend most of the run restarting: a start takes 0.2–0.8 s.)
	start := time.Now()
	kills, restarting := 0, time.Duration(0)
	for k := 1; ctx.Err() == nil && (int(c.acked.Load()) < minDonations || kills < minKills); k++ {
		for due := int64(k * minDonations / minKills); ctx.Err() == nil && c.acked.Load() < due; {
			time.Sleep(5 * time.Millisecond)
		}
		for burst := 1 + rng.IntN(2); burst > 0 && ctx.Err() == nil; burst-- {
			select {
			case <-time.After(time.Duration(50+rng.IntN(251)) * time.Millisecond):
			case <-ctx.Done():
				continue
			}
			srv.kill()
			kills++
			t0 := time.Now()
			if err := srv.start(ctx); err != nil {
				t.Error(err)
				cancel(err)
			}
			restarting += time.Since(t0)
		}
	}
	// Let each client finish the donation it is in, with the server up.
	c.stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil && !failed.Load() {
		t.Errorf("not done: %v; %d donations acknowledged, %d kills", err, c.acked.Load(), kills)
	}
	if err := srv.stop(); err != nil {
		t.Error(err)
	}
	t.Logf("%d donations acknowledged in %s, %d kills with SIGKILL (restarts took %s), %d notifications delivered twice on purpose, %d requests retried",
		c.acked.Load(), elapsed.Round(time.Millisecond), kills, restarting.Round(time.Millisecond), c.dups.Load(), c.retries.Load())
	if t.Failed() {
		return db, keysDir, srv.base
	}

	checkCrashDonations(t, db, requestID, c.paid)
	verify := exec.Command(bin, "verify", "--database", dsn)
	verify.Env = testprog.Env()
	out, err := verify.CombinedOutput()
	if want := fmt.Sprintf("donations verified: %d donations (0 after their request closed) of %d paid orders", len(c.paid), len(c.paid)); err != nil || !bytes.Contains(out, []byte(want)) {
		t.Errorf("carefund verify: %v\n%s\nwant %q", err, out, want)
	}
	if kills < minKills || int(c.acked.Load()) < minDonations {
		t.Errorf("only %d kills and %d donations acknowledged", kills, c.acked.Load())
	}
	return db, keysDir, srv.base
}

// checkCrashDonations checks that every order the sandbox paid is exactly
// one donation, of the payment the sandbox made, and nothing else is.
func checkCrashDonations(t *testing.T, db *store.DB, requestID int64, paid map[string]crashPayment) {
	t.Helper()
	ctx := context.Background()
	type row struct {
		tx     string
		amount money.Fen
		state  string
	}
	got := map[string][]row{}
	var orders, donations int
	var raised money.Fen
	var counted int
	err := db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT o.order_no, o.state, d.transaction_id, d.amount_fen
			FROM donations d JOIN donation_orders o ON o.id = d.order_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var no string
			var r row
			var amount int64
			if err := rows.Scan(&no, &r.state, &r.tx, &amount); err != nil {
				return err
			}
			r.amount = money.Fen(amount)
			got[no] = append(got[no], r)
			donations++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM donation_orders").Scan(&orders); err != nil {
			return err
		}
		raised, counted, err = donation.Totals(ctx, tx, requestID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var sum money.Fen
	for no, p := range paid {
		sum += p.amount
		rs := got[no]
		switch {
		case len(rs) != 1:
			t.Errorf("order %s, paid by %s, is %d donations", no, p.tx, len(rs))
		case rs[0].tx != p.tx || rs[0].amount != p.amount || rs[0].state != donation.Paid:
			t.Errorf("order %s: donation %+v, paid %+v", no, rs[0], p)
		}
	}
	if donations != len(paid) || len(got) != len(paid) {
		t.Errorf("%d donations of %d orders; the sandbox paid %d orders", donations, len(got), len(paid))
	}
	// Every order placed was paid: a retried order is the same order.
	if orders != len(paid) {
		t.Errorf("%d orders placed; the clients paid %d", orders, len(paid))
	}
	if raised != sum || counted != len(paid) {
		t.Errorf("totals %s from %d donations; the sandbox took %s from %d", raised, counted, sum, len(paid))
	}
	l := ledger.New(db, ledger.Options{})
	defer l.Close()
	if b, err := l.Balance(ctx, "request:"+strconv.FormatInt(requestID, 10)); err != nil || b != sum {
		t.Errorf("the request's ledger account holds %s (%v); the sandbox took %s", b, err, sum)
	}
}

// crashServer is `carefund serve` as the crash test runs it: started,
// killed and started again on the same address.
type crashServer struct {
	t          *testing.T
	bin        string
	addr, base string
	metrics    string // the --metrics-addr, when args has one
	args       []string
	env        []string // added to testprog.Env()

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{} // closed when cmd has exited
	stderr *testprog.Buffer
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serverSafety bounds how long the crash tests wait for a server to become
// ready or to stop. The waits end as soon as the server is ready, or has
// exited, so this only bounds how long a hung server may hang a test: far
// longer than a start or a stop takes on a machine however busy.
const serverSafety = 5 * time.Minute

// start runs the server and waits until it answers /readyz, or until it
// exits.
func (s *crashServer) start(ctx context.Context) error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Env = append(testprog.Env(), s.env...)
	stderr := &testprog.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done, s.stderr = cmd, done, stderr
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, serverSafety)
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/readyz", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			return fmt.Errorf("carefund serve exited before it was ready: %v\n%s", cmd.ProcessState, stderr.String())
		case <-ctx.Done():
			return fmt.Errorf("carefund serve not ready within %s, or the test ended (last error %v)\n%s", serverSafety, err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// kill kills the server with SIGKILL, if it runs, and waits until it is gone.
func (s *crashServer) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// stop stops the server with SIGTERM, as an operator does, and reports
// whether it exited cleanly.
func (s *crashServer) stop() error {
	s.mu.Lock()
	cmd, done, stderr := s.cmd, s.done, s.stderr
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(serverSafety):
		s.kill()
		return fmt.Errorf("carefund serve did not stop within %s of SIGTERM\n%s", serverSafety, stderr.String())
	}
	s.mu.Lock()
	s.cmd = nil
	s.mu.Unlock()
	if !cmd.ProcessState.Success() {
		return fmt.Errorf("carefund serve exited with %v after SIGTERM\n%s", cmd.ProcessState, stderr.String())
	}
	return nil
}

// crashPayment is what the sandbox took for an order.
type crashPayment struct {
	tx     string
	amount money.Fen
}

// crashClients are the donors of the crash test and what they paid.
type crashClients struct {
	base    string
	request int64
	sb      *payment.Sandbox
	http    *http.Client
	agree   []int64 // the rules versions every order agrees to

	started atomic.Int64 // donations begun, bounded by maxCrashDonations
	stop    atomic.Bool  // no new donation once set
	acked   atomic.Int64 // donations whose notification was acknowledged
	dups    atomic.Int64 // notifications delivered again after their acknowledgement
	retries atomic.Int64 // requests sent again after an error or a 5xx

	mu   sync.Mutex
	paid map[string]crashPayment // by order number

	onAck func(orderNo string) // if set, called once an order's first notification is acknowledged
}

// run donates, one donation after another, until stop is set; it returns
// the first error that retrying cannot mend.
func (c *crashClients) run(ctx context.Context, client int, rng *mrand.Rand) error {
	for i := 0; !c.stop.Load() && c.started.Add(1) <= maxCrashDonations; i++ {
		amount := money.Fen(100 + rng.IntN(900)) // ¥1.00 to ¥9.99
		orderNo, err := c.place(ctx, fmt.Sprintf("crash-%d-%d", client, i), amount)
		if err != nil {
			return err
		}
		if _, err := c.sb.Create(ctx, payment.Order{ID: orderNo, Amount: amount,
			NotifyURL: c.base + "/pay/notify/sandbox", Description: "x"}); err != nil {
			return fmt.Errorf("sandbox create %s: %w", orderNo, err)
		}
		p, err := c.sb.Pay(ctx, orderNo)
		if err != nil {
			return fmt.Errorf("sandbox pay %s: %w", orderNo, err)
		}
		c.mu.Lock()
		c.paid[orderNo] = crashPayment{tx: p.TransactionID, amount: amount}
		c.mu.Unlock()
		if err := c.deliver(ctx, orderNo); err != nil {
			return err
		}
		if c.onAck != nil {
			c.onAck(orderNo)
		}
		c.acked.Add(1)
		if rng.IntN(8) == 0 {
			// A provider may send a notification again after it was
			// acknowledged; the platform must count it once.
			if err := c.deliver(ctx, orderNo); err != nil {
				return err
			}
			c.dups.Add(1)
		}
	}
	return nil
}

// place posts a donation until the server answers 201, with the same
// client token each time, and returns the order number.
func (c *crashClients) place(ctx context.Context, token string, amount money.Fen) (string, error) {
	body, _ := json.Marshal(map[string]any{"amount": amount.String(), "client_token": token, "agree_rules": c.agree})
	url := fmt.Sprintf("%s/api/v1/requests/%d/donations", c.base, c.request)
	since := c.acked.Load()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.http.Do(req)
		if err == nil {
			var out struct {
				OrderNo   string `json:"order_no"`
				AmountFen int64  `json:"amount_fen"`
				State     string `json:"state"`
			}
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case rerr != nil:
				err = rerr
			case resp.StatusCode == http.StatusCreated:
				if err := json.Unmarshal(b, &out); err != nil {
					return "", fmt.Errorf("placing %s: %v: %s", token, err, b)
				}
				if out.AmountFen != int64(amount) || out.State != donation.StatePending {
					return "", fmt.Errorf("placing %s for %s: %s", token, amount, b)
				}
				return out.OrderNo, nil
			case resp.StatusCode >= 500:
				err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
			default:
				return "", fmt.Errorf("placing %s: status %d: %s", token, resp.StatusCode, b)
			}
		}
		if err := c.retry(ctx, since, err); err != nil {
			return "", fmt.Errorf("placing %s: %w", token, err)
		}
	}
}

// deliver sends the order's notification, freshly signed each time, until
// the server acknowledges it.
func (c *crashClients) deliver(ctx context.Context, orderNo string) error {
	since := c.acked.Load()
	for {
		req, err := c.sb.NotificationRequest(ctx, orderNo)
		if err != nil {
			return err
		}
		resp, err := c.http.Do(req)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case rerr != nil:
				err = rerr
			case resp.StatusCode/100 == 2:
				return nil
			default:
				err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
			}
		}
		if err := c.retry(ctx, since, err); err != nil {
			return fmt.Errorf("notifying %s: %w", orderNo, err)
		}
	}
}

// maxOthers is how many donations the other clients may see acknowledged
// while one request keeps failing: a request that fails while the server
// takes that many others, through any number of restarts, fails for good
// (a notification whose signature the server refuses, say). It is counted
// in donations, not in time, so a slow machine, or a slow restart, which
// holds everyone back alike, is never taken for a failure; when nobody
// progresses, crashStall ends the test.
const maxOthers = 2_000

// retry waits a little before a request first sent when acked was
// since is sent again, or returns why it cannot be: the test is over, or
// it failed while maxOthers donations went through.
func (c *crashClients) retry(ctx context.Context, since int64, last error) error {
	c.retries.Add(1)
	if n := c.acked.Load() - since; n > maxOthers {
		return fmt.Errorf("still failing after %d other donations were acknowledged: %w", n, last)
	}
	select {
	case <-ctx.Done():
		return errors.Join(context.Cause(ctx), last)
	case <-time.After(10 * time.Millisecond):
		return nil
	}
}

// donorAgreement returns the ids of the rules versions in force that a
// donor agrees to (R-RULES-2), seeding them first as the server does at its
// start, for clients that place orders through the API.
func donorAgreement(t *testing.T, ctx context.Context, db *store.DB) []int64 {
	t.Helper()
	var agree []int64
	err := db.Write(ctx, func(tx *store.Tx) error {
		agree = nil
		if err := rules.Seed(ctx, tx); err != nil {
			return err
		}
		for _, k := range donation.ConsentKinds {
			v, err := rules.Current(ctx, tx, k)
			if err != nil {
				return err
			}
			agree = append(agree, v.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return agree
}
