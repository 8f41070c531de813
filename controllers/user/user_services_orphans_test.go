package user

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestOrphans(t *testing.T) {
	object := func(apiVersion, kind, namespace, name string, deleting bool) unstructured.Unstructured {
		u := unstructured.Unstructured{}
		u.SetAPIVersion(apiVersion)
		u.SetKind(kind)
		u.SetNamespace(namespace)
		u.SetName(name)
		if deleting {
			now := metav1.Now()
			u.SetDeletionTimestamp(&now)
		}
		return u
	}
	entry := func(name, apiVersion, kind, namespace, objectName string) iamv1alpha1.ServiceStatus {
		return iamv1alpha1.ServiceStatus{Name: name, Object: &iamv1alpha1.ServiceObjectReference{APIVersion: apiVersion, Kind: kind, Namespace: namespace, Name: objectName}}
	}
	cases := []struct {
		name string
		objs []unstructured.Unstructured
		list []iamv1alpha1.ServiceStatus
		want []string
	}{
		{name: "named by its status: kept",
			objs: []unstructured.Unstructured{object("v1", "ConfigMap", "acme", "alice-storage", false)},
			list: []iamv1alpha1.ServiceStatus{entry("storage", "v1", "ConfigMap", "acme", "alice-storage")}},
		{name: "named by none: an orphan",
			objs: []unstructured.Unstructured{object("v1", "ConfigMap", "acme", "alice-old", false), object("v1", "ConfigMap", "acme", "alice-storage", false)},
			list: []iamv1alpha1.ServiceStatus{entry("storage", "v1", "ConfigMap", "acme", "alice-storage")},
			want: []string{"acme/alice-old"}},
		{name: "read in another version: still the object the status names",
			objs: []unstructured.Unstructured{object("mail.example.com/v1beta1", "Mailbox", "acme", "alice-mailbox", false)},
			list: []iamv1alpha1.ServiceStatus{entry("mailbox", "mail.example.com/v1", "Mailbox", "acme", "alice-mailbox")}},
		{name: "same name, another kind: an orphan",
			objs: []unstructured.Unstructured{object("v1", "Secret", "acme", "alice-storage", false)},
			list: []iamv1alpha1.ServiceStatus{entry("storage", "v1", "ConfigMap", "acme", "alice-storage")},
			want: []string{"acme/alice-storage"}},
		{name: "a cluster-scoped orphan",
			objs: []unstructured.Unstructured{object("example.com/v1", "Bucket", "", "acme-alice-bucket", false)},
			list: []iamv1alpha1.ServiceStatus{{Name: "storage", Phase: iamv1alpha1.ServicePhasePending}},
			want: []string{"acme-alice-bucket"}},
		{name: "already being deleted: nothing to do",
			objs: []unstructured.Unstructured{object("v1", "ConfigMap", "acme", "alice-old", true)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, obj := range orphans(tc.objs, tc.list) {
				got = append(got, objectName(obj))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("orphans %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("orphans %v, want %v", got, tc.want)
				}
			}
		})
	}
}
