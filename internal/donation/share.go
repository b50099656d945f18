package donation

// NewShareToken returns a fresh share token: 16 random letters and digits.
func NewShareToken() string { return randomString(16) }
