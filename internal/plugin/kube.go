package plugin

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// object is a Kubernetes object of a kind the scheme knows.
type object interface {
	metav1.Object
	runtime.Object
}

// kubeClient gets, lists, creates, patches and deletes the few kinds the
// commands use, with client-go's REST client and the API types' scheme.
// That is all a command needs: it makes a request or two and exits, so
// controller-runtime's client, with the caches, informers, metrics and
// typed clientsets it links in, would only make the plugin bigger.
type kubeClient struct {
	scheme *runtime.Scheme
	// byGroupVersion is one REST client per API group version, sharing
	// one HTTP client.
	byGroupVersion map[schema.GroupVersion]rest.Interface
}

// scheme knows Tenantry's kinds and the built-in ones the commands use.
func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := iamv1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// newKubeClient is a client for cfg.
func newKubeClient(cfg *rest.Config) (*kubeClient, error) {
	s := scheme()
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	c := &kubeClient{scheme: s, byGroupVersion: map[schema.GroupVersion]rest.Interface{}}
	codecs := serializer.NewCodecFactory(s).WithoutConversion()
	for _, gv := range []schema.GroupVersion{corev1.SchemeGroupVersion, iamv1alpha1.GroupVersion} {
		gvCfg := rest.CopyConfig(cfg)
		gvCfg.GroupVersion = &gv
		gvCfg.APIPath = "/apis"
		if gv.Group == "" {
			gvCfg.APIPath = "/api"
		}
		gvCfg.NegotiatedSerializer = codecs
		if gvCfg.UserAgent == "" {
			gvCfg.UserAgent = rest.DefaultKubernetesUserAgent()
		}
		rc, err := rest.RESTClientForConfigAndClient(gvCfg, httpClient)
		if err != nil {
			return nil, err
		}
		c.byGroupVersion[gv] = rc
	}
	return c, nil
}

// endpoint is where objects of obj's kind are served: the REST client of
// their group version and their resource.
func (c *kubeClient) endpoint(obj runtime.Object) (rest.Interface, string, error) {
	gvk, err := c.kindOf(obj)
	if err != nil {
		return nil, "", err
	}
	rc, ok := c.byGroupVersion[gvk.GroupVersion()]
	if !ok {
		return nil, "", fmt.Errorf("no client for %s", gvk.GroupVersion())
	}
	return rc, resourceOf(gvk.Kind), nil
}

// kindOf is obj's kind as the scheme registered it.
func (c *kubeClient) kindOf(obj runtime.Object) (schema.GroupVersionKind, error) {
	gvks, _, err := c.scheme.ObjectKinds(obj)
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	return gvks[0], nil
}

// resourceOf is the resource that serves kind (or a list of it): its
// lower-case plural, which is how every kind the commands use is named.
// A test holds it to the resources the commands name in refusals.
func resourceOf(kind string) string {
	kind = strings.ToLower(strings.TrimSuffix(kind, "List"))
	if strings.HasSuffix(kind, "s") {
		return kind + "es"
	}
	return kind + "s"
}

func (c *kubeClient) get(ctx context.Context, key types.NamespacedName, obj object) error {
	rc, resource, err := c.endpoint(obj)
	if err != nil {
		return err
	}
	return rc.Get().Namespace(key.Namespace).Resource(resource).Name(key.Name).Do(ctx).Into(obj)
}

// list lists into list in namespace, or in every namespace (or a
// cluster-scoped kind) for "", with the label selector if any.
func (c *kubeClient) list(ctx context.Context, list runtime.Object, namespace, labelSelector string) error {
	rc, resource, err := c.endpoint(list)
	if err != nil {
		return err
	}
	return rc.Get().Namespace(namespace).Resource(resource).
		VersionedParams(&metav1.ListOptions{LabelSelector: labelSelector}, metav1.ParameterCodec).
		Do(ctx).Into(list)
}

// create creates obj and reads back what the API server stored.
func (c *kubeClient) create(ctx context.Context, obj object) error {
	rc, resource, err := c.endpoint(obj)
	if err != nil {
		return err
	}
	return rc.Post().Namespace(obj.GetNamespace()).Resource(resource).Body(obj).Do(ctx).Into(obj)
}

// mergePatch applies a JSON merge patch to obj and reads back what the API
// server stored.
func (c *kubeClient) mergePatch(ctx context.Context, obj object, patch []byte) error {
	rc, resource, err := c.endpoint(obj)
	if err != nil {
		return err
	}
	return rc.Patch(types.MergePatchType).Namespace(obj.GetNamespace()).Resource(resource).Name(obj.GetName()).
		Body(patch).Do(ctx).Into(obj)
}

// delete deletes obj, if preconditions (when given) still hold.
func (c *kubeClient) delete(ctx context.Context, obj object, preconditions *metav1.Preconditions) error {
	rc, resource, err := c.endpoint(obj)
	if err != nil {
		return err
	}
	return rc.Delete().Namespace(obj.GetNamespace()).Resource(resource).Name(obj.GetName()).
		Body(&metav1.DeleteOptions{Preconditions: preconditions}).Do(ctx).Error()
}

// keyOf is the namespace and name of obj.
func keyOf(obj metav1.Object) types.NamespacedName {
	return types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
}
