// Package testsupport holds the small pieces the envtest suites and the
// end-to-end tests share. Only tests import it.
package testsupport

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// LogBuffer is a bytes.Buffer the manager's goroutines can log into while a
// test reads it.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// FreeAddr is FreeLoopbackAddr for a test: it fails the test when no port
// can be had.
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// FreeLoopbackAddr asks the kernel for a free port on 127.0.0.1. Another
// process could take it before the manager listens, but on loopback in a
// test run that is rare, and the manager would then fail loudly rather
// than flake.
func FreeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", err
	}
	return addr, nil
}

// ReservedLoopbackAddr finds a free port on 127.0.0.1 for an address fixed
// long before anything listens on it, such as an issuer the API server is
// told to trust when it starts, which the suite's managers serve later and
// serve again after each restart. It picks below the kernel's ephemeral
// range: a port from that range (as FreeLoopbackAddr gives) may be taken
// meanwhile by any outgoing connection of the test run, and was, failing a
// manager's start minutes later.
func ReservedLoopbackAddr() (string, error) {
	low := ephemeralPortsFrom()
	const from = 10000
	for range 100 {
		port := from + rand.IntN(low-from)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // in use: try another
		}
		addr := l.Addr().String()
		if err := l.Close(); err != nil {
			return "", err
		}
		return addr, nil
	}
	return "", fmt.Errorf("find a free port between %d and %d: none of 100 tried", from, low)
}

// ephemeralPortsFrom is the first port the kernel hands out to outgoing
// connections and to listens on port 0 (Linux's default when it cannot be
// read).
func ephemeralPortsFrom() int {
	const linuxDefault = 32768
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return linuxDefault
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return linuxDefault
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= 11000 {
		return linuxDefault
	}
	return low
}
