// Package testsupport holds the small pieces the envtest suites and the
// end-to-end tests share. Only tests import it.
package testsupport

import (
	"bytes"
	"fmt"
	"net"
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
