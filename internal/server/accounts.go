package server

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/account"
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/rules"
	"github.com/carefund/carefund/internal/server/console"
	"github.com/carefund/carefund/internal/server/site"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/web"
)

// setUpAccounts takes the services of the public's accounts, the
// publisher's requests and the staff from the platform, which built them.
func (s *Server) setUpAccounts(p *platform.Platform) {
	s.vault = p.Vault
	s.campaigns = p.Campaigns
	s.materials = p.Materials
	s.sms = p.SMS
	s.accounts = p.Accounts
	s.filing = p.Filing
	s.rules = p.Rules
	s.staffService = p.Staff
	if p.Ready {
		// On a database whose schema is not current, /readyz says so and a
		// load balancer sends nothing here that would need donations.
		s.setUpDonations(p)
	}
}

// viewer tells the layout who is looking.
func (s *Server) viewer(r *http.Request) web.Viewer { return s.site.Viewer(r) }

// form reads the posted form, refusing a body over the limit.
func form(r *http.Request) error { return site.ReadForm(r) }

// formOf turns a refusal into a form to show again (site.FormOf).
func formOf(lang i18n.Lang, err error, values map[string]string) (f web.Form, status int, ok bool) {
	return site.FormOf(lang, err, values)
}

// signInPage shows the phone form.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) error {
	if callerOf(r).user != nil {
		http.Redirect(w, r, localPath(site.Params(r).Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, web.SignIn{Next: localNext(site.Params(r).Get("next"))})
}

// sendCode sends a sign-in code and asks for it.
func (s *Server) sendCode(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	phone := limit(r.PostFormValue("phone"), 40)
	next := localNext(r.PostFormValue("next"))
	values := map[string]string{"phone": phone}
	err := s.accounts.SendCode(r.Context(), phone, remoteIP(r))
	if err != nil {
		f, status, ok := formOf(s.lang(r), err, values)
		if !ok {
			return err
		}
		// A number that is right but must wait keeps the code step.
		// (The gateway's own refusals, sms.*, sent nothing.)
		sent := apperr.CodeOf(err) == apperr.RateLimited && !strings.HasPrefix(apperr.As(err).Key, "sms.")
		if sent {
			f.Values["masked"] = maskedPhone(phone)
		}
		return s.renderStatus(w, r, status, web.SignIn{Form: f, CodeSent: sent, Next: next})
	}
	values["masked"] = maskedPhone(phone)
	return s.render(w, r, web.SignIn{Form: web.Form{Values: values}, CodeSent: true, Next: next})
}

// signIn checks the code and starts a session.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	phone := limit(r.PostFormValue("phone"), 40)
	next := localNext(r.PostFormValue("next"))
	_, token, err := s.accounts.SignIn(r.Context(), phone, limit(r.PostFormValue("code"), 20), remoteIP(r), cookieValue(r, userCookie))
	if err != nil {
		f, status, ok := formOf(s.lang(r), err, map[string]string{"phone": phone, "masked": maskedPhone(phone)})
		if !ok {
			return err
		}
		return s.renderStatus(w, r, status, web.SignIn{Form: f, CodeSent: true, Next: next})
	}
	s.setSessionCookie(w, r, userCookie, token)
	if next == "" {
		next = "/account"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// signOut ends the session on the server and drops the cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if err := s.accounts.SignOut(r.Context(), c.token, *c.user, remoteIP(r)); err != nil {
		return err
	}
	s.clearCookie(w, r, userCookie)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// accountPage is the user's own page: masked phone and identity, devices,
// consents.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.accountView(r)
	if err != nil {
		return err
	}
	switch site.Params(r).Get("done") {
	case "verified":
		p.Notice = i18n.T(s.lang(r), "verify.done")
	case "consent":
		p.Notice = i18n.T(s.lang(r), "consent.done")
	}
	return s.render(w, r, p)
}

