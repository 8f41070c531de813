package smtpcatcher

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// FailureMode decides how the server answers the next transactions.
type FailureMode int

const (
	// Accept delivers messages normally.
	Accept FailureMode = iota
	// FailTemporarily answers RCPT with 451 4.3.0, like a greylisting or
	// overloaded server; the client should retry later.
	FailTemporarily
	// FailPermanently answers RCPT with 550 5.1.1, like a server that does
	// not know the mailbox; retrying will not help.
	FailPermanently
)

// Options configures a Server.
type Options struct {
	// Dir, when set, receives every accepted message as
	// "<unix-nanos>-<sanitized message id>.eml". It is created if needed.
	Dir string
}

// Server is a running catcher. All methods are safe for concurrent use.
type Server struct {
	addr string
	host string
	port int
	dir  string

	// lifecycle guards the go-smtp server, which Stop, Restart and Close
	// replace; it is separate from mu so that sessions recording messages
	// never wait for a shutdown in progress.
	lifecycle sync.Mutex
	smtp      *smtp.Server
	listener  net.Listener
	served    chan struct{}
	closed    bool

	mu       sync.Mutex
	mode     FailureMode
	messages []Message
	attempts int
	// attemptsTo counts RCPT TO per lower-cased address.
	attemptsTo map[string]int
}

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background until Close.
func Start(addr string, opts Options) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtpcatcher: listen on %s: %w", addr, err)
	}
	host, portText, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("smtpcatcher: split bound address: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("smtpcatcher: parse bound port: %w", err)
	}
	s := &Server{addr: l.Addr().String(), host: host, port: port, dir: opts.Dir, attemptsTo: map[string]int{}}
	s.serve(l)
	return s, nil
}

// Addr returns the host:port actually bound, which stays the same across
// Stop and Restart.
func (s *Server) Addr() string { return s.addr }

// Host returns the bound host.
func (s *Server) Host() string { return s.host }

// Port returns the bound port.
func (s *Server) Port() int { return s.port }

// SetFailureMode changes how the following transactions are answered.
func (s *Server) SetFailureMode(m FailureMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

// Messages returns a copy of the accepted messages in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.clone()
	}
	return out
}

// Attempts counts delivery attempts, failed ones included: every MAIL FROM
// counts once.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// AttemptsTo counts delivery attempts to one address, failed ones
// included: every RCPT TO naming it counts once. Tests that share a cluster
// with other tests' users ask about their own recipient.
func (s *Server) AttemptsTo(address string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attemptsTo[strings.ToLower(address)]
}

// Stop closes the listener and open connections, so that new connections
// are refused as if the mail server were down. Stop on a stopped server is a
// no-op.
func (s *Server) Stop() error {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	return s.stopLocked()
}

// Restart listens again on the same host:port after Stop. Restart on a
// running server is a no-op.
func (s *Server) Restart() error {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	if s.closed {
		return errors.New("smtpcatcher: restart after Close")
	}
	if s.smtp != nil {
		return nil
	}
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtpcatcher: listen again on %s: %w", s.addr, err)
	}
	s.serveLocked(l)
	return nil
}

// Close shuts the server down for good.
func (s *Server) Close() error {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	s.closed = true
	return s.stopLocked()
}

func (s *Server) serve(l net.Listener) {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	s.serveLocked(l)
}

// serveLocked builds a fresh go-smtp server for l, because a go-smtp server
// cannot serve again once closed.
func (s *Server) serveLocked(l net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute

	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	s.smtp, s.listener, s.served = srv, l, served
}

func (s *Server) stopLocked() error {
	if s.smtp == nil {
		return nil
	}
	err := s.smtp.Close()
	// Close the listener ourselves as well: if Serve had not registered it
	// with go-smtp yet, go-smtp's Close would miss it and Accept would block
	// forever. A second Close of a listener only reports net.ErrClosed.
	if lerr := s.listener.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	<-s.served
	s.smtp, s.listener, s.served = nil, nil, nil
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("smtpcatcher: stop: %w", err)
	}
	return nil
}
