package plugin

import (
	"context"
	"testing"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

func TestDeleteNamesTheServicesAndNeedsConfirmation(t *testing.T) {
	g := gomega.NewWithT(t)
	ctx := context.Background()
	createAccount(t, "deleting")
	createServiceClass(t, "delete-disk", "disk")
	g.Expect(k8s.Create(ctx, &iamv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: "deleting", Name: "basic"},
		Spec:       iamv1alpha1.SubscriptionSpec{Services: []iamv1alpha1.SubscribedService{{ServiceClass: "delete-disk", Quantity: 1}}},
	})).To(gomega.Succeed())
	user := testsupport.NewUser("deleting", "hal", "hal@deleting.example")
	user.Spec.Services = []iamv1alpha1.ServiceAssignment{{ServiceClass: "delete-disk"}}
	key := testsupport.CreateUser(t, k8s, user)
	g.Eventually(func(g gomega.Gomega) {
		g.Expect(testsupport.GetUser(g, k8s, key).Status.Services).To(gomega.ContainElement(gomega.HaveField("Phase", iamv1alpha1.ServicePhaseReady)))
	}).WithTimeout(testsupport.Timeout).Should(gomega.Succeed())

	r := run(t, "delete", "hal", "-n", "deleting")
	g.Expect(r.err).To(gomega.HaveOccurred())
	g.Expect(r.stdout).To(gomega.ContainSubstring("Delete user hal (hal@deleting.example) from deleting and remove these services?"))
	g.Expect(r.stdout).To(gomega.ContainSubstring("delete-disk (delete-disk, Ready) — ConfigMap hal-delete-disk"))
	g.Expect(r.stderr).To(gomega.ContainSubstring("run again with --confirm"))
	g.Expect(k8s.Get(ctx, key, &iamv1alpha1.User{})).To(gomega.Succeed(), "refused: hal is still there")

	g.Expect(mustRun(t, "delete", "hal", "-n", "deleting", "--confirm", "--wait")).
		To(gomega.ContainSubstring("user/hal and its services are gone"))
	g.Expect(client.IgnoreNotFound(k8s.Get(ctx, key, &iamv1alpha1.User{}))).To(gomega.Succeed())
}
