package mail

import (
	"strings"
	"testing"
	"time"
)

func TestParseTLSMode(t *testing.T) {
	tests := []struct {
		in      string
		want    TLSMode
		wantErr bool
	}{
		{in: "none", want: TLSNone},
		{in: "starttls", want: TLSStartTLS},
		{in: " TLS ", want: TLSImplicit},
		{in: "ssl", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTLSMode(tt.in)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), `"none", "starttls" and "tls"`) {
					t.Errorf("ParseTLSMode(%q) error = %v, want one listing the valid values", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseTLSMode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNewSMTPSender(t *testing.T) {
	valid := Config{Host: "smtp.example.com", Port: 587, From: "Tenantry <no-reply@example.com>"}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{name: "valid", mutate: func(*Config) {}},
		{name: "empty host", mutate: func(c *Config) { c.Host = "" }, wantErr: "host is empty"},
		{name: "host with space", mutate: func(c *Config) { c.Host = "smtp example" }, wantErr: "not a host name"},
		{name: "port zero", mutate: func(c *Config) { c.Port = 0 }, wantErr: "out of range"},
		{name: "port too big", mutate: func(c *Config) { c.Port = 70000 }, wantErr: "out of range"},
		{name: "bad from", mutate: func(c *Config) { c.From = "Tenantry no-reply" }, wantErr: "sender address"},
		{name: "empty from", mutate: func(c *Config) { c.From = "" }, wantErr: "sender address"},
		{name: "bad tls mode", mutate: func(c *Config) { c.TLS = "ssl" }, wantErr: "invalid SMTP TLS mode"},
		{name: "negative timeout", mutate: func(c *Config) { c.Timeout = -time.Second }, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.mutate(&cfg)
			s, err := NewSMTPSender(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewSMTPSender error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMTPSender: %v", err)
			}
			if s.cfg.TLS != TLSStartTLS || s.cfg.Timeout != defaultTimeout {
				t.Errorf("defaults: TLS %q, timeout %s", s.cfg.TLS, s.cfg.Timeout)
			}
		})
	}
}
