package staff

import (
	"os"
	"testing"
)

// productionParams keeps the parameters new hashes get in production, which
// TestMain lowers for speed; TestPasswordHash checks them.
var productionParams = hashParams

func TestMain(m *testing.M) {
	// Sign-in tests compute argon2id dozens of times under -race; 64 KiB
	// and one pass keep the algorithm and code path, not the cost.
	hashParams = argon2Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}
