package server

// route is one entry of the URL surface.
type route struct {
	pattern string // a ServeMux pattern, method first
	handler handlerFunc
}

// routes lists every URL the platform answers. Who may use each is in the
// permission matrix (access.go); New refuses a route missing from it.
// Patterns under /api/v1/ must also be in openapi.json (a test checks both
// ways).
func (s *Server) routes() []route {
	rs := []route{
		// Public pages.
		{"GET /{$}", s.home},
		{"GET /rules", s.rulesPage},
		{"GET /rules/{kind}", s.ruleDoc},
		{"GET /rules/{kind}/versions/{id}", s.ruleDoc},
		{"GET /complaints", s.complaintsPage},
		{"POST /complaints", s.submitComplaint},
		{"GET /complaints/track", s.trackPage},
		{"POST /complaints/track", s.track},
		{"GET /charity", s.charityPage},
		{"GET /figures", s.figuresPage},
		{"GET /wind-down", s.windDownPage},
		{"GET /reports", s.reportsPage},
		{"GET /reports/{name}", s.reportPage},
		{"GET /log", s.logPage},
		{"POST /language", s.setLanguage},
		{"GET /static/{file}", s.static},
		{"GET /dev/sms", s.devSMS},

		// The transparency log (translog.go).
		{"GET /log/checkpoint", s.logCheckpoint},
		{"GET /log/key", s.logKey},
		{"GET /log/tile/{path...}", s.logTile},

		// Signing in and the user's own account.
		{"GET /signin", s.signInPage},
		{"POST /signin/code", s.sendCode},
		{"POST /signin", s.signIn},
		{"POST /signout", s.signOut},
		{"GET /account", s.accountPage},
		{"POST /account/sessions/{id}/end", s.endSession},
		{"POST /account/consent", s.consent},
		{"GET /account/verify", s.verifyPage},
		{"POST /account/verify", s.verify},

		// Requests for help: the publisher's own (filing.go).
		{"GET /my/requests", s.myRequests},
		{"POST /my/requests", s.newRequest},
		{"GET /my/requests/{id}", s.myRequest},
		{"POST /my/requests/{id}", s.saveRequest},
		{"POST /my/requests/{id}/submit", s.submitRequest},
		{"GET /my/requests/{id}/submitted", s.requestSubmitted},
		{"POST /my/requests/{id}/materials", s.uploadMaterial},
		{"GET /my/requests/{id}/materials/{mid}", s.ownMaterial},
		{"POST /my/requests/{id}/materials/{mid}/withdraw", s.withdrawMaterial},
		{"POST /my/requests/{id}/close", s.closeOwnRequest},
		{"POST /my/requests/{id}/extend", s.extendOwnRequest},
		{"POST /my/requests/{id}/updates", s.postUpdate},
		{"GET /my/requests/{id}/edit", s.editPublished},
		{"POST /my/requests/{id}/amend", s.amendRequest},

		// Payouts: the publisher's applications (payoutpages.go).
		{"GET /my/requests/{id}/payouts/new", s.payoutForm},
		{"POST /my/requests/{id}/payouts/new", s.applyPayout},
		{"GET /my/payouts/{id}", s.myPayout},
		{"POST /my/payouts/{id}/answer", s.answerPayout},
		{"POST /my/payouts/{id}/usage", s.postPayoutUsage},

		// Requests for help in public (publicpages.go).
		{"GET /requests/{id}", s.publicRequest},
		{"GET /requests/{id}/versions", s.requestVersions},
		{"GET /requests/{id}/ledger.csv", s.requestLedgerCSV},

		// Donations (donations.go, donationpages.go).
		{"GET /requests/{id}/donate", s.donatePage},
		{"POST /requests/{id}/donate", s.donate},
		{"POST /requests/{id}/share", s.shareRequest},
		{"GET /donations/{no}", s.donationPage},
		{"GET /donations/{no}/proof", s.donationProof},
		{"GET /my/donations", s.myDonations},
		{"GET /my/wind-down", s.myWindDown},
		{"POST /my/wind-down/{id}/refund", s.askWindDownRefund},
		{"GET /my/donations/{id}/refund", s.refundAskPage},
		{"POST /my/donations/{id}/refund", s.refundAsk},
		{"GET /my/requests/{id}/refund-rest", s.refundRestPage},
		{"POST /my/requests/{id}/refund-rest", s.refundRest},
		{"POST /pay/notify/{provider}", s.payNotify},
		{"POST /notify/{provider}/refund", s.refundNotify},
		{"GET /wechat/oauth", s.weChatOAuth},
		{"GET /sandbox/checkout/{id}", s.sandboxCheckout},
		{"POST /sandbox/checkout/{id}", s.sandboxCheckout},

		// Operations.
		{"GET /healthz", s.healthz},
		{"GET /readyz", s.readyz},

		// JSON API.
		{"GET /api/v1/openapi.json", s.openAPI},
		{"GET /api/v1/status", s.apiStatus},
		{"POST /api/v1/signin/code", s.apiSendCode},
		{"POST /api/v1/signin", s.apiSignIn},
		{"POST /api/v1/signout", s.apiSignOut},
		{"GET /api/v1/me", s.apiMe},
		{"POST /api/v1/me/identity", s.apiVerify},
		{"GET /api/v1/rules", s.apiRules},
		{"GET /api/v1/rules/{kind}", s.apiRule},
		{"GET /api/v1/my/requests", s.apiMyRequests},
		{"POST /api/v1/my/requests", s.apiNewRequest},
		{"GET /api/v1/my/requests/{id}", s.apiMyRequest},
		{"PUT /api/v1/my/requests/{id}", s.apiSaveRequest},
		{"POST /api/v1/my/requests/{id}/submit", s.apiSubmitRequest},
		{"POST /api/v1/my/requests/{id}/materials", s.apiUploadMaterial},
		{"GET /api/v1/my/requests/{id}/payouts", s.apiMyPayouts},
		{"POST /api/v1/my/requests/{id}/payouts", s.apiApplyPayout},
		{"GET /api/v1/my/payouts/{id}", s.apiMyPayout},
		{"POST /api/v1/my/donations/{id}/refund", s.apiDonorRefund},
		{"GET /api/v1/my/refunds", s.apiMyRefunds},
		{"POST /api/v1/my/payouts/{id}/answer", s.apiAnswerPayout},
		{"POST /api/v1/my/payouts/{id}/usage", s.apiPayoutUsage},
		{"GET /api/v1/figures", s.apiFigures},
		{"GET /api/v1/requests", s.apiRequests},
		{"GET /api/v1/requests/{id}", s.apiRequest},
		{"POST /api/v1/requests/{id}/donations", s.apiDonate},
		{"GET /api/v1/donations/{no}", s.apiDonation},
		{"GET /api/v1/my/donations", s.apiMyDonations},

		// Everything else.
		{"/api/v1/", s.notFound},
		{"/", s.notFound},
	}
	// The staff console (package console), the review console among its
	// screens; their order is the order of the console's navigation bar.
	for _, rt := range s.console.Routes() {
		rs = append(rs, route{rt.Pattern, rt.Handler})
	}
	return rs
}
