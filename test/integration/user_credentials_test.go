package integration

import (
	"context"
	"encoding/base32"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// A Manager of an account may create Pods there, and a Pod may mount any
// Secret of its namespace whatever the Secrets RBAC says. So no credential
// Secret is there: they live in the operator's namespace, which the Manager
// cannot reach, and the TOTP secret in one is sealed, no second factor to
// whoever reads it anyway.
func TestCredentialsAreOutOfTheAccountsReach(t *testing.T) {
	tm, ns := startAccount(t)
	ctx := context.Background()
	g := NewWithT(t)
	user := newUser(ns, "bob", "bob@reach.example")
	key := inviteAndAccept(t, tm, user)
	session := logInOK(t, tm, user, strongPassword)
	enrolled := selfService(t, tm, http.MethodPost, "/v1/totp/enroll", session, nil)
	g.Expect(enrolled.code).To(Equal(http.StatusOK), enrolled.raw)
	totpSecret := enrolled.str("secret")
	confirmed := selfService(t, tm, http.MethodPost, "/v1/totp/confirm", session, map[string]string{"code": code(t, totpSecret, time.Now())})
	g.Expect(confirmed.code).To(Equal(http.StatusOK), confirmed.raw)

	// As the Manager, with the RBAC the built-in role renders: Pods may be
	// created in the account (once the binding is there).
	asBob := rest.CopyConfig(cfg)
	asBob.Impersonate = rest.ImpersonationConfig{UserName: user.Spec.Email}
	bob, err := client.New(asBob, client.Options{Scheme: operator.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	mounting := func(namespace, secretName string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, GenerateName: "mount-"},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "c", Image: "busybox",
					VolumeMounts: []corev1.VolumeMount{{Name: "s", MountPath: "/s"}}}},
				Volumes: []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{
					Secret: &corev1.SecretVolumeSource{SecretName: secretName}}}},
			},
		}
	}
	g.Eventually(func() error {
		return bob.Create(ctx, mounting(ns, "bob-credentials"), client.DryRunAll)
	}).WithTimeout(timeout).Should(Succeed(), "the Manager may create Pods in the account")

	// ...but no Secret a Pod there could mount is a credential Secret.
	secrets := &corev1.SecretList{}
	g.Expect(k8s.List(ctx, secrets, client.InNamespace(ns))).To(Succeed())
	for _, s := range secrets.Items {
		g.Expect(s.Labels).NotTo(HaveKey(iamv1alpha1.UserLabel), "credential Secret %s in the account", s.Name)
		g.Expect(s.Data).NotTo(HaveKey(credentials.KeyPasswordHash), "password hash in Secret %s of the account", s.Name)
	}
	stored := getSecret(g, key)
	g.Expect(stored.Namespace).To(Equal(testsupport.CredentialsNamespace))
	g.Expect(credentials.CheckPassword(stored.Data[credentials.KeyPasswordHash], strongPassword)).To(BeTrue())

	// The operator's namespace is out of the Manager's reach: no Secrets,
	// no Pods that could mount them.
	err = bob.List(ctx, &corev1.SecretList{}, client.InNamespace(testsupport.CredentialsNamespace))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "list Secrets of the operator's namespace: %v", err)
	err = bob.Get(ctx, secretKey(key), &corev1.Secret{})
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "get the credential Secret: %v", err)
	err = bob.Create(ctx, mounting(testsupport.CredentialsNamespace, stored.Name), client.DryRunAll)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "create a Pod in the operator's namespace: %v", err)

	// Read through the API by someone who may, the TOTP secret is no
	// second factor: sealed, not base32, no current code from it.
	sealed := string(stored.Data[credentials.KeyTOTPSecret])
	g.Expect(sealed).NotTo(BeEmpty())
	g.Expect(sealed).NotTo(ContainSubstring(totpSecret))
	_, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(sealed)
	g.Expect(err).To(HaveOccurred(), "the stored TOTP secret is base32")
	current, err := totp.GenerateCodeCustom(sealed, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	g.Expect(err != nil || current != code(t, totpSecret, time.Now())).To(BeTrue(), "the stored TOTP secret gives the current code")
	// The key that seals it is the operator's own, beside it.
	keySecret := &corev1.Secret{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: testsupport.CredentialsNamespace, Name: credentials.KeySecretName}, keySecret)).To(Succeed())
	g.Expect(keySecret.Labels).NotTo(HaveKey(iamv1alpha1.UserLabel))
}
