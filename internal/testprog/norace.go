//go:build !race

package testprog

const raceEnabled = false
