package operator

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// TestSelfServiceReadinessFollowsItsListener: a replica is Ready for
// sign-ins only while its self-service listener is open, not merely once
// its cache has synced.
func TestSelfServiceReadinessFollowsItsListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	s := newHTTPServer(addr, http.NotFoundHandler(), nil)
	if err := s.ready(nil); err == nil {
		t.Fatal("ready before the server started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	err = wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true,
		func(context.Context) (bool, error) { return s.ready(nil) == nil, nil })
	if err != nil {
		t.Fatalf("never ready while listening on %s: %v", addr, err)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("ready, but nothing answers on %s: %v", addr, err)
	}
	_ = resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := s.ready(nil); err == nil {
		t.Fatal("still ready after the server stopped")
	}
}