// consent records the user's agreement to new major versions of the rules
// (R-RULES-2): only with the box ticked, and only to the versions the page
// showed, so a rule changed meanwhile is asked about again.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	var ids []int64
	for _, v := range r.PostForm["rule"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return apperr.New(apperr.Invalid, "")
		}
		ids = append(ids, id)
	}
	c := callerOf(r)
	err := rules.CheckBox(r.PostFormValue("consent"), "consent")
	if err == nil {
		err = s.rules.Consent(r.Context(), c.user.Actor(), ids, remoteIP(r))
	}
	if err != nil {
		f, status, ok := formOf(s.lang(r), err, nil)
		if !ok {
			return err
		}
		p, verr := s.accountView(r)
		if verr != nil {
			return verr
		}
		p.Form = f
		return s.renderStatus(w, r, status, p)
	}
	http.Redirect(w, r, "/account?done=consent", http.StatusSeeOther)
	return nil
}

func (s *Server) accountView(r *http.Request) (web.Account, error) {
	c := callerOf(r)
	lang := s.lang(r)
	var p web.Account
	o, err := s.accounts.Overview(r.Context(), c.user.Subject)
	if err != nil {
		return p, err
	}
	p.Phone = idcard.MaskPhone(o.User.Phone)
	if id := o.Identity; id != nil {
		p.Identity = &web.IdentityView{Name: id.MaskedName(), Number: id.MaskedNumber(), Verifier: id.Verifier, At: day(id.CreatedAt)}
	}
	for _, ss := range o.Sessions {
		p.Sessions = append(p.Sessions, web.SessionView{ID: ss.ID, Started: minute(ss.CreatedAt), LastSeen: minute(ss.LastSeen),
			From: ss.Source, Current: ss.ID == c.user.ID})
	}
	for _, v := range o.Changed {
		p.Changed = append(p.Changed, ruleLink(lang, v))
	}
	for _, cs := range o.Consents {
		p.Consents = append(p.Consents, web.ConsentView{Title: i18n.T(lang, "rules.kind."+string(cs.Kind)),
			Version: strconv.Itoa(cs.Major) + "." + strconv.Itoa(cs.Minor), At: minute(cs.At)})
	}
	if s.complaints != nil {
		mine, err := s.complaints.Mine(r.Context(), c.user.Subject)
		if err != nil {
			return p, err
		}
		for _, m := range mine {
			p.Complaints = append(p.Complaints, *complaintStatus(m))
		}
	}
	return p, nil
}

// endSession signs out one of the user's other devices. Another user's
// session is not found.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.accounts.EndSession(r.Context(), callerOf(r).user.Subject, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// verifyPage shows the real-name form with the rules to agree to.
func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.verifyView(r, web.Form{})
	if err != nil {
		return err
	}
	return s.render(w, r, p)
}

func (s *Server) verifyView(r *http.Request, f web.Form) (web.VerifyIdentity, error) {
	p := web.VerifyIdentity{Form: f}
	current, err := s.rules.Current(r.Context(), account.ConsentKinds...)
	for _, v := range current {
		p.Rules = append(p.Rules, ruleLink(s.lang(r), v))
	}
	return p, err
}

// verify records a real-name verification (R-ACC-1) and the consents given
// with it (R-RULES-2).
func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	in := account.VerifyInput{
		Name: limit(r.PostFormValue("name"), 100), Number: limit(r.PostFormValue("id_number"), 40),
		Consent: r.PostFormValue("consent"), Truthful: r.PostFormValue("truthful"),
	}
	for _, v := range r.PostForm["rule"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return apperr.New(apperr.Invalid, "")
		}
		in.Rules = append(in.Rules, id)
	}
	_, err := s.accounts.Verify(r.Context(), callerOf(r).user.Subject, in, remoteIP(r))
	if err != nil {
		f, status, ok := formOf(s.lang(r), err, map[string]string{"name": in.Name, "id_number": in.Number})
		if !ok {
			return err
		}
		p, verr := s.verifyView(r, f)
		if verr != nil {
			return verr
		}
		return s.renderStatus(w, r, status, p)
	}
	http.Redirect(w, r, "/account?done=verified", http.StatusSeeOther)
	return nil
}

