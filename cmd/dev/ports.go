package main

import (
	"fmt"
	"net"

	"github.com/tenantry-io/tenantry/internal/operator"
)

// servedAddress is one address the environment serves on, and the flag
// that moves it.
type servedAddress struct {
	addr, what, flag string
}

// checkPortsFree fails at once, naming the address and its flag, when
// another program (most often another `make dev`) holds an address the
// environment serves on. Without it the manager would fail only after the
// control plane had started, with a bind error among its logs.
func checkPortsFree(o operator.Options) error {
	for _, a := range []servedAddress{
		{o.SelfServiceAddr, "the self-service API", "selfservice-bind-address"},
		{o.MetricsAddr, "the metrics", "metrics-bind-address"},
		{o.ProbeAddr, "the health probes", "health-probe-bind-address"},
	} {
		if a.addr == "" || a.addr == "0" {
			continue
		}
		l, err := net.Listen("tcp", a.addr)
		if err != nil {
			return fmt.Errorf("%s (%s, --%s) is in use: is another `make dev` running? "+
				"Stop it, or pass --%s with a free address: %w", a.addr, a.what, a.flag, a.flag, err)
		}
		_ = l.Close()
	}
	return nil
}
