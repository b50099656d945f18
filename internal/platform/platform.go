// Package platform builds what carefund runs on from its database and keys:
// the services of the domain packages (the publisher's, the review
// console's and the staff console's among them), the ledger's writer, the
// order writer and the payment providers. `carefund serve`, `carefund bench` and
// the tests all build them with New, so what the tests exercise is what
// production runs; the HTTP server (package server) and the background
// jobs (package jobs) are given a Platform and build none of it themselves.
package platform

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/blacklist"
	"github.com/carefund/carefund/internal/refundfund"
	"github.com/carefund/carefund/internal/termination"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/filing"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/incident"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/material"
	"github.com/carefund/carefund/internal/metrics"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/reconcile"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/report"
	"github.com/carefund/carefund/internal/retention"
	"github.com/carefund/carefund/internal/review"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/translog"
	"github.com/carefund/carefund/internal/vault"
	"github.com/carefund/carefund/internal/wechat"
	"github.com/carefund/carefund/internal/winddown"
	"github.com/carefund/carefund/internal/witness"
)

// Config is what a Platform is built from.
type Config struct {
	// DB is the database, opened and (for a working platform) migrated.
	DB *store.DB
	// Keys are the platform's root keys; personal data is sealed under
	// them. Nil means random keys for this process only, which only tests
	// may want: carefund serve always passes the keys from its keys folder.
	Keys *keyring.Keys
	// Logger receives what the services log; nil discards it.
	Logger *slog.Logger
	// Metrics receives the services' figures (the ledger's); nil means a
	// new registry, which Platform.Metrics returns.
	Metrics *metrics.Registry
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SMS sends sign-in codes; nil means a LogSender writing to Logger.
	SMS account.Sender
	// Verifier checks names against ID numbers; nil means the sandbox.
	Verifier account.Verifier
	// ReportFont names the CJK TrueType font of the annual report's PDF
	// (--report-font); "" looks for the system's.
	ReportFont string
	// PublicURL is how the public, and payment providers, reach the
	// platform (no trailing slash): the base of notification and return
	// URLs. http://localhost when empty.
	PublicURL string
	// Payments are the payment providers, the first the one new orders
	// use; empty means a sandbox whose key is SandboxKey(Keys), which the
	// Platform owns and Close stops.
	Payments []payment.Provider
	// Merchants maps each provider of Payments to our merchant id there;
	// a notification naming another merchant is quarantined.
	Merchants map[string]string
	// DonationMax bounds one donation; donation.DefaultMax when zero.
	DonationMax money.Fen
	// ComplaintChannels are the published complaint phone and e-mail
	// (R-COMP-2).
	ComplaintChannels complaint.Channels
	// LedgerMaxWait is the ledger's MaxWait (group commit); zero by default.
	LedgerMaxWait time.Duration
	// Bank is the custody bank; nil means the sandbox bank, on DB, whose
	// clock follows the real time (Platform.BankSandbox).
	Bank bank.Bank
	// CustodyAccount is the custody account's number at the bank: a
	// statement of any other account is refused. Empty with the sandbox
	// bank means the sandbox's account.
	CustodyAccount string
	// WeChat is the official account's API client (OAuth, JS-SDK); nil
	// when no official account is configured, and then nothing of
	// package wechat is used.
	WeChat *wechat.Client
	// FundraisingPeriod is how long a request's channel stays open before
	// one extension (R-PUB-4); campaign.DefaultPeriod when zero.
	FundraisingPeriod time.Duration
	// RetentionYears is how long after a request completes its personal
	// data is kept before the retention job anonymizes it (R-PII-2);
	// retention.MinYears when less.
	RetentionYears int
	// LogOff leaves the ledger's entries out of the transparency log:
	// only for bench donate's comparison of the log on and off.
	LogOff bool
	// Witnesses cosign the transparency log's checkpoints (C2SP
	// tlog-witness); none means the checkpoints go uncosigned.
	Witnesses []witness.Witness
}

