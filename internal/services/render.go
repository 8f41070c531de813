package services

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// Request is everything one service's object is rendered from.
type Request struct {
	Class      *iamv1alpha1.ServiceClass
	User       *iamv1alpha1.User
	Assignment iamv1alpha1.ServiceAssignment
	// Suspend merges the class's suspendWhenDisabled into the object.
	Suspend bool
}

// placeholder matches ${name} and ${params.key}.
var placeholder = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9_.]*)\}`)

// Render turns a class's template into the object for one assignment: the
// placeholders filled, the name and namespace set, labelled with the user,
// assignment and class, owned by the User when it lives in the user's
// namespace, and annotated with a hash of all that so an unchanged object is
// never applied twice.
func Render(req Request) (*unstructured.Unstructured, error) {
	var tmpl map[string]any
	if err := json.Unmarshal(req.Class.Spec.Template.Raw, &tmpl); err != nil {
		return nil, fmt.Errorf("service class %s: template is not an object: %w", req.Class.Name, err)
	}
	values := placeholderValues(req)
	filled, err := fill(tmpl, values)
	if err != nil {
		return nil, fmt.Errorf("service class %s: %w", req.Class.Name, err)
	}
	obj := &unstructured.Unstructured{Object: filled.(map[string]any)}
	if req.Suspend && req.Class.Spec.SuspendWhenDisabled != nil {
		var suspend map[string]any
		if err := json.Unmarshal(req.Class.Spec.SuspendWhenDisabled.Raw, &suspend); err != nil {
			return nil, fmt.Errorf("service class %s: suspendWhenDisabled is not an object: %w", req.Class.Name, err)
		}
		obj.Object = merge(obj.Object, suspend)
	}
	if obj.GetAPIVersion() == "" || obj.GetKind() == "" {
		return nil, fmt.Errorf("service class %s: template needs an apiVersion and a kind", req.Class.Name)
	}

	user, name := req.User, req.Assignment.AssignmentName()
	namespaced := req.Class.Spec.Scope != iamv1alpha1.ServiceScopeCluster
	if obj.GetName() == "" {
		obj.SetName(DefaultObjectName(user.Namespace, user.Name, name, namespaced))
	}
	if errs := validation.IsDNS1123Subdomain(obj.GetName()); len(errs) > 0 {
		return nil, fmt.Errorf("service class %s: object name %q: %s", req.Class.Name, obj.GetName(), strings.Join(errs, "; "))
	}
	if namespaced {
		obj.SetNamespace(user.Namespace)
	} else {
		obj.SetNamespace("")
	}
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[iamv1alpha1.ManagedByLabel] = iamv1alpha1.ManagedBy
	labels[iamv1alpha1.ServiceClassLabel] = req.Class.Name
	labels[iamv1alpha1.UserLabel] = user.Name
	labels[iamv1alpha1.ServiceLabel] = name
	labels[iamv1alpha1.AccountLabel] = user.Namespace
	obj.SetLabels(labels)
	if namespaced {
		obj.SetOwnerReferences([]metav1OwnerReference{ownerOf(user)})
	}

	hash, err := hashOf(obj)
	if err != nil {
		return nil, err
	}
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[iamv1alpha1.ServiceTemplateHashAnnotation] = hash
	obj.SetAnnotations(annotations)
	return obj, nil
}

// DefaultObjectName is <user>-<assignment> in the account's namespace, and
// <account>-<user>-<assignment> for a cluster-scoped object, which shares one
// name space with every account. A name too long for a DNS label is cut and
// ends with a hash of the whole, so it stays unique.
func DefaultObjectName(account, user, assignment string, namespaced bool) string {
	name := user + "-" + assignment
	if !namespaced {
		name = account + "-" + name
	}
	if len(name) <= validation.DNS1123LabelMaxLength {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := hex.EncodeToString(sum[:])[:10]
	return strings.TrimRight(name[:validation.DNS1123LabelMaxLength-len(suffix)-1], "-") + "-" + suffix
}

func placeholderValues(req Request) map[string]string {
	values := map[string]string{
		"user.name":     req.User.Name,
		"user.email":    req.User.Spec.Email,
		"user.fullName": req.User.Spec.FullName,
		"account":       req.User.Namespace,
		"assignment":    req.Assignment.AssignmentName(),
	}
	for k, v := range req.Class.Spec.DefaultParameters {
		values["params."+k] = v
	}
	for k, v := range req.Assignment.Parameters {
		values["params."+k] = v
	}
	return values
}

// fill replaces the placeholders in every string of a decoded JSON value.
func fill(v any, values map[string]string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			filled, err := fill(item, values)
			if err != nil {
				return nil, err
			}
			out[k] = filled
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			filled, err := fill(item, values)
			if err != nil {
				return nil, err
			}
			out[i] = filled
		}
		return out, nil
	case string:
		var missing error
		out := placeholder.ReplaceAllStringFunc(t, func(m string) string {
			key := m[2 : len(m)-1]
			value, ok := values[key]
			if !ok && missing == nil {
				if strings.HasPrefix(key, "params.") {
					missing = fmt.Errorf("the template uses ${%s} but the assignment has no parameter %s", key, strings.TrimPrefix(key, "params."))
				} else {
					missing = fmt.Errorf("the template uses ${%s}, which is not a placeholder (user.name, user.email, user.fullName, account, assignment, params.KEY)", key)
				}
			}
			return value
		})
		return out, missing
	default:
		return v, nil
	}
}

// merge lays patch over base, as a JSON merge patch does: objects merge
// key by key, anything else replaces, null deletes.
func merge(base, patch map[string]any) map[string]any {
	for k, pv := range patch {
		if pv == nil {
			delete(base, k)
			continue
		}
		pm, pIsMap := pv.(map[string]any)
		bm, bIsMap := base[k].(map[string]any)
		if pIsMap && bIsMap {
			base[k] = merge(bm, pm)
			continue
		}
		base[k] = pv
	}
	return base
}

func hashOf(obj *unstructured.Unstructured) (string, error) {
	data, err := json.Marshal(obj.Object) // map keys marshal sorted
	if err != nil {
		return "", fmt.Errorf("hash rendered object: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:16], nil
}
