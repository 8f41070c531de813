package webhook_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// selfCertAccountLabel marks the one account whose admission goes through
// the webhook configurations this test installs, so that no other test
// depends on the server it starts.
const selfCertAccountLabel = "test.tenantry.io/self-issued-certificate"

// TestSelfIssuedWebhookCertificate runs the manager as config/default
// deploys it without cert-manager: it issues its own CA and serving
// certificate into a Secret and writes the CA into the webhook
// configurations, and the API server then trusts it.
func TestSelfIssuedWebhookCertificate(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	account := testsupport.NewNamespace(t, k8s)
	labelNamespace(t, account, selfCertAccountLabel, "true")
	system := testsupport.NewNamespace(t, k8s)
	// config/default ships the Secret empty; the manager fills it.
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: system, Name: "tenantry-webhook-server-cert"}}
	g.Expect(k8s.Create(ctx, secret)).To(Succeed())

	_, port, err := splitHostPort(testsupport.FreeAddr(t))
	g.Expect(err).NotTo(HaveOccurred())
	// The API server calls the webhooks by a name the certificate must
	// carry; on a cluster that is the Service's, here it is localhost.
	mutating, validating := installWebhookConfigurations(t, fmt.Sprintf("https://localhost:%d", port))

	opts := testsupport.ManagerOptions(t, testsupport.StartSMTP(t))
	opts.Webhook = operator.WebhookOptions{
		Host: "127.0.0.1", Port: port, CertDir: t.TempDir(),
		Certs:            operator.WebhookCertsSelf,
		CertSecret:       system + "/" + secret.Name,
		Service:          system + "/tenantry-webhook-service",
		ExtraDNSNames:    []string{"localhost"},
		MutatingConfig:   mutating,
		ValidatingConfig: validating,
	}
	testsupport.StartManager(t, cfg, opts)

	// Until the CA is injected and the server runs, admission in the
	// account fails closed; then a user is admitted through this server.
	user := withoutRole(testsupport.NewUser(account, "alice", "alice@self-issued.example"))
	g.Eventually(func() error {
		// What the kubelet does with the Secret mounted at the cert dir.
		if err := mountSecret(ctx, client.ObjectKeyFromObject(secret), opts.Webhook.CertDir); err != nil {
			return err
		}
		return k8s.Create(ctx, user.DeepCopy())
	}).WithTimeout(2 * time.Minute).WithPolling(500 * time.Millisecond).Should(Succeed())
	g.Expect(testsupport.GetUser(g, k8s, client.ObjectKeyFromObject(user)).Spec.Role).To(Equal("owner"), "defaulted at admission")

	// The certificate is for the Service, and both configurations trust its CA.
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(secret), secret)).To(Succeed())
	cert := parseCertificate(t, secret.Data["tls.crt"])
	g.Expect(cert.DNSNames).To(ContainElements(
		"tenantry-webhook-service."+system+".svc", "tenantry-webhook-service."+system+".svc.cluster.local", "localhost"))
	roots := x509.NewCertPool()
	m := &admissionregistrationv1.MutatingWebhookConfiguration{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Name: mutating}, m)).To(Succeed())
	g.Expect(roots.AppendCertsFromPEM(m.Webhooks[0].ClientConfig.CABundle)).To(BeTrue())
	_, err = cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost"})
	g.Expect(err).NotTo(HaveOccurred())
	v := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Name: validating}, v)).To(Succeed())
	for _, w := range v.Webhooks {
		g.Expect(bytes.Equal(w.ClientConfig.CABundle, m.Webhooks[0].ClientConfig.CABundle)).To(BeTrue(), w.Name)
	}
}

// installWebhookConfigurations installs config/webhook's configurations
// under names of their own, calling baseURL and applying only to accounts
// labelled for this test.
func installWebhookConfigurations(t *testing.T, baseURL string) (mutating, validating string) {
	t.Helper()
	g := NewWithT(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "webhook", "manifests.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	only := &metav1.LabelSelector{MatchLabels: map[string]string{selfCertAccountLabel: "true"}}
	point := func(c *admissionregistrationv1.WebhookClientConfig) {
		c.URL = ptr.To(baseURL + ptr.Deref(c.Service.Path, ""))
		c.Service = nil
	}
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	var objects []client.Object
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var kind metav1.TypeMeta
		g.Expect(yaml.Unmarshal(doc, &kind)).To(Succeed())
		switch kind.Kind {
		case "MutatingWebhookConfiguration":
			m := &admissionregistrationv1.MutatingWebhookConfiguration{}
			g.Expect(yaml.UnmarshalStrict(doc, m)).To(Succeed())
			m.Name = "self-issued-mutating-" + suffix
			for i := range m.Webhooks {
				point(&m.Webhooks[i].ClientConfig)
				m.Webhooks[i].NamespaceSelector = only
			}
			mutating = m.Name
			objects = append(objects, m)
		case "ValidatingWebhookConfiguration":
			v := &admissionregistrationv1.ValidatingWebhookConfiguration{}
			g.Expect(yaml.UnmarshalStrict(doc, v)).To(Succeed())
			v.Name = "self-issued-validating-" + suffix
			for i := range v.Webhooks {
				point(&v.Webhooks[i].ClientConfig)
				v.Webhooks[i].NamespaceSelector = only
			}
			validating = v.Name
			objects = append(objects, v)
		}
	}
	g.Expect(mutating).NotTo(BeEmpty())
	g.Expect(validating).NotTo(BeEmpty())
	for _, obj := range objects {
		g.Expect(k8s.Create(context.Background(), obj)).To(Succeed())
		t.Cleanup(func() { _ = k8s.Delete(context.Background(), obj) })
	}
	return mutating, validating
}

// mountSecret writes the Secret's keys as files into dir, once the
// manager has filled it, as the kubelet does: each file whole (written
// aside, then renamed), unchanged files left alone, and tls.crt last, since
// the manager takes its presence as the sign that the certificate is there.
func mountSecret(ctx context.Context, key client.ObjectKey, dir string) error {
	secret := &corev1.Secret{}
	if err := k8s.Get(ctx, key, secret); err != nil {
		return err
	}
	if len(secret.Data["tls.crt"]) == 0 || len(secret.Data["tls.key"]) == 0 {
		return fmt.Errorf("secret %s has no certificate yet", key)
	}
	names := slices.Sorted(maps.Keys(secret.Data))
	names = append(slices.DeleteFunc(names, func(n string) bool { return n == "tls.crt" }), "tls.crt")
	for _, name := range names {
		path := filepath.Join(dir, name)
		if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, secret.Data[name]) {
			continue
		}
		if err := os.WriteFile(path+".new", secret.Data[name], 0o600); err != nil {
			return err
		}
		if err := os.Rename(path+".new", path); err != nil {
			return err
		}
	}
	return nil
}

func labelNamespace(t *testing.T, name, key, value string) {
	t.Helper()
	ns := &corev1.Namespace{}
	g := NewWithT(t)
	g.Expect(k8s.Get(context.Background(), client.ObjectKey{Name: name}, ns)).To(Succeed())
	patch := client.MergeFrom(ns.DeepCopy())
	ns.Labels = map[string]string{key: value}
	g.Expect(k8s.Patch(context.Background(), ns, patch)).To(Succeed())
}

func parseCertificate(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("tls.crt holds no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parse tls.crt: %v", err)
	}
	return cert
}

// splitHostPort splits "host:port" into its parts, the port as a number.
func splitHostPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(port)
	return host, n, err
}