// Platform is the built platform. Its fields are set once by New and only
// read afterwards.
type Platform struct {
	DB        *store.DB
	Log       *slog.Logger
	Metrics   *metrics.Registry
	Now       func() time.Time
	PublicURL string

	Vault     *vault.Vault
	Campaigns campaign.Store
	Materials material.Store
	SMS       account.Sender
	Accounts  *account.Service

	// Period is how long a request's channel stays open before one
	// extension (R-PUB-4).
	Period time.Duration
	// Filing is the publisher's use cases: drafts, materials, submission.
	Filing *filing.Service
	// Reviews is the review console's use cases (R-REV-1 to R-REV-4).
	Reviews *review.Service
	// Content is the content screen's console side: the word list, the
	// held texts, the handling record and takedowns (R-CONT-1).
	Content *content.Service
	// Disclosure is what the public may see of a request: pages, listings
	// and the API's public objects.
	Disclosure *disclosure.Service
	// Reports makes the six-monthly and annual reports and the exports
	// (R-DISC-3, R-DISC-4, R-RPT-1), the complaint statistics read from
	// the complaints table in the report's own transaction.
	Reports *report.Service
	// Rules keeps the rules documents and the users' consents.
	Rules *rules.Service
	// Audit is the audit log, for outcomes that have no transaction of
	// their own to share, and for browsing.
	Audit *audit.Log
	// Staff is the staff console's accounts, roles and four-eyes
	// approvals; Approvals holds the executors of approved proposals.
	Staff     *staff.Service
	Approvals *staff.Approvals
	// Sealer seals staff members' TOTP secrets; nil when the database was
	// not ready, as it needs its data key stored there.
	Sealer staff.Sealer
	// Charities is the charity referral list (R-REQ-7); Incidents the
	// personal-data incidents (R-PII-3).
	Charities *charity.Service
	Incidents *incident.Service
	// Hospitals is the hospital directory: the verified accounts payouts
	// to a hospital go to (R-DISB-2).
	Hospitals *hospital.Service

	// Retention anonymizes the personal data of requests completed longer
	// ago than the retention period (R-PII-2); nil when not Ready.
	Retention *retention.Service

	// Ready says the database's schema was current when New ran. Only then
	// are the money side's services below built: on a database that is not
	// ready the server answers /readyz with 503 and a load balancer sends
	// it nothing that would need them.
	Ready bool
	// Ledger is the custody ledger and its writer.
	Ledger *ledger.Ledger
	// Translog is the transparency log (issue 17): its integrator, its
	// checkpoints, tiles and proofs. CommitKey is the key of the
	// commitments to the ledger entries' idempotency keys.
	Translog  *translog.Log
	CommitKey []byte
	// Orders writes donation orders in shared transactions (group commit).
	Orders *store.Group
	// Donations places and confirms donations.
	Donations *donation.Service
	// Providers are the payment providers by name; Provider is the one new
	// orders are placed with.
	Providers map[string]payment.Provider
	Provider  payment.Provider
	// Sandbox is the sandbox provider among Providers, if there is one: the
	// server serves its hosted checkout.
	Sandbox *payment.Sandbox
	// Payouts is the payout applications' use cases (R-DISB-1 to
	// R-DISB-4). Its Hospitals is nil here: the hospital directory is
	// wired to it where both are built.
	Payouts *payout.Service
	// Bank is the custody bank's outbox, outcomes and account record;
	// BankSandbox the sandbox bank behind it, when it is the sandbox.
	Bank        *bank.Service
	BankSandbox *bank.Sandbox
	// Reconcile holds the ledger against the bank's statements and the
	// providers' settlement files (R-FUND-4).
	Reconcile *reconcile.Service
	// Terminations suspends requests and terminates them for fraud
	// (R-REV-4, R-REF-2). Its Refunder is nil until the refund service
	// exists: the follow-up then posts the recovery receivable and leaves
	// the refund run to a later run of its job.
	Terminations *termination.Service
	// Complaints receives and handles complaints and reports (R-COMP-1,
	// R-COMP-2) and publishes the responses about requests (R-DISC-2).
	Complaints *complaint.Service
	// ComplaintChannels are the published complaint phone and e-mail
	// (R-COMP-2), shown on /complaints with the form.
	ComplaintChannels complaint.Channels
	// CharityPay pays money owed to charity to registered recipients
	// through the custody bank (R-CHAR-1).
	CharityPay *charitypay.Service
	// WindDown winds the platform down when its designation is withdrawn
	// (R-WIND-1): the switch (staff.KindWindDown), its schedule, and the
	// banner every page shows.
	WindDown *winddown.Service
	// Refunds gives money back to donors by the original route (R-REF-1,
	// R-REF-2, R-PUB-4, R-DON-2, R-CHAR-1): runs, their execution through
	// Providers, and what donors and the public see of them.
	Refunds *refund.Service
	// RefundFund tops up a provider's balance from custody when the
	// refunds due through it exceed it (R-FUND-2, R-DON-2);
	// RefundAccounts are the providers' settlement accounts the top-ups
	// are paid to (the sandbox's when it is one of Providers).
	RefundFund     *refundfund.Service
	RefundAccounts map[string]iso20022.Party
	// WeChat is the official account's side: a donor's openid through
	// silent OAuth, and the JS-SDK's signed configuration; nil when no
	// official account is configured or the database is not ready.
	WeChat *wechat.Service
	// Witnesses are asked to cosign each new checkpoint of the
	// transparency log (job translog-witness).
	Witnesses []witness.Witness

	ownSandbox *payment.Sandbox // made by New, so stopped by Close
}

