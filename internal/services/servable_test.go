package services

import (
	"context"
	"strings"
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
			got, err := CheckServable(context.Background(), mapper, nil, tt.gvk, tt.scope)
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

// A kind the mapper still maps is not served while its CRD is being
// deleted or once it is gone; built-in kinds are never looked up.
func TestCheckServableAsksTheCRD(t *testing.T) {
	mapper := meta.NewDefaultRESTMapper(nil)
	widget := schema.GroupVersionKind{Group: "shop.example.com", Version: "v1", Kind: "Widget"}
	mapper.Add(widget, meta.RESTScopeNamespace)
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	mapper.Add(deployment, meta.RESTScopeNamespace)

	tests := []struct {
		name        string
		gvk         schema.GroupVersionKind
		state       CRDState
		wantReason  string
		wantMessage string
		wantAsked   string
	}{
		{"served by its CRD", widget, CRDServing, "", "", "widgets.shop.example.com"},
		{"no CRD: the mapper's word stands", widget, CRDNone, "", "", "widgets.shop.example.com"},
		{"its CRD is being deleted", widget, CRDTerminating, iamv1alpha1.ReasonKindNotFound,
			"the API server does not serve shop.example.com/v1 Widget: its CustomResourceDefinition widgets.shop.example.com is being deleted", "widgets.shop.example.com"},
		{"its CRD is gone, the mapping stale", widget, CRDGone, iamv1alpha1.ReasonKindNotFound,
			"the API server does not serve shop.example.com/v1 Widget: its CustomResourceDefinition widgets.shop.example.com was deleted; install it again", "widgets.shop.example.com"},
		{"a group without a dot is never a CRD's", deployment, CRDGone, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := ""
			lookup := func(_ context.Context, name string) (CRDState, error) {
				asked = name
				return tt.state, nil
			}
			got, err := CheckServable(context.Background(), mapper, lookup, tt.gvk, iamv1alpha1.ServiceScopeNamespaced)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reason != tt.wantReason || got.Message != tt.wantMessage || asked != tt.wantAsked {
				t.Errorf("CheckServable = %+v asking %q, want reason %q, message %q, asking %q", got, asked, tt.wantReason, tt.wantMessage, tt.wantAsked)
			}
		})
	}
	if _, err := CheckServable(context.Background(), mapper, func(context.Context, string) (CRDState, error) {
		return CRDNone, context.DeadlineExceeded
	}, widget, ""); err == nil || !strings.Contains(err.Error(), "widgets.shop.example.com") {
		t.Errorf("a failed lookup is an error naming the CRD, got %v", err)
	}
}
