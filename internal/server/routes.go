package server

// route is one entry of the URL surface.
type route struct {
	pattern string // a ServeMux pattern, method first
	handler handlerFunc
}

// routes lists every URL the platform answers. Patterns under /api/v1/ must
// also be in openapi.json (a test checks both ways).
func (s *Server) routes() []route {
	return []route{
		// Public pages.
		{"GET /{$}", s.home},
		{"GET /rules", s.rulesPage},
		{"GET /complaints", s.complaintsPage},
		{"POST /language", s.setLanguage},
		{"GET /static/{file}", s.static},

		// Operations.
		{"GET /healthz", s.healthz},
		{"GET /readyz", s.readyz},

		// JSON API.
		{"GET /api/v1/openapi.json", s.openAPI},
		{"GET /api/v1/status", s.apiStatus},

		// Everything else.
		{"/api/v1/", s.notFound},
		{"/", s.notFound},
	}
}
