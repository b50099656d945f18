package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	donations "github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/server"
	"github.com/carefund/carefund/internal/store"
)

// DonateOptions configures the donation workload.
type DonateOptions struct {
	// Concurrency is how many donors give at once, each one donation after
	// another over its own keep-alive connection.
	Concurrency int
	// Duration is how long donors keep giving.
	Duration time.Duration
	// LedgerMaxWait is the server's LedgerMaxWait.
	LedgerMaxWait time.Duration
	// LogOff leaves the ledger's entries out of the transparency log; with
	// it on, the log's integrator runs as the serve job does.
	LogOff bool
	// Logger is the server's logger; nil means what `carefund serve` does
	// by default (a JSON line per request at level info) written nowhere,
	// so that the cost of logging is counted but not that of a terminal.
	Logger *slog.Logger
}

// DonateResult is what the donation workload measured. JSON field names are
// the ones the benchmark report documents.
type DonateResult struct {
	Database        string  `json:"database"`
	Concurrency     int     `json:"concurrency"`
	DurationSeconds float64 `json:"duration_s"`
	// Donations counts the notifications answered 2xx within Duration.
	Donations       int64   `json:"donations"`
	DonationsPerSec float64 `json:"donations_per_sec"`
	// P50ms and P99ms are of a whole donation: the order placed, then its
	// payment's notification delivered and acknowledged.
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	OrderP99ms  float64 `json:"order_p99_ms"`
	NotifyP99ms float64 `json:"notify_p99_ms"`
	// Verify: ledger.Verify and donation.Verify pass, and the request's
	// totals and ledger balance are exactly the donations the donors were
	// told about.
	Verify      bool    `json:"verify"`
	VerifyError string  `json:"verify_error,omitempty"`
	MeanBatch   float64 `json:"mean_ledger_batch"`
}

// Donate runs the whole donation path over HTTP against db (migrated, and
// used only by the benchmark): a server on a loopback port with the sandbox
// as its only payment provider, one request that never reaches its target,
// and opts.Concurrency donors each placing an order
// (POST /api/v1/requests/{id}/donations), paying it at the sandbox and
// delivering the sandbox's signed notification
// (POST /pay/notify/sandbox), for opts.Duration. Then it checks what was
// written.
func Donate(ctx context.Context, db *store.DB, opts DonateOptions) (DonateResult, error) {
	if opts.Concurrency < 1 || opts.Duration <= 0 {
		return DonateResult{}, errors.New("bench: concurrency and duration must be positive")
	}
	rg, err := newRigLog(ctx, db, opts.Concurrency, opts.LedgerMaxWait, opts.Logger, 0, opts.LogOff)
	if err != nil {
		return DonateResult{}, err
	}
	defer rg.close()
	if !opts.LogOff {
		stop := integrating(ctx, rg.platform.Translog, nil)
		defer stop()
	}

	// A donation per donor first, untimed: connections open, the ledger's
	// accounts and statements ready.
	warm, err := rg.drive(ctx, opts.Concurrency, 0, "warm")
	if err != nil {
		return DonateResult{}, err
	}
	timed, err := rg.drive(ctx, opts.Concurrency, opts.Duration, "run")
	if err != nil {
		return DonateResult{}, err
	}
	batches := rg.platform.Ledger.Batches()
	r := DonateResult{
		Database: string(db.Dialect()), Concurrency: opts.Concurrency, DurationSeconds: opts.Duration.Seconds(),
		Donations:       timed.count,
		DonationsPerSec: round(float64(timed.count) / timed.elapsed.Seconds()),
		P50ms:           percentile(timed.whole, 0.50),
		P99ms:           percentile(timed.whole, 0.99),
		OrderP99ms:      percentile(timed.order, 0.99),
		NotifyP99ms:     percentile(timed.notify, 0.99),
	}
	if batches > 0 {
		r.MeanBatch = round(float64(warm.count+timed.count) / float64(batches))
	}
	if err := rg.verify(ctx, warm.count+timed.count, warm.raised+timed.raised); err != nil {
		r.VerifyError = err.Error()
	} else {
		r.Verify = true
	}
	return r, nil
}

// rig is a carefund server on a loopback port with one request raising
// money, and the clients the benchmarks drive it with.
type rig struct {
	db       *store.DB
	platform *platform.Platform
	http     *http.Server
	served   chan error
	sandbox  *payment.Sandbox
	base     string // http://127.0.0.1:port
	request  int64
	// publisher is the request's publisher, whose updates the page shows.
	publisher int64
	client    *http.Client
	seq       atomic.Int64
	// agree is the orders' agreement to the rules: `,"agree_rules":[…]`.
	agree []byte
}

