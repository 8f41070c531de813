package operator

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Ways the webhook server gets its certificate.
const (
	// WebhookCertsSelf: the manager issues its own CA and serving
	// certificate, keeps them in a Secret, rotates them and writes the CA
	// into the webhook configurations.
	WebhookCertsSelf = "self"
	// WebhookCertsFiles: someone else (cert-manager, envtest) puts tls.crt
	// and tls.key in the cert directory and the CA in the configurations.
	WebhookCertsFiles = "files"
)

// WebhookOptions say how the admission webhooks are served.
type WebhookOptions struct {
	// Disabled turns the webhooks off, for running against a cluster
	// that has none configured.
	Disabled bool
	Host     string
	Port     int
	CertDir  string
	// Certs is WebhookCertsSelf or WebhookCertsFiles.
	Certs string
	// CertSecret (namespace/name) holds the self-issued certificate.
	CertSecret string
	// Service (namespace/name) is what the API server calls; the
	// self-issued certificate is for its DNS name.
	Service string
	// ExtraDNSNames are further names of the self-issued certificate, for
	// an API server that reaches the webhooks by another name.
	ExtraDNSNames []string
	// MutatingConfig and ValidatingConfig name the configurations whose
	// caBundle the manager keeps current.
	MutatingConfig   string
	ValidatingConfig string
}

// defaultWebhookOptions name what config/default deploys; the cert
// directory is controller-runtime's own default.
func defaultWebhookOptions() WebhookOptions {
	return WebhookOptions{
		Port:             9443,
		CertDir:          filepath.Join(os.TempDir(), "k8s-webhook-server", "serving-certs"),
		Certs:            WebhookCertsSelf,
		CertSecret:       "tenantry-system/tenantry-webhook-server-cert",
		Service:          "tenantry-system/tenantry-webhook-service",
		MutatingConfig:   "tenantry-mutating-webhook-configuration",
		ValidatingConfig: "tenantry-validating-webhook-configuration",
	}
}

// BindFlags registers the webhook flags, with w's values as defaults.
func (w *WebhookOptions) BindFlags(fs *flag.FlagSet) {
	fs.BoolVar(&w.Disabled, "disable-webhooks", w.Disabled, "Serve no admission webhooks (only where none are configured: they fail closed).")
	fs.StringVar(&w.Host, "webhook-host", w.Host, "Address the webhook server listens on; empty means all.")
	fs.IntVar(&w.Port, "webhook-port", w.Port, "Port of the webhook server.")
	fs.StringVar(&w.CertDir, "webhook-cert-dir", w.CertDir, "Directory with the webhook server's tls.crt and tls.key.")
	fs.StringVar(&w.Certs, "webhook-certs", w.Certs, "Who provides the webhook certificate: self (the manager issues, rotates and injects it) or files (cert-manager or another tool mounts it in --webhook-cert-dir).")
	fs.StringVar(&w.CertSecret, "webhook-cert-secret", w.CertSecret, "namespace/name of the Secret holding the self-issued certificate (mount it at --webhook-cert-dir).")
	fs.Func("webhook-cert-extra-dns-names", "Comma-separated further DNS names of the self-issued certificate, for an API server that reaches the webhooks by a name other than the Service's.", func(v string) error {
		w.ExtraDNSNames = nil
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				w.ExtraDNSNames = append(w.ExtraDNSNames, name)
			}
		}
		return nil
	})
	fs.StringVar(&w.Service, "webhook-service", w.Service, "namespace/name of the webhook Service; the self-issued certificate is for its DNS name.")
	fs.StringVar(&w.MutatingConfig, "webhook-mutating-config", w.MutatingConfig, "MutatingWebhookConfiguration whose caBundle the manager keeps current (--webhook-certs=self).")
	fs.StringVar(&w.ValidatingConfig, "webhook-validating-config", w.ValidatingConfig, "ValidatingWebhookConfiguration whose caBundle the manager keeps current (--webhook-certs=self).")
}

// validate reports the invalid webhook options, in flag terms.
func (w WebhookOptions) validate() []error {
	if w.Disabled {
		return nil
	}
	var errs []error
	if w.Port < 1 || w.Port > 65535 {
		errs = append(errs, fmt.Errorf("--webhook-port: %d is not a port", w.Port))
	}
	switch w.Certs {
	case WebhookCertsFiles:
	case WebhookCertsSelf:
		for name, ref := range map[string]string{"--webhook-cert-secret": w.CertSecret, "--webhook-service": w.Service} {
			if len(strings.Split(ref, "/")) != 2 {
				errs = append(errs, fmt.Errorf("%s: %q is not namespace/name", name, ref))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("--webhook-certs: %q is not self or files", w.Certs))
	}
	return errs
}
