package account

// DemoVerifier is the verifier recorded on the identities of the
// demonstration data: nobody checked them, and the record says so.
const DemoVerifier = "demo"