// hugeTarget is the request's target: never reached, so the channel stays
// open however long the benchmark runs. It is above what a filing may ask
// (campaign.MaxTarget), so it is written directly.
const hugeTarget money.Fen = 1 << 50

// newRig starts a server for the workloads; pageCache is its PageCacheTTL.
// The platform under it is built as carefund serve builds it, with
// platform.New, on random keys and a sandbox the donors pay at.
func newRig(ctx context.Context, db *store.DB, clients int, maxWait time.Duration, logger *slog.Logger, pageCache time.Duration) (*rig, error) {
	return newRigLog(ctx, db, clients, maxWait, logger, pageCache, false)
}

// newRigLog is newRig with the transparency log on or off.
func newRigLog(ctx context.Context, db *store.DB, clients int, maxWait time.Duration, logger *slog.Logger, pageCache time.Duration, logOff bool) (*rig, error) {
	keys := rigKeys()
	sandboxKey := make([]byte, 32)
	rand.Read(sandboxKey)
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	sb := payment.NewSandbox(payment.SandboxConfig{Key: sandboxKey, BaseURL: base, Merchant: "sandbox",
		ManualDelivery: true})
	p, err := platform.New(ctx, platform.Config{DB: db, Logger: logger, Keys: keys, PublicURL: base,
		Payments: []payment.Provider{sb}, Merchants: map[string]string{"sandbox": "sandbox"}, LedgerMaxWait: maxWait, LogOff: logOff})
	if err != nil {
		ln.Close()
		sb.Close()
		return nil, err
	}
	srv, err := server.New(server.Options{Platform: p, Logger: logger, PageCacheTTL: pageCache})
	if err != nil {
		ln.Close()
		p.Close()
		sb.Close()
		return nil, err
	}
	rg := &rig{db: db, platform: p, sandbox: sb, base: base, served: make(chan error, 1)}
	rg.http = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { rg.served <- rg.http.Serve(ln) }()
	rg.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients, IdleConnTimeout: time.Minute,
		DisableCompression: true, ForceAttemptHTTP2: false}}
	if rg.request, rg.publisher, err = openRequest(ctx, p); err != nil {
		rg.close()
		return nil, err
	}
	// Every donor agrees to the rules in force, as the form asks
	// (R-RULES-2): the agreement is written in the order's transaction.
	current, err := p.Rules.Current(ctx, donations.ConsentKinds...)
	if err != nil {
		rg.close()
		return nil, err
	}
	rg.agree = []byte(`,"agree_rules":[`)
	for i, v := range current {
		if i > 0 {
			rg.agree = append(rg.agree, ',')
		}
		rg.agree = strconv.AppendInt(rg.agree, v.ID, 10)
	}
	rg.agree = append(rg.agree, ']')
	return rg, nil
}

// rigKeys returns random keys, the same for every rig of the process, so
// that several rigs can run on one database (bench log).
var rigKeys = sync.OnceValue(func() *keyring.Keys {
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	rand.Read(keys.Session[:])
	rand.Read(keys.Log[:])
	return keys
})

// close stops the HTTP server, then the platform's writers, then the sandbox.
func (rg *rig) close() {
	if rg.http != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		rg.http.Shutdown(sctx)
		cancel()
		<-rg.served
		rg.http = nil
	}
	rg.client.CloseIdleConnections()
	rg.platform.Close()
	rg.sandbox.Close()
}

// donor is one client's state: its buffers, reused for every donation.
type donor struct {
	id     int
	prefix string
	body   []byte
	resp   bytes.Buffer
	// what it measured
	order, notify, whole []time.Duration
	raised               money.Fen
}

var orderNoField = []byte(`"order_no":"`)

