package services

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestCheckServable(t *testing.T) {
	mapper := meta.NewDefaultRESTMapper(nil)
	configMap := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	mapper.Add(configMap, meta.RESTScopeNamespace)
	bucket := schema.GroupVersionKind{Group: "storage.example.com", Version: "v1", Kind: "Bucket"}
	mapper.Add(bucket, meta.RESTScopeRoot)
	mailbox := schema.GroupVersionKind{Group: "mail.example.com", Version: "v1", Kind: "Mailbox"}

	tests := []struct {
		name         string
		gvk          schema.GroupVersionKind
		scope        iamv1alpha1.ServiceScope
		wantReason   string
		wantResource string
	}{
		{"namespaced kind, namespaced class", configMap, iamv1alpha1.ServiceScopeNamespaced, "", "configmaps"},
		{"the default scope is namespaced", configMap, "", "", "configmaps"},
		{"cluster kind, cluster class", bucket, iamv1alpha1.ServiceScopeCluster, "", "buckets.storage.example.com"},
		{"namespaced kind, cluster class", configMap, iamv1alpha1.ServiceScopeCluster, iamv1alpha1.ReasonScopeMismatch, "configmaps"},
		{"cluster kind, namespaced class", bucket, iamv1alpha1.ServiceScopeNamespaced, iamv1alpha1.ReasonScopeMismatch, "buckets.storage.example.com"},
		{"a kind not served", mailbox, iamv1alpha1.ServiceScopeNamespaced, iamv1alpha1.ReasonKindNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckServable(mapper, tt.gvk, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reason != tt.wantReason || got.Resource != tt.wantResource {
				t.Errorf("CheckServable = %+v, want reason %q, resource %q", got, tt.wantReason, tt.wantResource)
			}
			if got.Servable() != (tt.wantReason == "") || (got.Message == "") != (tt.wantReason == "") {
				t.Errorf("Servable() = %v with message %q", got.Servable(), got.Message)
			}
		})
	}
}