// New builds the platform. On a database whose schema is not current it
// logs a warning and builds only what needs no tables (Ready is false).
func New(ctx context.Context, cfg Config) (*Platform, error) {
	if cfg.DB == nil {
		return nil, errors.New("platform: no database")
	}
	p := &Platform{DB: cfg.DB, Log: cfg.Logger, Metrics: cfg.Metrics, Now: cfg.Now,
		PublicURL: strings.TrimSuffix(cfg.PublicURL, "/"), Witnesses: cfg.Witnesses}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Metrics == nil {
		p.Metrics = metrics.NewRegistry()
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.PublicURL == "" {
		p.PublicURL = "http://localhost"
	}
	keys := cfg.Keys
	if keys == nil {
		keys = &keyring.Keys{}
		rand.Read(keys.Master[:])
		rand.Read(keys.Index[:])
		rand.Read(keys.Session[:])
		rand.Read(keys.Log[:])
	}
	p.Vault = vault.New(keys)
	p.Campaigns = campaign.Store{Vault: p.Vault}
	p.Materials = material.Store{Vault: p.Vault}
	p.SMS = cfg.SMS
	if p.SMS == nil {
		p.SMS = &account.LogSender{Log: p.Log}
	}
	verifier := cfg.Verifier
	if verifier == nil {
		verifier = account.SandboxVerifier{}
	}
	p.Accounts = &account.Service{DB: p.DB, Vault: p.Vault, SMS: p.SMS, Verifier: verifier,
		CodeKey: derive(keys.Session, "signin-codes"), Now: p.Now}
	p.Period = cfg.FundraisingPeriod
	if p.Period <= 0 {
		p.Period = campaign.DefaultPeriod
	}
	p.Filing = &filing.Service{DB: p.DB, Accounts: p.Accounts, Campaigns: p.Campaigns, Materials: p.Materials}
	p.Reviews = &review.Service{DB: p.DB, Campaigns: p.Campaigns, Materials: p.Materials, Accounts: p.Accounts, Period: p.Period}
	p.Disclosure = &disclosure.Service{DB: p.DB, Campaigns: p.Campaigns, Materials: p.Materials, Accounts: p.Accounts}
	p.Content = &content.Service{DB: p.DB, Texts: map[content.Place]content.TextFunc{
		content.PlaceUpdate:            p.Campaigns.UpdateText,
		content.PlaceDonationMessage:   donation.MessageText,
		content.PlaceComplaintResponse: complaint.ResponseText,
	}}
	p.Complaints = &complaint.Service{DB: p.DB, Vault: p.Vault}
	p.Reports = &report.Service{DB: p.DB, FontPath: cfg.ReportFont}
	p.Rules = &rules.Service{DB: p.DB}
	p.Audit = &audit.Log{DB: p.DB}
	p.Approvals = staff.NewApprovals()
	p.Staff = &staff.Service{DB: p.DB, Approvals: p.Approvals, Now: p.Now}
	p.Charities = &charity.Service{DB: p.DB}
	// The hospital directory changes only through approved proposals.
	p.Hospitals = &hospital.Service{DB: p.DB, Vault: p.Vault, Approvals: p.Approvals, Now: p.Now}
	p.Approvals.Register(staff.KindHospital, hospital.Executor(p.Vault))
	p.Approvals.Register(staff.KindCustodyChange, bank.CustodyExecutor())
	// Blacklist entries are added and lifted only through approved
	// proposals (R-BL-1); a termination proposes them.
	p.Approvals.Register(staff.KindBlacklist, blacklist.Executor())
	p.Incidents = &incident.Service{DB: p.DB}

	if err := p.DB.Ready(ctx); err != nil {
		p.Log.Warn("the database is not ready; accounts and donations are unavailable", "err", err)
		return p, nil
	}
	if err := p.DB.Write(ctx, func(tx *store.Tx) error { return rules.Seed(ctx, tx) }); err != nil {
		return nil, err
	}
	// The sealer's data key is kept in the database, made on first use.
	sealer, err := staff.OpenSealer(ctx, p.DB, p.Vault)
	if err != nil {
		return nil, err
	}
	p.Sealer, p.Staff.Sealer = sealer, sealer
	p.Ready = true
	origin, err := translog.Origin(p.PublicURL)
	if err != nil {
		return nil, err
	}
	signer, err := translog.NewSigner(origin, keys.Log[:])
	if err != nil {
		return nil, err
	}
	p.Translog = translog.New(p.DB, signer, translog.Options{Logger: p.Log})
	p.CommitKey = translog.CommitKey(keys.Index[:])
	lopts := ledger.Options{Metrics: p.Metrics, MaxWait: cfg.LedgerMaxWait, CommitKey: p.CommitKey}
	if cfg.LogOff {
		lopts.CommitKey = nil
	}
	p.Ledger = ledger.New(p.DB, lopts)
	// An installation upgraded to the transparency log logs what it had
	// posted before, once.
	if n, err := p.Ledger.LogEarlier(ctx); err != nil {
		p.Ledger.Close()
		return nil, fmt.Errorf("logging the ledger's earlier entries: %w", err)
	} else if n > 0 {
		p.Log.Info("the ledger's earlier entries are logged", "entries", n)
	}
	p.Orders = store.NewGroup(p.DB, 0)
	merchants := maps.Clone(cfg.Merchants)
	if merchants == nil {
		merchants = map[string]string{}
	}
	providers := cfg.Payments
	if len(providers) == 0 {
		sb := payment.NewSandbox(payment.SandboxConfig{Key: SandboxKey(keys), BaseURL: p.PublicURL,
			Merchant: "sandbox", Logger: p.Log, RefundBook: refund.SandboxBook{DB: p.DB}})
		p.ownSandbox = sb
		providers = []payment.Provider{sb}
		merchants["sandbox"] = "sandbox"
	}
	p.Providers = map[string]payment.Provider{}
	for _, pr := range providers {
		p.Providers[pr.Name()] = pr
		if sb, ok := pr.(*payment.Sandbox); ok {
			p.Sandbox = sb
		}
	}
	p.Provider = providers[0]
	p.Donations = &donation.Service{DB: p.DB, Ledger: p.Ledger, Campaigns: p.Campaigns, Max: cfg.DonationMax,
		Orders: p.Orders, Merchant: merchants}
	p.Payouts = &payout.Service{DB: p.DB, Ledger: p.Ledger, Vault: p.Vault, Campaigns: p.Campaigns,
		Materials: p.Materials, Hospitals: directory{p.Vault}, Now: p.Now}
	custody := cfg.Bank
	if custody == nil {
		p.BankSandbox = bank.NewSandbox(p.DB, nil)
		custody = p.BankSandbox
	}
	p.Bank = &bank.Service{DB: p.DB, Bank: custody, Vault: p.Vault, Approvals: p.Approvals, Log: p.Log}
	account := cfg.CustodyAccount
	if account == "" && p.BankSandbox != nil {
		account = p.BankSandbox.Account.ID
	}
	p.Reconcile = &reconcile.Service{DB: p.DB, Ledger: p.Ledger, Custody: iso20022.Account{ID: account}}
	p.Terminations = &termination.Service{DB: p.DB, Ledger: p.Ledger, Vault: p.Vault, Campaigns: p.Campaigns,
		Approvals: p.Approvals, Identities: p.Accounts, Now: p.Now}
	p.Approvals.Register(staff.KindTermination, p.Terminations.Executor())
	p.ComplaintChannels = cfg.ComplaintChannels
	p.Retention = &retention.Service{DB: p.DB, Campaigns: p.Campaigns, Years: max(cfg.RetentionYears, retention.MinYears)}
	p.CharityPay = &charitypay.Service{DB: p.DB, Ledger: p.Ledger, Vault: p.Vault, Approvals: p.Approvals}
	p.Approvals.Register(staff.KindCharityRecipient, charitypay.RecipientExecutor(p.Vault))
	p.Approvals.Register(staff.KindCharityTransfer, charitypay.TransferExecutor())
	base := p.PublicURL
	p.Refunds = &refund.Service{DB: p.DB, Ledger: p.Ledger, Providers: p.Providers, Log: p.Log, Now: p.Now,
		Options: refund.Options{NotifyURL: func(provider string) string { return base + "/notify/" + provider + "/refund" }}}
	p.Terminations.Refunder, p.Terminations.Refunds = terminationRefunder{p.Refunds}, p.Refunds
	p.WindDown = &winddown.Service{DB: p.DB, Campaigns: p.Campaigns, Approvals: p.Approvals, Refunds: p.Refunds, Now: p.Now}
	p.Approvals.Register(staff.KindWindDown, p.WindDown.Executor())
	p.Reconcile.Refunder = recoveryRefunder{p.Refunds}
	p.RefundFund = &refundfund.Service{DB: p.DB, Ledger: p.Ledger}
	p.RefundAccounts = map[string]iso20022.Party{}
	if p.Sandbox != nil {
		p.RefundAccounts[p.Sandbox.Name()] = SandboxSettlementAccount
	}
	if cfg.WeChat != nil {
		p.WeChat = &wechat.Service{DB: p.DB, Client: cfg.WeChat, Now: p.Now}
	}
	return p, nil
}

// SandboxSettlementAccount is the sandbox payment provider's settlement
// account at its bank, which refund top-ups from custody are paid to.
var SandboxSettlementAccount = iso20022.Party{Name: "carefund sandbox payment provider",
	Account: iso20022.Account{ID: "6222000000000000000"}, Bank: iso20022.Agent{Name: "sandbox provider bank"}}

// Close stops the platform's background writers (the orders' and the
// ledger's), after what they hold is written, and the notifications of the
// sandbox New made. Call it after the last request was answered and the
// jobs have stopped.
func (p *Platform) Close() {
	// The sandbox's notifications in flight end first: they post through
	// the ledger.
	if p.ownSandbox != nil {
		p.ownSandbox.Close()
	}
	if p.Orders != nil {
		p.Orders.Close()
	}
	if p.Ledger != nil {
		p.Ledger.Close()
	}
}

// SandboxKey is the sandbox provider's signing key when none is configured:
// derived from the session key, so it is stable across restarts and nodes
// of one installation, and a test that holds the keys can sign as the
// sandbox does.
func SandboxKey(keys *keyring.Keys) []byte { return derive(keys.Session, "sandbox-payments") }

// derive derives a key for one purpose from a root key, so that no two
// uses share a key.
func derive(root keyring.Key, purpose string) []byte {
	m := hmac.New(sha256.New, root[:])
	m.Write([]byte("carefund " + purpose))
	return m.Sum(nil)
}