// donate places an order, pays it at the sandbox and delivers its
// notification; it returns the amount once the notification is answered
// 2xx.
func (rg *rig) donate(ctx context.Context, d *donor, path string) (money.Fen, time.Duration, time.Duration, error) {
	n := rg.seq.Add(1)
	// 1 to 500 yuan, with fen, so that amounts differ.
	amount := money.Fen(100 + (n*7919)%50000)
	d.body = append(d.body[:0], `{"amount":"`...)
	d.body = strconv.AppendInt(d.body, int64(amount/100), 10)
	d.body = append(d.body, '.', byte('0'+amount%100/10), byte('0'+amount%10))
	d.body = append(d.body, `","anonymous":`...)
	d.body = strconv.AppendBool(d.body, n%3 == 0)
	d.body = append(d.body, `,"client_token":"`...)
	d.body = append(d.body, d.prefix...)
	d.body = strconv.AppendInt(d.body, n, 10)
	d.body = append(d.body, '"')
	d.body = append(d.body, rg.agree...)
	d.body = append(d.body, '}')

	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(d.body))
	if err != nil {
		return 0, 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rg.client.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	d.resp.Reset()
	_, err = d.resp.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, 0, 0, err
	}
	if resp.StatusCode != http.StatusCreated {
		return 0, 0, 0, fmt.Errorf("bench: placing an order: status %d: %.300s", resp.StatusCode, d.resp.Bytes())
	}
	b := d.resp.Bytes()
	i := bytes.Index(b, orderNoField)
	if i < 0 {
		return 0, 0, 0, fmt.Errorf("bench: no order number in %.300s", b)
	}
	b = b[i+len(orderNoField):]
	j := bytes.IndexByte(b, '"')
	if j < 0 {
		return 0, 0, 0, fmt.Errorf("bench: no order number in %.300s", d.resp.Bytes())
	}
	orderNo := string(b[:j])
	t1 := time.Now()

	if _, err := rg.sandbox.Pay(ctx, orderNo); err != nil {
		return 0, 0, 0, err
	}
	nreq, err := rg.sandbox.NotificationRequest(ctx, orderNo)
	if err != nil {
		return 0, 0, 0, err
	}
	resp, err = rg.client.Do(nreq)
	if err != nil {
		return 0, 0, 0, err
	}
	d.resp.Reset()
	_, err = d.resp.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, 0, 0, err
	}
	if resp.StatusCode/100 != 2 {
		return 0, 0, 0, fmt.Errorf("bench: the notification of %s was answered %d: %.300s", orderNo, resp.StatusCode, d.resp.Bytes())
	}
	return amount, t1.Sub(t0), time.Since(t1), nil
}

// driven is what one drive measured.
type driven struct {
	count                int64
	raised               money.Fen
	elapsed              time.Duration
	order, notify, whole []time.Duration
}

// drive runs n donors for d; with d zero, each gives once.
func (rg *rig) drive(ctx context.Context, n int, d time.Duration, label string) (driven, error) {
	path := rg.base + "/api/v1/requests/" + strconv.FormatInt(rg.request, 10) + "/donations"
	donors := make([]*donor, n)
	errs := make([]error, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range n {
		dn := &donor{id: w, prefix: label + "-" + strconv.Itoa(w) + "-"}
		donors[w] = dn
		wg.Go(func() {
			for {
				amount, ot, nt, err := rg.donate(ctx, dn, path)
				if err != nil {
					if ctx.Err() == nil {
						errs[w] = err
						cancel() // one failure ends the run: its figures would lie
					}
					return
				}
				dn.raised += amount
				dn.order = append(dn.order, ot)
				dn.notify = append(dn.notify, nt)
				dn.whole = append(dn.whole, ot+nt)
				if d == 0 || !time.Now().Before(deadline) {
					return
				}
			}
		})
	}
	wg.Wait()
	out := driven{elapsed: time.Since(start)}
	for w, dn := range donors {
		if errs[w] != nil {
			return out, errs[w]
		}
		out.count += int64(len(dn.whole))
		out.raised += dn.raised
		out.order = append(out.order, dn.order...)
		out.notify = append(out.notify, dn.notify...)
		out.whole = append(out.whole, dn.whole...)
	}
	return out, nil
}

// verify checks the ledger, and that the request's totals and ledger
// balance are the donations acknowledged: no more, no fewer.
func (rg *rig) verify(ctx context.Context, acknowledged int64, raised money.Fen) error {
	if _, err := ledger.Verify(ctx, rg.db); err != nil {
		return err
	}
	var got money.Fen
	var count int
	err := rg.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		got, count, err = donations.Totals(ctx, tx, rg.request)
		return err
	})
	if err != nil {
		return err
	}
	if got != raised || int64(count) != acknowledged {
		return fmt.Errorf("bench: request %d has %d donations raising %d fen; the donors were told of %d raising %d",
			rg.request, count, got, acknowledged, raised)
	}
	bal, err := rg.platform.Ledger.Balance(ctx, "request:"+strconv.FormatInt(rg.request, 10))
	if err != nil {
		return err
	}
	if bal != raised {
		return fmt.Errorf("bench: the ledger holds %d fen for request %d; the donors gave %d", bal, rg.request, raised)
	}
	_, err = donations.Verify(ctx, rg.db)
	return err
}