// devSMS shows the codes the development sender "sent"; without
// development pages (in production) it does not exist. It shows full phone
// numbers and live codes, so it answers only a browser on the same machine:
// the connection must come from loopback (the peer address, never
// X-Forwarded-For), must not have passed through a proxy (a proxy on
// loopback forwarding the world would otherwise count as local), and the
// public address must not be https:// (an installation facing the public).
func (s *Server) devSMS(w http.ResponseWriter, r *http.Request) error {
	ls, ok := s.sms.(*account.LogSender)
	if !s.devPages || !ok {
		return apperr.New(apperr.NotFound, "")
	}
	if !devLocal(r) || s.https {
		return apperr.New(apperr.Forbidden, "")
	}
	var p web.DevSMS
	for _, m := range ls.Recent() {
		p.Sent = append(p.Sent, web.SentView{Phone: m.Phone, Code: m.Code, At: m.At.Format("15:04:05")})
	}
	if s.demo != nil {
		p.DemoPassword = s.demo.Password
		for _, a := range s.demo.Staff {
			p.DemoStaff = append(p.DemoStaff, web.SentView{Phone: a.Username, Code: staff.CodeAt(a.Secret, s.now()), At: a.Role})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, p)
}

// devLocal reports whether r came straight from this machine: a loopback
// peer address, and no header a proxy adds when it forwards a request.
func devLocal(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip", "X-Forwarded-Host"} {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	addr, err := netip.ParseAddr(peerIP(r))
	return err == nil && addr.Unmap().IsLoopback()
}

func ruleLink(lang i18n.Lang, v rules.Version) web.RuleLink { return site.RuleLink(lang, v) }

func titleIn(lang i18n.Lang, m map[i18n.Lang]string) string { return site.TitleIn(lang, m) }

func pathID(r *http.Request) (int64, error) { return site.PathID(r) }

// localNext is localPath for an optional "next": empty stays empty.
func localNext(next string) string {
	if next == "" {
		return ""
	}
	if p := localPath(next); p != "/" {
		return p
	}
	return ""
}

func maskedPhone(input string) string {
	if p, err := idcard.ParsePhone(input); err == nil {
		return idcard.MaskPhone(p)
	}
	return ""
}

// limit trims a field (site.Limit).
func limit(s string, n int) string { return site.Limit(s, n) }

func day(t time.Time) string { return site.Day(t) }

func minute(t time.Time) string { return site.Minute(t) }

// chinaTime is the time zone the platform shows times in.
var chinaTime = site.ChinaTime

// setUpConsole makes the page renderer and the auditor the console shares
// with the rest of the site, and the console over the platform's services,
// whose routes routes() mounts; then the console's navigation bar from the
// routes and the permission matrix.
func (s *Server) setUpConsole(p *platform.Platform) {
	s.site = &site.Pages{Renderer: s.pages, HTTPS: s.https, DevPages: s.devPages}
	s.auditor = &site.Auditor{Log: p.Audit, Access: matrix{}, Logger: s.log}
	s.console = &console.Console{Pages: s.site, Auditor: s.auditor, Access: matrix{},
		Staff: p.Staff, Accounts: p.Accounts, Rules: p.Rules, Charities: p.Charities, Hospitals: p.Hospitals, Incidents: p.Incidents,
		Log: p.Audit, Reviews: p.Reviews, Content: p.Content, Payouts: p.Payouts, Now: p.Now,
		Bank: p.Bank, BankSandbox: p.BankSandbox, Reconcile: p.Reconcile, Terminations: p.Terminations, WindDown: p.WindDown, CharityPay: p.CharityPay, Complaints: p.Complaints, Refunds: p.Refunds, RefundFund: p.RefundFund, Retention: p.Retention, Reports: p.Reports, SettleNow: console.SettleJob(p), ImportNow: console.ImportJob(p)}
	s.site.Nav = consoleNav(s.routes())
}
